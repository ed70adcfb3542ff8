#include "lib/compare/render.hpp"

#include <algorithm>

#include "lib/chat/prices.hpp"
#include "lib/compare/text_width.hpp"
#include "lib/core/error.hpp"
#include "lib/render/markdown.hpp"

namespace webox::compare {
namespace {

constexpr const char *kGap = " │ ";
constexpr size_t kGapWidth = 3;

nlohmann::json optional_json(const std::optional<int64_t> &v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

std::string tokens_text(const ModelAnswer &a) {
  auto t = [](const std::optional<int64_t> &v) { return v ? std::to_string(*v) : std::string("?"); };
  return t(a.input_tokens) + " → " + t(a.output_tokens) + " tokens";
}

std::vector<std::string> footer(const ModelAnswer &a) {
  std::vector<std::string> lines;
  if (!a.answered_by.empty()) lines.push_back("answered by " + a.answered_by);
  lines.push_back("first token " + format_ms(a.ttft_ms) + ", total " + (a.done ? format_ms(a.latency_ms) : "…"));
  lines.push_back(tokens_text(a) + ", " + chat::format_cost(a.cost));
  return lines;
}

// An answer's lines in a column `column` cells wide. A drawn line wider
// than that (code is not wrapped by the renderer) is wrapped here.
std::vector<std::string> column_lines(const std::string &text, size_t column, ColumnText how) {
  if (how == ColumnText::wrapped) return wrap(text, column);
  std::vector<std::string> lines;
  const std::string drawn = render::render_markdown(text, {column, false});
  for (size_t start = 0; start < drawn.size();) {
    size_t end = drawn.find('\n', start);
    if (end == std::string::npos) end = drawn.size();
    std::string line = drawn.substr(start, end - start);
    if (display_width(line) <= column) lines.push_back(std::move(line));
    else
      for (auto &w : wrap(line, column)) lines.push_back(std::move(w));
    start = end + 1;
  }
  return lines;
}

} // namespace

std::string format_ms(std::optional<int64_t> ms) {
  if (!ms) return "-";
  if (*ms < 1000) return std::to_string(*ms) + " ms";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(*ms) / 1000.0);
  return buf;
}

Format parse_format(const std::string &name) {
  if (name == "table") return Format::table;
  if (name == "markdown" || name == "md") return Format::markdown;
  if (name == "json") return Format::json;
  if (name == "jsonl") return Format::jsonl;
  throw UsageError("unknown format '" + name + "' (known: table, markdown, json, jsonl)");
}

nlohmann::json to_json(const ModelAnswer &a) {
  nlohmann::json j = {{"model", a.model},
          {"answered_by", a.answered_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.answered_by)},
          {"text", a.text},
          {"ttft_ms", optional_json(a.ttft_ms)},
          {"latency_ms", a.latency_ms},
          {"input_tokens", optional_json(a.input_tokens)},
          {"output_tokens", optional_json(a.output_tokens)},
          {"cost", a.cost ? nlohmann::json(*a.cost) : nlohmann::json(nullptr)},
          {"error", a.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.error)}};
  if (!a.tool_calls.empty()) j["tool_calls"] = a.tool_calls;
  return j;
}

nlohmann::json to_json(const JudgeVerdict &v) {
  nlohmann::json j = {{"model", v.model}, {"seed", v.seed}};
  if (!v.error.empty()) {
    j["error"] = v.error;
    return j;
  }
  j["agreement"] = v.agreement;
  j["notes"] = v.notes;
  j["consensus"] = v.consensus;
  j["cost"] = v.cost ? nlohmann::json(*v.cost) : nlohmann::json(nullptr);
  return j;
}

nlohmann::json to_json(const Report &r) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto &a : r.answers) results.push_back(to_json(a));
  return {{"compare_id", r.id},
          {"prompt", r.prompt},
          {"results", results},
          {"judge", r.judge ? to_json(*r.judge) : nlohmann::json(nullptr)}};
}

std::string render_columns(const Report &report, size_t width, size_t max_text_lines, ColumnText how) {
  const size_t n = std::max<size_t>(1, report.answers.size());
  const size_t column = std::max<size_t>(10, (width - kGapWidth * (n - 1)) / n);
  std::vector<std::vector<std::string>> texts, feet;
  size_t text_rows = 0, foot_rows = 0;
  for (const auto &a : report.answers) {
    std::vector<std::string> lines = a.error.empty() ? column_lines(a.text, column, how) : wrap("✗ " + a.error, column);
    if (!a.error.empty() && !a.text.empty()) { // what arrived before the failure, then the error
      std::vector<std::string> partial = column_lines(a.text, column, how);
      partial.insert(partial.end(), lines.begin(), lines.end());
      lines = std::move(partial);
    }
    if (max_text_lines && lines.size() > max_text_lines) lines.erase(lines.begin(), lines.end() - static_cast<long>(max_text_lines));
    std::vector<std::string> f;
    for (const auto &l : footer(a))
      for (const auto &w : wrap(l, column)) f.push_back(w);
    text_rows = std::max(text_rows, lines.size());
    foot_rows = std::max(foot_rows, f.size());
    texts.push_back(std::move(lines));
    feet.push_back(std::move(f));
  }
  auto row = [&](auto cell) {
    std::string line;
    for (size_t c = 0; c < report.answers.size(); ++c) {
      if (c) line += kGap;
      line += pad_to(cell(c), column);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  std::string rule;
  for (size_t c = 0; c < report.answers.size(); ++c) {
    if (c) rule += "─┼─";
    for (size_t i = 0; i < column; ++i) rule += "─";
  }
  rule += "\n";
  std::string out = row([&](size_t c) {
    const std::string &m = report.answers[c].model;
    return display_width(m) > column ? wrap(m, column).front() : m;
  });
  out += rule;
  for (size_t r = 0; r < text_rows; ++r)
    out += row([&](size_t c) { return r < texts[c].size() ? texts[c][r] : std::string(); });
  out += rule;
  for (size_t r = 0; r < foot_rows; ++r)
    out += row([&](size_t c) { return r < feet[c].size() ? feet[c][r] : std::string(); });
  return out;
}

std::string render_verdict(const Report &report, size_t width) {
  if (!report.judge) return {};
  const JudgeVerdict &v = *report.judge;
  std::string out = "\nJudge " + v.model + " (answers shuffled with seed " + std::to_string(v.seed) + ")\n";
  if (!v.error.empty()) return out + "  ✗ " + v.error + "\n";
  out += "  agreement " + std::to_string(v.agreement) + "/100, " + chat::format_cost(v.cost) + "\n";
  for (const auto &[model, note] : v.notes)
    for (const auto &l : wrap(model + ": " + note, width > 4 ? width - 4 : width)) out += "  " + l + "\n";
  out += "  consensus:\n";
  for (const auto &l : wrap(v.consensus, width > 4 ? width - 4 : width)) out += "    " + l + "\n";
  return out;
}

std::string render_markdown(const Report &report) {
  auto cell = [](std::string s) {
    std::string out;
    for (char c : s) out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
    return out;
  };
  std::string md = "# Comparison\n\n**Prompt:** " + cell(report.prompt) + "\n\n";
  md += "| model | first token | total | tokens in → out | cost | status |\n|---|---|---|---|---|---|\n";
  for (const auto &a : report.answers) {
    auto t = [](const std::optional<int64_t> &v) { return v ? std::to_string(*v) : std::string("?"); };
    md += "| " + cell(a.model) + (a.answered_by.empty() ? "" : " (answered by " + cell(a.answered_by) + ")") +
          " | " + format_ms(a.ttft_ms) + " | " + format_ms(a.latency_ms) + " | " + t(a.input_tokens) + " → " +
          t(a.output_tokens) + " | " + chat::format_cost(a.cost) + " | " +
          (a.error.empty() ? "ok" : "error: " + cell(a.error)) + " |\n";
  }
  for (const auto &a : report.answers) {
    md += "\n## " + a.model + "\n\n";
    md += a.error.empty() ? a.text + "\n" : (a.text.empty() ? "" : a.text + "\n\n") + "> error: " + a.error + "\n";
  }
  if (report.judge) {
    const JudgeVerdict &v = *report.judge;
    md += "\n## Judge: " + v.model + "\n\nAnswers shuffled with seed " + std::to_string(v.seed) + ".\n\n";
    if (!v.error.empty()) {
      md += "> error: " + v.error + "\n";
    } else {
      md += "**Agreement:** " + std::to_string(v.agreement) + "/100\n\n";
      for (const auto &[model, note] : v.notes) md += "- **" + model + "**: " + note + "\n";
      md += "\n**Consensus:** " + v.consensus + "\n";
    }
  }
  return md;
}

std::string render_jsonl(const Report &report) {
  std::string out;
  for (const auto &a : report.answers) {
    nlohmann::json j = to_json(a);
    j["compare_id"] = report.id;
    out += j.dump() + "\n";
  }
  if (report.judge) out += nlohmann::json{{"compare_id", report.id}, {"judge", to_json(*report.judge)}}.dump() + "\n";
  return out;
}

} // namespace webox::compare
