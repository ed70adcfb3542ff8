// The interactive chat loop of `webox chat` on a terminal: line editing and
// history (libedit), one conversation across turns, slash commands.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace webox::cli {

// One slash command. The table is the caller's (cmd_chat.cpp): a new
// command is one more entry; /help lists them, /exit is the loop's own.
struct ReplCommand {
  std::string name;  // "model" for /model
  std::string usage; // "/model MODEL"
  std::string help;  // one line for /help
  // Runs with the rest of the line; a webox::Error is reported on one line
  // and the loop goes on (what the command was to change stays as it was).
  std::function<void(const std::string &argument)> run;
};

struct ReplHooks {
  std::string banner;
  // Sends one prompt and prints the answer; exceptions are reported by the
  // loop and the loop goes on.
  std::function<void(const std::string &prompt)> send;
  std::vector<ReplCommand> commands;
};

// Runs until end of input (Ctrl-D) or "/exit". History is kept in
// $XDG_STATE_HOME/webox/chat_history (mode 0600, the last 1000 entries).
void run_repl(const ReplHooks &hooks);

} // namespace webox::cli
