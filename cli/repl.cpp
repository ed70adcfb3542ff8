#include "cli/repl.hpp"

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <editline/readline.h>

#include "lib/chat/repl_commands.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/paths.hpp"

namespace webox::cli {
namespace {

constexpr int kHistoryEntries = 1000;

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

void repl_say(const std::string &text) { std::fputs((text + "\n").c_str(), stderr); }

void report(const std::string &message) { repl_say("webox: error: " + logging::redact(message)); }

// The history holds prompts: created private before libedit writes it
// (write_history keeps the mode of a file that exists).
void save_history(const std::string &path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  ::chmod(path.c_str(), 0600);
  write_history(path.c_str());
}

void print_help(const ReplHooks &hooks) {
  std::string text = "Commands:\n";
  auto row = [&](const std::string &usage, const std::string &help) {
    text += "  " + usage + std::string(usage.size() < 22 ? 22 - usage.size() : 1, ' ') + help + "\n";
  };
  row("/help", "this list");
  for (const ReplCommand &c : hooks.commands) row(c.usage, c.help);
  row("/exit", "leave (Ctrl-D too)");
  row("\"\"\"", "a line of three quotes opens and closes a multi-line prompt");
  row("//text", "a prompt that starts with '/'");
  std::fputs(text.c_str(), stderr);
}

enum class Step { go_on, leave };

Step run_command(const ReplHooks &hooks, const chat::ReplCommandLine &command) {
  if (command.name == "exit" || command.name == "quit") return Step::leave;
  if (command.name == "help") {
    print_help(hooks);
    return Step::go_on;
  }
  for (const ReplCommand &c : hooks.commands) {
    if (c.name != command.name) continue;
    try {
      c.run(command.argument);
    } catch (const Error &e) {
      report(e.what());
    }
    return Step::go_on;
  }
  repl_say("webox: unknown command /" + command.name + " (/help lists them); nothing was sent");
  return Step::go_on;
}

void send(const ReplHooks &hooks, const std::string &prompt) {
  try {
    hooks.send(prompt);
  } catch (const Interrupted &) {
    std::fputs("\n(interrupted)\n", stderr);
  } catch (const Error &e) {
    report(e.what());
  }
}

} // namespace

void run_repl(const ReplHooks &hooks) {
  // libedit reads multibyte characters only in the user's character set:
  // in the "C" locale it dropped every "é" typed or recalled. Only LC_CTYPE:
  // numbers keep printing with a '.'.
  std::setlocale(LC_CTYPE, "");
  paths::ensure_private_dir(paths::state_dir());
  const std::string history = (paths::state_dir() / "chat_history").string();
  using_history();
  stifle_history(kHistoryEntries);
  read_history(history.c_str());
  repl_say(hooks.banner + "\nType /help for the commands, /exit or Ctrl-D to leave, \"\"\" for a multi-line prompt.");

  while (true) {
    cancel::reset();
    auto line = read_line("> ");
    if (!line) break;
    std::string prompt = *line;
    if (prompt == "exit" || prompt == "quit") break;
    const bool block = prompt == "\"\"\"";
    if (block) {
      auto text = read_multiline();
      if (!text) break;
      prompt = *text;
    }
    if (prompt.find_first_not_of(" \t\n") == std::string::npos) continue;
    add_history(prompt.c_str());
    // A block is always a prompt, whatever its first line looks like.
    if (auto command = block ? std::nullopt : chat::parse_repl_command(prompt)) {
      if (run_command(hooks, *command) == Step::leave) break;
      continue;
    }
    if (prompt.rfind("//", 0) == 0) prompt.erase(0, 1);
    send(hooks, prompt);
  }
  save_history(history);
  std::fputc('\n', stderr);
}

} // namespace webox::cli
