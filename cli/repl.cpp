#include "cli/repl.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <editline/readline.h>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/paths.hpp"

namespace webox::cli {
namespace {

struct FreeDeleter {
  void operator()(char *p) const { std::free(p); }
};

// One line from the user, or nullopt at end of input.
std::optional<std::string> read_line(const char *prompt) {
  std::unique_ptr<char, FreeDeleter> line(readline(prompt));
  if (!line) return std::nullopt;
  return std::string(line.get());
}

// Lines between two lines holding only """ form one prompt.
std::optional<std::string> read_multiline() {
  std::string text;
  while (auto line = read_line("... ")) {
    if (*line == "\"\"\"") return text;
    text += (text.empty() ? "" : "\n") + *line;
  }
  return std::nullopt;
}

void report(const std::string &message) {
  std::string line = "webox: error: " + logging::redact(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace

void run_repl(const ReplHooks &hooks) {
  paths::ensure_private_dir(paths::state_dir());
  std::string history = (paths::state_dir() / "chat_history").string();
  using_history();
  read_history(history.c_str());
  std::fprintf(stderr, "%s\nType /exit or Ctrl-D to leave, \"\"\" for a multi-line prompt.\n", hooks.banner.c_str());

  while (true) {
    cancel::reset();
    auto line = read_line("> ");
    if (!line) break;
    std::string prompt = *line;
    if (prompt == "/exit" || prompt == "/quit" || prompt == "exit" || prompt == "quit") break;
    if (prompt == "\"\"\"") {
      auto block = read_multiline();
      if (!block) break;
      prompt = *block;
    }
    if (prompt.find_first_not_of(" \t") == std::string::npos) continue;
    add_history(prompt.c_str());
    try {
      hooks.send(prompt);
    } catch (const Interrupted &) {
      std::fputs("\n(interrupted)\n", stderr);
    } catch (const Error &e) {
      report(e.what());
    }
  }
  write_history(history.c_str());
  std::fputc('\n', stderr);
}

} // namespace webox::cli
