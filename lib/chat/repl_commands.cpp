#include "lib/chat/repl_commands.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

#include "lib/chat/prices.hpp"
#include "lib/core/error.hpp"

namespace webox::chat {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A message's content as text: a string, or the text parts of a list.
std::string content_text(const nlohmann::json &content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array())
    for (const auto &part : content)
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") && part["text"].is_string())
        out += part["text"].get<std::string>();
  return out;
}

} // namespace

std::optional<ReplCommandLine> parse_repl_command(std::string_view line) {
  line = trim(line);
  if (line.size() < 2 || line[0] != '/' || !std::isalpha(static_cast<unsigned char>(line[1]))) return std::nullopt;
  size_t end = 1;
  while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) ++end;
  std::string_view name = line.substr(1, end - 1);
  for (char c : name) // "/usr/bin ..." is a prompt that starts with a path
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return std::nullopt;
  return ReplCommandLine{std::string(name), std::string(trim(line.substr(end)))};
}

double parse_temperature(std::string_view text) {
  text = trim(text);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0 ||
      value > 2)
    throw UsageError("/temperature expects a number from 0 to 2, got '" + std::string(text) + "'");
  return value;
}

void UsageTally::add(const TurnResult &turn) {
  ++turns;
  if (turn.input_tokens && turn.output_tokens) {
    input_tokens += *turn.input_tokens;
    output_tokens += *turn.output_tokens;
  } else {
    tokens_unknown = true;
  }
  if (turn.cost) cost += *turn.cost;
  else cost_unknown = true;
}

std::string UsageTally::summary() const {
  std::string out = std::to_string(turns) + (turns == 1 ? " turn" : " turns");
  if (turns == 0) return out + " yet";
  out += ": " + std::to_string(input_tokens) + " input + " + std::to_string(output_tokens) + " output tokens";
  if (tokens_unknown) out += " (some turns did not report tokens)";
  out += ", " + (cost_unknown && cost == 0 ? std::string("cost unknown") : format_cost(cost));
  if (cost_unknown && cost > 0) out += " (some turns unpriced)";
  return out;
}

std::string conversation_markdown(const std::string &model, const std::string &system,
                                  const nlohmann::json &messages) {
  std::string out = "# Conversation with " + model + "\n";
  if (!system.empty()) out += "\n## System\n\n" + system + "\n";
  for (const auto &m : messages) {
    if (!m.is_object()) continue;
    const std::string role = m.value("role", "");
    const std::string text = m.contains("content") ? content_text(m["content"]) : "";
    if (role == "user") {
      out += "\n## You\n\n" + text + "\n";
    } else if (role == "assistant") {
      if (m.contains("tool_calls") && m["tool_calls"].is_array())
        for (const auto &c : m["tool_calls"])
          if (c.is_object()) out += "\n*Tool call: `" + c.value("name", std::string("?")) + "`*\n";
      if (!text.empty()) out += "\n## " + model + "\n\n" + text + "\n";
    } else if (role == "tool") {
      out += "\n*Tool result (" + std::to_string(text.size()) + " bytes)*\n";
    }
  }
  return out;
}

} // namespace webox::chat
