// What the chat REPL does with a line, apart from the terminal: telling a
// command from a prompt, checking a command's argument, adding up the
// usage of a session, writing the conversation as Markdown (/save).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lib/chat/turn.hpp"

namespace webox::chat {

struct ReplCommandLine {
  std::string name;     // "model" for "/model gpt-4o"
  std::string argument; // "gpt-4o": the rest of the line, spaces trimmed
};

// A line starting with '/' followed by a letter is a command; anything else
// ("/" alone, "//x", "/ x", a path like "/usr/bin is...") is a prompt.
// "//text" is how a prompt starts with a '/': the caller sends "/text".
std::optional<ReplCommandLine> parse_repl_command(std::string_view line);

// A temperature typed at the REPL: a number from 0 to 2; throws
// UsageError naming the value otherwise.
double parse_temperature(std::string_view text);

// Tokens and cost of the turns of one REPL session.
struct UsageTally {
  int turns = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  bool tokens_unknown = false; // some provider did not say
  double cost = 0;
  bool cost_unknown = false;   // some model has no price

  void add(const TurnResult &turn);
  std::string summary() const; // "3 turns: 1200 input + 350 output tokens, $0.0021"
};

// The conversation (system prompt, then user and assistant messages; tool
// calls and results are summarised) as a Markdown document.
std::string conversation_markdown(const std::string &model, const std::string &system,
                                  const nlohmann::json &messages);

} // namespace webox::chat
