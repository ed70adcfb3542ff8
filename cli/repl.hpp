// The interactive chat loop of `webox chat` on a terminal: line editing and
// history (libedit), one conversation across turns.
#pragma once

#include <functional>
#include <string>

namespace webox::cli {

struct ReplHooks {
  std::string banner;
  // Sends one prompt and prints the answer; exceptions are reported by the
  // loop and the loop goes on.
  std::function<void(const std::string &prompt)> send;
};

// Runs until end of input (Ctrl-D) or "/exit". History is kept in
// $XDG_STATE_HOME/webox/chat_history.
void run_repl(const ReplHooks &hooks);

} // namespace webox::cli
