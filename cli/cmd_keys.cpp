// `webox keys`: the encrypted key store from the command line.
//
//   webox keys set NAME        value from stdin (prompted, not echoed, on a TTY)
//   webox keys list [--json]   names only, never values
//   webox keys remove NAME
//   webox keys path
//
// The value never travels on the command line, where `ps` and the shell
// history would see it. On a terminal it is typed with echo off; the
// terminal is restored on every way out, including Ctrl-C, which is why the
// prompt installs its own SIGINT/SIGTERM handler for its duration: the
// program-wide handler exits at once on a second Ctrl-C, and that exit would
// leave the terminal without echo.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <csignal>
#include <poll.h>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

#include <termios.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/error.hpp"
#include "lib/core/keystore.hpp"
#include "lib/core/paths.hpp"
#include "lib/plugin/key_names.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::cli {
namespace {

struct KeyOptions {
  std::string name;
  bool json = false;
};

// A provider id (`openai`) or an environment variable name (`OPENAI_API_KEY`).
void check_key_name(const std::string &name) {
  bool ok = !name.empty();
  for (char c : name) {
    bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '.' || c == '-';
    ok = ok && allowed;
  }
  if (!ok)
    throw UsageError("invalid key name '" + name +
                     "': use letters, digits, '_', '.' and '-' (a provider id such as openai, or "
                     "a variable such as OPENAI_API_KEY)");
}

// --- reading the value --------------------------------------------------------

volatile std::sig_atomic_t g_prompt_interrupted = 0;

extern "C" void on_prompt_signal(int) { g_prompt_interrupted = 1; }

// Routes SIGINT and SIGTERM to a flag for one scope, without SA_RESTART, so
// that a blocked read() returns EINTR; restores the previous handlers after.
class PromptSignals {
public:
  PromptSignals() {
    g_prompt_interrupted = 0;
    struct sigaction sa {};
    sa.sa_handler = on_prompt_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, &m_old_int);
    sigaction(SIGTERM, &sa, &m_old_term);
  }
  ~PromptSignals() {
    sigaction(SIGINT, &m_old_int, nullptr);
    sigaction(SIGTERM, &m_old_term, nullptr);
  }
  PromptSignals(const PromptSignals &) = delete;
  PromptSignals &operator=(const PromptSignals &) = delete;

private:
  struct sigaction m_old_int {};
  struct sigaction m_old_term {};
};

// Turns terminal echo off on `fd` for one scope.
class EchoOff {
public:
  explicit EchoOff(int fd) : m_fd(fd) {
    if (::tcgetattr(fd, &m_saved) != 0) return;
    termios quiet = m_saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL; // the Enter key still moves to a new line
    m_active = ::tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (m_active) ::tcsetattr(m_fd, TCSAFLUSH, &m_saved);
  }
  EchoOff(const EchoOff &) = delete;
  EchoOff &operator=(const EchoOff &) = delete;

private:
  int m_fd;
  termios m_saved{};
  bool m_active = false;
};

// Reads stdin up to a newline (`Line::one`) or to the end. Throws
// Interrupted on Ctrl-C.
enum class Line { one, all };

std::string read_stdin(Line until) {
  std::string data;
  char buf[4096];
  for (;;) {
    // Ctrl-C may land between two reads, not only during one: check the flag
    // before every read, and wait with a timeout so a signal that slipped in
    // just before the wait is still noticed within 100 ms.
    if (g_prompt_interrupted) throw Interrupted();
    pollfd waiting{STDIN_FILENO, POLLIN, 0};
    int ready = ::poll(&waiting, 1, 100);
    if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    ssize_t n = ::read(STDIN_FILENO, buf, until == Line::one ? 1 : sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR && g_prompt_interrupted) throw Interrupted();
      if (errno == EINTR) continue;
      throw Error(std::string("cannot read standard input: ") + std::strerror(errno));
    }
    if (until == Line::one && buf[0] == '\n') break;
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

std::string prompt_hidden(const std::string &name) {
  PromptSignals signals; // declared first: restored last, after the echo
  std::string value;
  try {
    // Echo goes off before the prompt appears, so nothing typed after the
    // prompt is ever shown.
    EchoOff echo_off(STDIN_FILENO);
    std::string prompt = "Enter key for " + name + ": ";
    std::fputs(prompt.c_str(), stderr);
    std::fflush(stderr);
    value = read_stdin(Line::one);
  } catch (const Interrupted &) {
    std::fputc('\n', stderr); // the error message then starts on its own line
    throw;
  }
  if (!value.empty() && value.back() == '\r') value.pop_back();
  return value;
}

// Piped input: everything, minus ONE trailing newline (echo adds one; a
// value that really ends in a newline keeps the others).
std::string read_piped() {
  PromptSignals signals;
  std::string value = read_stdin(Line::all);
  if (!value.empty() && value.back() == '\n') {
    value.pop_back();
    if (!value.empty() && value.back() == '\r') value.pop_back();
  }
  return value;
}

// --- commands -------------------------------------------------------------------

plugin::KeyNames key_names(Context &ctx) { return plugin::KeyNames(ctx.plugins().manifests(), ctx.config()); }

void run_set(Context &ctx, const KeyOptions &o) {
  check_key_name(o.name);
  const plugin::KeyNames spellings = key_names(ctx);
  const std::string name = spellings.canonical(o.name);
  std::string value = out::stdin_is_tty() ? prompt_hidden(o.name) : read_piped();
  if (value.empty()) throw UsageError("empty value for key " + o.name + ": nothing stored");
  if (value.find('\n') != std::string::npos)
    spdlog::warn("the value for {} spans several lines; stored as given", o.name);
  ctx.keys().set(name, value, spellings.aliases(name));
  spdlog::info("stored key {} in {}", name, ctx.keys().file().string());
  if (!paths::env(name.c_str()).empty())
    spdlog::warn("{} is also set in the environment, which takes precedence over the stored key", name);
}

// One line per key: a store written before keys had one name may hold a
// key under both spellings; it is shown (and used) under its variable.
void run_list(Context &ctx, const KeyOptions &o) {
  const plugin::KeyNames spellings = key_names(ctx);
  std::set<std::string> unique;
  for (const auto &stored : ctx.keys().names()) unique.insert(spellings.canonical(stored));
  std::vector<std::string> names(unique.begin(), unique.end());
  if (o.json) {
    out::line(nlohmann::json(names).dump());
    return;
  }
  if (names.empty()) {
    std::fputs("no keys stored\n", stderr);
    return;
  }
  for (const auto &name : names)
    if (!out::line(name)) return;
}

void run_remove(Context &ctx, const KeyOptions &o) {
  check_key_name(o.name);
  const plugin::KeyNames spellings = key_names(ctx);
  const std::string name = spellings.canonical(o.name);
  if (!ctx.keys().remove(name, spellings.aliases(name)))
    throw UsageError("no key " + o.name + " stored in " + ctx.keys().file().string());
  spdlog::info("removed key {}", o.name);
}

} // namespace

void setup_keys(CLI::App *keys, Context &ctx) {
  keys->require_subcommand(1);
  keys->footer(R"EX(
Examples:
  webox keys set openai                 prompts, without echo
  printf %s "$KEY" | webox keys set ANTHROPIC_API_KEY
  webox keys list
  webox keys remove openai
  webox keys path

A key in the environment (OPENAI_API_KEY, ...) wins over a stored one. The
encryption key is WEBOX_SECRET_KEY (64 hex digits or base64 of 32 bytes) or
else secret.key, created beside keys.json on the first `keys set`.)EX");

  auto set_opt = std::make_shared<KeyOptions>();
  CLI::App *set = keys->add_subcommand("set", "Store a key; the value is read from stdin");
  set->add_option("NAME", set_opt->name, "Provider id (openai) or variable (OPENAI_API_KEY)")
      ->required();
  set->footer(R"EX(
Examples:
  webox keys set openai                     prompts "Enter key for openai:" without echo
  pass show openai | webox keys set openai  one trailing newline is removed
  webox keys set GROQ_API_KEY < groq.txt)EX");
  set->callback([&ctx, set_opt] { ctx.command = [&ctx, set_opt] { run_set(ctx, *set_opt); }; });

  auto list_opt = std::make_shared<KeyOptions>();
  CLI::App *list = keys->add_subcommand("list", "List stored key names (never values)");
  list->add_flag("--json", list_opt->json, "Print a JSON array of names");
  list->footer(R"EX(
Examples:
  webox keys list
  webox keys list --json | jq -r '.[]')EX");
  list->callback([&ctx, list_opt] { ctx.command = [&ctx, list_opt] { run_list(ctx, *list_opt); }; });

  auto remove_opt = std::make_shared<KeyOptions>();
  CLI::App *remove = keys->add_subcommand("remove", "Delete a stored key");
  remove->alias("rm");
  remove->add_option("NAME", remove_opt->name, "The name given to `keys set`")->required();
  remove->footer(R"EX(
Examples:
  webox keys remove openai)EX");
  remove->callback(
      [&ctx, remove_opt] { ctx.command = [&ctx, remove_opt] { run_remove(ctx, *remove_opt); }; });

  CLI::App *path = keys->add_subcommand("path", "Print the path of the key store");
  path->footer(R"EX(
Examples:
  webox keys path
  ls -l "$(dirname "$(webox keys path)")")EX");
  path->callback(
      [&ctx] { ctx.command = [&ctx] { out::line(ctx.keys().file().string()); }; });
}

WEBOX_COMMAND(60, "keys", "Store API keys encrypted (AES-256-GCM, mode 0600)", setup_keys);

} // namespace webox::cli
