// Rendering conversations: JSON for programs, Markdown and text for people,
// HTML as a standalone page that opens in any browser.
//
// Every value in HTML goes through escape_html, including ids and model
// names: a model name or an error message comes from a remote server and is
// as untrusted as the prompt and the answer.
#include "lib/chat/transcript.hpp"

#include <nlohmann/json.hpp>

#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::chat {
namespace {

using nlohmann::json;

std::string provider_model(const store::CallRecord &c) {
  return c.provider.empty() ? c.model : c.provider + ":" + c.model;
}

json null_if_unknown(int64_t value) { return value < 0 ? json(nullptr) : json(value); }

json options_of(const store::CallRecord &c) {
  if (c.options_json.empty()) return json::object();
  json parsed = parse_json_or_discarded(c.options_json);
  return parsed.is_discarded() ? json(c.options_json) : parsed;
}

json tool_calls_json(const store::CallRecord &c) {
  json out = json::array();
  for (const auto &t : c.tool_calls) {
    json args = parse_json_or_discarded(t.arguments_json);
    out.push_back({{"id", t.tool_call_id},
                   {"name", t.name},
                   {"tool", t.qualified},
                   {"arguments", args.is_discarded() ? json(t.arguments_json) : args},
                   {"status", t.status},
                   {"result_bytes", t.result_bytes},
                   {"duration_ms", t.duration_ms}});
  }
  return out;
}

std::string tokens_text(const store::CallRecord &c) {
  auto n = [](int64_t v) { return v < 0 ? std::string("?") : std::to_string(v); };
  if (c.input_tokens < 0 && c.output_tokens < 0) return "tokens unknown";
  return n(c.input_tokens) + " in / " + n(c.output_tokens) + " out tokens";
}

// "2026-11-23T10:44:03.123Z · openai:gpt-4o-mini (gpt-4o-mini-2024-07-18) ·
// 812 ms · 12 in / 34 out tokens", plus the status when it is not "ok".
std::string turn_summary(const store::CallRecord &c) {
  std::string s = c.created_at + " \u00b7 " + provider_model(c);
  if (!c.resolved_model.empty() && c.resolved_model != c.model) s += " (" + c.resolved_model + ")";
  s += " \u00b7 " + std::to_string(c.latency_ms) + " ms \u00b7 " + tokens_text(c);
  if (c.status != "ok" && !c.status.empty()) s += " \u00b7 " + c.status;
  return s;
}

std::string ensure_trailing_newline(std::string s) {
  if (s.empty() || s.back() != '\n') s += '\n';
  return s;
}

std::string with_one_final_newline(std::string s) {
  while (s.size() >= 2 && s[s.size() - 1] == '\n' && s[s.size() - 2] == '\n') s.pop_back();
  return s;
}

// The system prompt is shown where it first appears or changes, not repeated
// on every turn.
bool system_changed(const std::vector<store::CallRecord> &calls, size_t i) {
  return !calls[i].system.empty() && (i == 0 || calls[i].system != calls[i - 1].system);
}

// A call that failed before any text shows only its error.
bool has_answer(const store::CallRecord &c) { return !c.response.empty() || c.error.empty(); }

// The tool calls a step asked for, one line each after `prefix`.
std::string tool_lines(const store::CallRecord &c, const std::string &prefix) {
  std::string out;
  for (const auto &t : c.tool_calls) out += prefix + tool_call_line(t) + "\n";
  return out;
}

std::string conversation_title(const store::Conversation &conv) {
  return conv.name.empty() ? "Conversation " + conv.id : conv.name;
}

// --- JSON ---------------------------------------------------------------------

std::string render_json(const store::Conversation &conv,
                        const std::vector<store::CallRecord> &calls) {
  json doc;
  doc["conversation"] = {{"id", conv.id},
                         {"name", conv.name},
                         {"model", conv.model},
                         {"created_at", conv.created_at}};
  doc["calls"] = json::array();
  for (const auto &c : calls) doc["calls"].push_back(call_to_json(c));
  // A response cut mid-stream may end inside a UTF-8 sequence: replace
  // invalid bytes rather than fail the whole export.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

// --- Markdown -----------------------------------------------------------------

std::string render_markdown(const store::Conversation &conv,
                            const std::vector<store::CallRecord> &calls) {
  // Every block ends with a blank line; the last one is trimmed at the end.
  std::string md = "# " + conversation_title(conv) + "\n\n";
  md += "- Conversation: `" + conv.id + "`\n";
  if (!conv.model.empty()) md += "- Model: `" + conv.model + "`\n";
  md += "- Started: " + conv.created_at + "\n\n";
  for (size_t i = 0; i < calls.size(); ++i) {
    const auto &c = calls[i];
    md += "---\n\n## Turn " + std::to_string(i + 1) + "\n\n";
    md += "*" + turn_summary(c) + "*\n\n";
    if (system_changed(calls, i)) md += "**System**\n\n" + ensure_trailing_newline(c.system) + "\n";
    md += "**User**\n\n" + ensure_trailing_newline(c.prompt) + "\n";
    if (has_answer(c)) md += "**Assistant**\n\n" + ensure_trailing_newline(c.response) + "\n";
    if (!c.tool_calls.empty()) md += "**Tool calls**\n\n" + tool_lines(c, "- ") + "\n";
    if (!c.error.empty()) md += "> **Error:** " + c.error + "\n\n";
  }
  return with_one_final_newline(std::move(md));
}

// --- text -----------------------------------------------------------------------

std::string render_text(const store::Conversation &conv,
                        const std::vector<store::CallRecord> &calls) {
  std::string txt = conversation_title(conv) + "\n";
  txt += "conversation " + conv.id + ", started " + conv.created_at;
  if (!conv.model.empty()) txt += ", model " + conv.model;
  txt += "\n\n";
  for (size_t i = 0; i < calls.size(); ++i) {
    const auto &c = calls[i];
    txt += "[" + std::to_string(i + 1) + "] " + turn_summary(c) + "\n\n";
    if (system_changed(calls, i)) txt += "System:\n" + ensure_trailing_newline(c.system) + "\n";
    txt += "User:\n" + ensure_trailing_newline(c.prompt) + "\n";
    if (has_answer(c)) txt += "Assistant:\n" + ensure_trailing_newline(c.response) + "\n";
    if (!c.tool_calls.empty()) txt += "Tool calls:\n" + tool_lines(c, "  ") + "\n";
    if (!c.error.empty()) txt += "Error: " + c.error + "\n\n";
  }
  return with_one_final_newline(std::move(txt));
}

// --- HTML -----------------------------------------------------------------------

std::string escape_html(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char ch : s) {
    switch (ch) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += ch;
    }
  }
  return out;
}

constexpr const char *kHtmlStyle = R"css(
body { font: 16px/1.5 system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; color: #222; background: #fff; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: #666; margin: 1rem 0 .25rem; }
.meta { color: #666; font-size: .85rem; }
.turn { border-top: 1px solid #ddd; margin-top: 1.5rem; padding-top: .5rem; }
.msg { white-space: pre-wrap; overflow-wrap: anywhere; padding: .5rem .75rem; border-radius: 6px; }
.system { background: #f6f6f6; }
.user { background: #eef4fb; }
.assistant { background: #f4f9f1; }
.error { color: #a00; }
)css";

std::string html_block(const char *heading, const char *css_class, const std::string &text) {
  return std::string("<h2>") + heading + "</h2>\n<div class=\"msg " + css_class + "\">" +
         escape_html(text) + "</div>\n";
}

std::string render_html(const store::Conversation &conv,
                        const std::vector<store::CallRecord> &calls) {
  std::string title = escape_html(conversation_title(conv));
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + title + "</title>\n<style>" + kHtmlStyle + "</style>\n</head>\n<body>\n";
  h += "<h1>" + title + "</h1>\n";
  h += "<p class=\"meta\">Conversation <code>" + escape_html(conv.id) + "</code> \u00b7 started " +
       escape_html(conv.created_at);
  if (!conv.model.empty()) h += " \u00b7 " + escape_html(conv.model);
  h += "</p>\n";
  for (size_t i = 0; i < calls.size(); ++i) {
    const auto &c = calls[i];
    h += "<section class=\"turn\" id=\"call-" + std::to_string(c.id) + "\">\n";
    h += "<p class=\"meta\">" + escape_html(turn_summary(c)) + "</p>\n";
    if (system_changed(calls, i)) h += html_block("System", "system", c.system);
    h += html_block("User", "user", c.prompt);
    if (has_answer(c)) h += html_block("Assistant", "assistant", c.response);
    if (!c.tool_calls.empty()) h += html_block("Tool calls", "system", tool_lines(c, ""));
    if (!c.error.empty()) h += "<p class=\"error\">Error: " + escape_html(c.error) + "</p>\n";
    h += "</section>\n";
  }
  h += "</body>\n</html>\n";
  return h;
}

} // namespace

ExportFormat parse_export_format(const std::string &name) {
  if (name == "json") return ExportFormat::json;
  if (name == "md" || name == "markdown") return ExportFormat::md;
  if (name == "html") return ExportFormat::html;
  if (name == "txt" || name == "text") return ExportFormat::txt;
  throw UsageError("unknown export format \"" + name + "\" (use json, md, html or txt)");
}

std::string export_conversation(const store::Conversation &conversation,
                                const std::vector<store::CallRecord> &calls,
                                ExportFormat format) {
  switch (format) {
  case ExportFormat::json: return render_json(conversation, calls);
  case ExportFormat::md: return render_markdown(conversation, calls);
  case ExportFormat::html: return render_html(conversation, calls);
  case ExportFormat::txt: return render_text(conversation, calls);
  }
  throw UsageError("unknown export format");
}

nlohmann::json call_to_json(const store::CallRecord &c) {
  return json{
      {"id", c.id},
      {"conversation_id", c.conversation_id.empty() ? json(nullptr) : json(c.conversation_id)},
      {"model", provider_model(c)},
      {"resolved_model", c.resolved_model},
      {"system", c.system},
      {"prompt", c.prompt},
      {"response", c.response},
      {"options", options_of(c)},
      {"input_tokens", null_if_unknown(c.input_tokens)},
      {"output_tokens", null_if_unknown(c.output_tokens)},
      {"latency_ms", c.latency_ms},
      {"ttft_ms", null_if_unknown(c.ttft_ms)},
      {"status", c.status},
      {"error", c.error.empty() ? json(nullptr) : json(c.error)},
      {"created_at", c.created_at},
      {"cost", c.cost ? json(*c.cost) : json(nullptr)},
      {"group_id", c.group_id.empty() ? json(nullptr) : json(c.group_id)},
      {"chain", c.chain.empty() ? json(nullptr) : json(c.chain)},
      {"tool_calls", tool_calls_json(c)},
  };
}

std::string tool_call_line(const store::ToolCallEntry &t) {
  return t.name + " " + t.arguments_json + " -> " + t.status + " (" + std::to_string(t.result_bytes) + " bytes, " +
         std::to_string(t.duration_ms) + " ms)";
}

} // namespace webox::chat
