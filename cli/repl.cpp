#include "cli/repl.hpp"

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

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

// Bracketed paste: the terminal is asked (ESC [?2004h) to wrap what is
// pasted in ESC [200~ ... ESC [201~. libedit knows nothing of it, so webox
// reads the keys for libedit (rl_getc_function): a pasted block with line
// breaks is kept aside and libedit is handed one Enter, so the block arrives
// as one prompt (not one per line); a paste without line breaks is handed
// over as if typed, to go on editing. Everything else goes through as typed:
// UTF-8 decoded to code points (libedit takes what this returns as one
// character), other escape sequences (arrows) replayed byte by byte.
constexpr const char *kPasteStart = "\x1b[200~";
constexpr const char *kPasteEnd = "\x1b[201~";
// A paste bigger than a prompt may be is cut here (the prompt limit refuses it).
constexpr size_t kMaxPasteBytes = 16u << 20;

struct PasteReader {
  std::deque<int> queued;   // characters for libedit before reading more
  std::optional<std::string> block; // a multi-line paste waiting for read_line
};
PasteReader g_paste;

int repl_read_byte() {
  unsigned char c = 0;
  while (true) {
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n == 1) return c;
    if (n < 0 && errno == EINTR && !cancel::requested()) continue;
    return -1;
  }
}

// The code point a UTF-8 sequence starting with `first` encodes (the rest
// read from `next`); an invalid byte is given as it is.
template <class Next>
int repl_decode_utf8(int first, Next next) {
  const int more = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0;
  int code = more == 3 ? first & 0x07 : more == 2 ? first & 0x0F : more == 1 ? first & 0x1F : first;
  for (int i = 0; i < more; ++i) {
    const int b = next();
    if (b < 0) return -1;
    code = (code << 6) | (b & 0x3F);
  }
  return code;
}

// Reads the pasted bytes up to the end marker (or end of input).
std::string repl_read_paste() {
  std::string text;
  std::string last; // the last bytes read, to find the end marker past the size cap too
  const std::string_view end(kPasteEnd);
  for (int b; (b = repl_read_byte()) >= 0;) {
    if (text.size() < kMaxPasteBytes + end.size()) text += static_cast<char>(b);
    last += static_cast<char>(b);
    if (last.size() > end.size()) last.erase(0, 1);
    if (last == end) {
      text.resize(text.size() >= end.size() && std::string_view(text).substr(text.size() - end.size()) == end
                      ? text.size() - end.size()
                      : std::min(text.size(), kMaxPasteBytes));
      break;
    }
  }
  for (char &c : text)
    if (c == '\r') c = '\n'; // terminals send a pasted line break as CR
  return text;
}

// What libedit gets for a paste: one Enter for a block, else its characters.
int repl_take_paste(std::string text) {
  std::string trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  if (trimmed.find('\n') != std::string::npos) {
    g_paste.block = std::move(trimmed);
    return '\n';
  }
  size_t i = 0;
  auto next = [&]() -> int { return i < text.size() ? static_cast<unsigned char>(text[i++]) : -1; };
  for (int b; (b = next()) >= 0;) g_paste.queued.push_back(b < 0x80 ? b : repl_decode_utf8(b, next));
  if (g_paste.queued.empty()) return repl_read_byte();
  const int first = g_paste.queued.front();
  g_paste.queued.pop_front();
  return first;
}

int repl_getc(FILE *) {
  if (!g_paste.queued.empty()) {
    const int c = g_paste.queued.front();
    g_paste.queued.pop_front();
    return c;
  }
  const int c = repl_read_byte();
  if (c != 0x1b) return c < 0x80 ? c : repl_decode_utf8(c, repl_read_byte);
  // ESC: the start of a paste, or another sequence to replay as it came.
  const std::string_view start = std::string_view(kPasteStart).substr(1);
  for (size_t i = 0; i < start.size(); ++i) {
    const int b = repl_read_byte();
    if (b != static_cast<unsigned char>(start[i])) {
      for (size_t k = 0; k < i; ++k) g_paste.queued.push_back(static_cast<unsigned char>(start[k]));
      if (b >= 0) g_paste.queued.push_back(b);
      return 0x1b;
    }
  }
  return repl_take_paste(repl_read_paste());
}

// Bracketed paste on while the REPL runs (on the terminal's output).
class BracketedPaste {
public:
  BracketedPaste() : m_fd(::isatty(STDOUT_FILENO) ? STDOUT_FILENO : ::isatty(STDERR_FILENO) ? STDERR_FILENO : -1) {
    write_mode("\x1b[?2004h");
  }
  ~BracketedPaste() { write_mode("\x1b[?2004l"); }
  BracketedPaste(const BracketedPaste &) = delete;
  BracketedPaste &operator=(const BracketedPaste &) = delete;

private:
  void write_mode(const char *sequence) const {
    if (m_fd < 0) return;
    std::fflush(stdout);
    [[maybe_unused]] ssize_t n = ::write(m_fd, sequence, std::strlen(sequence));
  }
  int m_fd;
};

struct TypedLine {
  std::string text;
  bool pasted_block = false; // a multi-line paste: always a prompt
};

// One line from the user (with a pasted block after what was typed before
// it), or nullopt at end of input.
std::optional<TypedLine> read_line(const char *prompt) {
  std::unique_ptr<char, FreeDeleter> line(readline(prompt));
  if (!line) return std::nullopt;
  TypedLine typed{std::string(line.get()), false};
  if (g_paste.block) {
    // libedit showed the line up to the paste: the block is shown here.
    std::fputs((*g_paste.block + "\n").c_str(), stdout);
    std::fflush(stdout);
    typed.text += *std::exchange(g_paste.block, std::nullopt);
    typed.pasted_block = true;
  }
  return typed;
}

// Lines between two lines holding only """ form one prompt.
std::optional<std::string> read_multiline() {
  std::string text;
  while (auto line = read_line("... ")) {
    if (line->text == "\"\"\"" && !line->pasted_block) return text;
    text += (text.empty() ? "" : "\n") + line->text;
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
  row("(paste)", "a pasted block of several lines is one prompt");
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
  rl_getc_function = repl_getc; // before libedit sets itself up (using_history does)
  using_history();
  stifle_history(kHistoryEntries);
  read_history(history.c_str());
  repl_say(hooks.banner + "\nType /help for the commands, /exit or Ctrl-D to leave, \"\"\" for a multi-line prompt.");

  const BracketedPaste bracketed_paste;
  while (true) {
    cancel::reset();
    auto line = read_line("> ");
    if (!line) break;
    std::string prompt = line->text;
    bool block = line->pasted_block;
    if (!block && (prompt == "exit" || prompt == "quit")) break;
    if (!block && prompt == "\"\"\"") {
      block = true;
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
