// The stdio transport of MCP: see stdio_transport.hpp for the protocol's
// rules and how this file keeps them.
#include "lib/mcp/stdio_transport.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "lib/core/cancel.hpp"
#include "lib/core/child_registry.hpp"
#include "lib/core/config_error.hpp"
#include "lib/core/error.hpp"
#include "lib/mcp/jsonrpc.hpp"

extern char **environ;

namespace webox::mcp {
namespace {

constexpr int kPollSliceMs = 50;
constexpr int64_t kStdinCloseGraceMs = 1'000;
constexpr int64_t kTermGraceMs = 2'000;
constexpr size_t kMaxStderrLine = 4'096;

// Both ends close on exec; the child's copies are made by dup2 in the
// spawn's file actions, which clears the flag on the copy only.
std::pair<Fd, Fd> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
  return {Fd(fds[0]), Fd(fds[1])};
}

// webox's environment with the configured variables set over it.
std::vector<std::string> child_environment(const NamedValues &extra) {
  std::vector<std::string> env;
  for (char **e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    const bool overridden = std::any_of(extra.begin(), extra.end(), [&](const auto &kv) { return kv.first == key; });
    if (!overridden) env.push_back(entry);
  }
  for (const auto &[k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::vector<char *> c_strings(std::vector<std::string> &strings) {
  std::vector<char *> out;
  for (auto &s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// RAII for the spawn attribute objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup &) = delete;
  SpawnSetup &operator=(const SpawnSetup &) = delete;
};

bool wait_for_exit(pid_t pid, int64_t grace_ms, int &status) {
  const int64_t until = cancel::monotonic_ms() + grace_ms;
  while (true) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (cancel::monotonic_ms() >= until) return false;
    ::usleep(10'000);
  }
}

} // namespace

StdioTransport::StdioTransport(const ServerConfig &server) : m_name(server.name) {
  spawn(server);
  m_stdout_thread = std::thread([this] { read_stdout(); });
  m_stderr_thread = std::thread([this] { read_stderr(); });
}

void StdioTransport::spawn(const ServerConfig &server) {
  auto [in_read, in_write] = make_pipe();
  auto [out_read, out_write] = make_pipe();
  auto [err_read, err_write] = make_pipe();

  SpawnSetup setup;
  posix_spawn_file_actions_adddup2(&setup.actions, in_read.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, err_write.get(), STDERR_FILENO);
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT}) sigaddset(&defaults, sig);
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  posix_spawnattr_setsigmask(&setup.attr, &empty);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> argv_strings{server.command};
  argv_strings.insert(argv_strings.end(), server.args.begin(), server.args.end());
  std::vector<std::string> env_strings = child_environment(server.env);
  std::vector<char *> argv = c_strings(argv_strings), envp = c_strings(env_strings);

  const int rc = ::posix_spawnp(&m_pid, server.command.c_str(), &setup.actions, &setup.attr, argv.data(), envp.data());
  if (rc != 0)
    fail_config_at(server.file, server.mark,
                   "mcp_servers." + m_name + ": cannot start '" + server.command + "': " + std::strerror(rc));
  m_registry_slot = child_registry::add(m_pid);
  spdlog::info("mcp {}: started {} (pid {})", m_name, server.command, m_pid);

  m_stdin = std::move(in_write);
  m_stdout = std::move(out_read);
  m_stderr = std::move(err_read);
  ::fcntl(m_stdin.get(), F_SETFL, ::fcntl(m_stdin.get(), F_GETFL) | O_NONBLOCK);
}

StdioTransport::~StdioTransport() {
  m_stopping = true;
  if (m_stdout_thread.joinable()) m_stdout_thread.join();
  if (m_stderr_thread.joinable()) m_stderr_thread.join();
  end_child();
}

// The spec's shutdown: stdin closed, then SIGTERM, then SIGKILL; the whole
// process group, so the server's own children go too.
void StdioTransport::end_child() {
  if (m_pid <= 0) return;
  {
    std::lock_guard<std::mutex> write_lock(m_write_mu);
    if (m_stdin.valid()) m_stdin.close();
  }
  int status = 0;
  if (!m_reaped && !wait_for_exit(m_pid, kStdinCloseGraceMs, status)) {
    ::kill(-m_pid, SIGTERM);
    if (!wait_for_exit(m_pid, kTermGraceMs, status)) {
      ::kill(-m_pid, SIGKILL);
      ::waitpid(m_pid, &status, 0);
    }
  }
  // The server is gone; a child of its own still in the group is not left
  // behind (kill fails with ESRCH when the group is empty).
  ::kill(-m_pid, SIGKILL);
  child_registry::remove(m_registry_slot);
  spdlog::info("mcp {}: stopped", m_name);
  m_pid = -1;
}

void StdioTransport::write_line(const std::string &line, int64_t deadline_ms) {
  std::lock_guard<std::mutex> lock(m_write_mu);
  if (!m_stdin.valid()) throw_dead();
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(m_stdin.get(), line.data() + done, line.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) {
      fail(std::string("stopped reading its input (") + std::strerror(errno) + ")");
      throw_dead();
    }
    if (cancel::requested()) throw Interrupted();
    if (cancel::monotonic_ms() >= deadline_ms)
      throw Error("mcp server '" + m_name + "' does not read its input (timed out writing a request)",
                  ExitCode::temporary);
    pollfd p{m_stdin.get(), POLLOUT, 0};
    ::poll(&p, 1, kPollSliceMs);
  }
}

nlohmann::json StdioTransport::request(const std::string &method, const nlohmann::json &params,
                                       std::chrono::milliseconds timeout) {
  const int64_t id = m_next_id++;
  const int64_t deadline = cancel::monotonic_ms() + timeout.count();
  {
    std::lock_guard<std::mutex> lock(m_mu);
    if (m_dead) throw dead_error_locked();
    m_pending[id] = std::nullopt;
  }
  // Removes the slot on every way out, so a late answer is dropped.
  struct Forget {
    StdioTransport *self;
    int64_t id;
    ~Forget() {
      std::lock_guard<std::mutex> lock(self->m_mu);
      self->m_pending.erase(id);
    }
  } forget{this, id};

  write_line(make_request(id, method, params).dump() + "\n", deadline);

  std::unique_lock<std::mutex> lock(m_mu);
  while (true) {
    auto &slot = m_pending[id];
    if (slot) return result_or_throw(classify(*slot), m_name, method);
    if (m_dead) throw dead_error_locked();
    const bool cancelled = cancel::requested();
    if (cancelled || cancel::monotonic_ms() >= deadline) {
      lock.unlock();
      // The spec's way to say "no longer interested"; best effort.
      try {
        notify("notifications/cancelled", {{"requestId", id}, {"reason", cancelled ? "interrupted" : "timed out"}});
      } catch (const Error &) {}
      if (cancelled) throw Interrupted();
      throw Error("mcp server '" + m_name + "': no answer to " + method + " within " + std::to_string(timeout.count()) +
                      " ms (timeout_ms in its mcp_servers entry)",
                  ExitCode::temporary);
    }
    m_cv.wait_for(lock, std::chrono::milliseconds(kPollSliceMs));
  }
}

void StdioTransport::notify(const std::string &method, const nlohmann::json &params) {
  write_line(make_notification(method, params).dump() + "\n", cancel::monotonic_ms() + 5'000);
}

void StdioTransport::read_stdout() {
  std::string buffer;
  char chunk[65536];
  while (!m_stopping) {
    pollfd p{m_stdout.get(), POLLIN, 0};
    if (::poll(&p, 1, kPollSliceMs) <= 0) continue;
    const ssize_t n = ::read(m_stdout.get(), chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      fail(exit_description());
      return;
    }
    buffer.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(buffer.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) handle_line(line);
      std::lock_guard<std::mutex> lock(m_mu);
      if (m_dead) return;
    }
    buffer.erase(0, start);
    if (buffer.size() > kMaxMessageBytes) {
      fail("sent a message over " + std::to_string(kMaxMessageBytes >> 20) + " MiB on stdout (refused)");
      return;
    }
  }
}

void StdioTransport::handle_line(std::string_view line) {
  if (line.size() > kMaxMessageBytes) {
    fail("sent a message over " + std::to_string(kMaxMessageBytes >> 20) + " MiB on stdout (refused)");
    return;
  }
  std::optional<nlohmann::json> message = parse_message(line);
  Incoming in = message ? classify(*message) : Incoming{};
  switch (in.kind) {
    case Incoming::Kind::response: {
      std::lock_guard<std::mutex> lock(m_mu);
      auto it = m_pending.find(in.id);
      if (it != m_pending.end()) {
        it->second = std::move(in.body);
        m_cv.notify_all();
      } else {
        spdlog::debug("mcp {}: answer to request {} that no one waits for (timed out?)", m_name, in.id);
      }
      return;
    }
    case Incoming::Kind::request:
      spdlog::debug("mcp {}: server asks {}", m_name, in.method);
      try {
        write_line(answer_server_request(in).dump() + "\n", cancel::monotonic_ms() + 5'000);
      } catch (const Error &) {
        // fail() has recorded why, or the server stopped reading: the waiting
        // calls see it.
      }
      return;
    case Incoming::Kind::notification:
      if (in.method == "notifications/message" && in.body.contains("params"))
        spdlog::info("mcp {}: {}", m_name, excerpt(in.body["params"].dump(), 500));
      else spdlog::debug("mcp {}: {}", m_name, in.method);
      return;
    case Incoming::Kind::invalid:
      fail("answered something that is not JSON-RPC on stdout: '" + excerpt(line) + "'");
      return;
  }
}

void StdioTransport::read_stderr() {
  std::string pending;
  char chunk[4096];
  auto flush_line = [&](std::string_view text) {
    spdlog::info("mcp {} stderr: {}", m_name, excerpt(text, kMaxStderrLine));
    std::lock_guard<std::mutex> lock(m_mu);
    m_last_stderr = excerpt(text, 200);
  };
  while (!m_stopping) {
    pollfd p{m_stderr.get(), POLLIN, 0};
    if (::poll(&p, 1, kPollSliceMs) <= 0) continue;
    const ssize_t n = ::read(m_stderr.get(), chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    pending.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
      if (nl > start) flush_line(std::string_view(pending).substr(start, nl - start));
    pending.erase(0, start);
    // A line without end is logged in pieces: stderr is never held whole.
    if (pending.size() > kMaxStderrLine) {
      flush_line(pending);
      pending.clear();
    }
  }
  if (!pending.empty()) flush_line(pending);
}

std::string StdioTransport::exit_description() {
  int status = 0;
  if (!wait_for_exit(m_pid, 500, status)) return "closed its stdout";
  std::string last;
  {
    std::lock_guard<std::mutex> lock(m_mu);
    m_reaped = true;
  }
  // Its last words on stderr are usually the reason ("Error: ENOENT ...");
  // the stderr thread may still be reading them.
  ::usleep(50'000);
  {
    std::lock_guard<std::mutex> lock(m_mu);
    last = m_last_stderr;
  }
  std::string what = WIFEXITED(status)     ? "exited with status " + std::to_string(WEXITSTATUS(status))
                     : WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                           : "ended";
  return what + (last.empty() ? "" : " (stderr: " + last + ")");
}

void StdioTransport::fail(const std::string &why) {
  std::lock_guard<std::mutex> lock(m_mu);
  if (m_dead) return;
  m_dead = why;
  spdlog::info("mcp {}: connection ended: {}", m_name, why);
  m_cv.notify_all();
}

Error StdioTransport::dead_error_locked() const {
  return Error("mcp server '" + m_name + "' " + (m_dead ? *m_dead : "is not running"));
}

void StdioTransport::throw_dead() {
  std::lock_guard<std::mutex> lock(m_mu);
  throw dead_error_locked();
}

} // namespace webox::mcp
