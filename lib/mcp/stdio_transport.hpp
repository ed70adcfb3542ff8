// MCP's stdio transport: webox starts the server as a child process and
// speaks JSON-RPC over its stdin and stdout.
//
// The spec ("Transports", stdio): messages are UTF-8 JSON-RPC documents, one
// per line, with no embedded newline; the server MUST NOT write anything to
// stdout that is not a valid MCP message, and MAY write anything to stderr,
// which the client may capture, forward or ignore. Shutdown: the client
// closes the server's stdin, waits for it to exit, sends SIGTERM if it does
// not in reasonable time, then SIGKILL.
//
// Here:
//   - the child is started with posix_spawnp in a process group of its own
//     (so `npx` and the node it starts end together, and the terminal's
//     Ctrl-C reaches webox only, which decides), default signal handling
//     (webox ignores SIGPIPE; an ignored signal would survive exec) and
//     webox's environment plus the configured `env`;
//   - one reader thread splits stdout into lines and hands each response to
//     the request waiting for its id; server requests (ping) are answered,
//     notifications logged. A line that is not JSON-RPC, a line over
//     kMaxMessageBytes (a server flooding stdout) or the end of stdout (the
//     server died) ends the connection: every waiting call and every later
//     one fails with one line saying which;
//   - a second thread reads stderr into the log (-v shows it), never stdout,
//     and keeps its last line for the message when the server dies;
//   - writes to stdin are non-blocking and polled, so a server that stops
//     reading cannot block webox past the call's timeout or a Ctrl-C;
//   - the destructor ends the child as the spec says: stdin closed, 1 s, then
//     SIGTERM to the group, 2 s, then SIGKILL, and reaps it (no zombie). A
//     second Ctrl-C, which exits without destructors, kills the registered
//     group from the signal handler (lib/core/child_registry.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "lib/core/error.hpp"
#include "lib/core/fd.hpp"
#include "lib/mcp/server_config.hpp"
#include "lib/mcp/transport.hpp"

namespace webox::mcp {

class StdioTransport final : public Transport {
public:
  // Starts `server.command` (variables already resolved). Throws Error
  // (exit 4) when the program cannot be started (not found, not
  // executable), naming the config entry.
  explicit StdioTransport(const ServerConfig &server);
  ~StdioTransport() override;
  StdioTransport(const StdioTransport &) = delete;
  StdioTransport &operator=(const StdioTransport &) = delete;

  nlohmann::json request(const std::string &method, const nlohmann::json &params,
                         std::chrono::milliseconds timeout) override;
  void notify(const std::string &method, const nlohmann::json &params) override;

  pid_t pid() const { return m_pid; }

private:
  void spawn(const ServerConfig &server);
  void write_line(const std::string &line, int64_t deadline_ms);
  void read_stdout();
  void read_stderr();
  void handle_line(std::string_view line);
  void fail(const std::string &why);
  std::string exit_description();
  void end_child();
  [[noreturn]] void throw_dead();  // takes m_mu
  Error dead_error_locked() const; // m_mu held

  std::string m_name;
  pid_t m_pid = -1;
  int m_registry_slot = -1;
  Fd m_stdin, m_stdout, m_stderr;

  std::mutex m_mu; // guards everything below it
  std::condition_variable m_cv;
  std::map<int64_t, std::optional<nlohmann::json>> m_pending;
  std::optional<std::string> m_dead; // why the connection ended
  std::string m_last_stderr;
  bool m_reaped = false;

  std::mutex m_write_mu;
  std::atomic<int64_t> m_next_id{1};
  std::atomic<bool> m_stopping{false};
  std::thread m_stdout_thread, m_stderr_thread;
};

} // namespace webox::mcp
