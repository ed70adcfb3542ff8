// The `shell` built-in tool: one command through /bin/sh, in the root
// folder, in its own process group, with a timeout and a cap on what it
// prints. Off unless named with --tool shell, and always asked for.
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/agent/builtin_tools.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/fd.hpp"

namespace webox::agent {
namespace {

struct Child {
  pid_t pid = -1;
  ~Child() { stop(); }
  // Ends the whole group (the command and whatever it started), then reaps.
  void stop() {
    if (pid <= 0) return;
    ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    pid = -1;
  }
};

} // namespace

ToolOutcome BuiltinTools::shell(const nlohmann::json &args, std::chrono::milliseconds timeout) const {
  if (!args.is_object() || !args.contains("command") || !args["command"].is_string())
    throw UsageError("'command' must be a string");
  const std::string command = args["command"].get<std::string>();
  const auto limit = std::min(timeout, m_settings.shell_timeout);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(std::string("shell: pipe: ") + std::strerror(errno));
  Fd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  const std::string root = m_settings.root.string();
  Child child;
  child.pid = ::fork();
  if (child.pid < 0) throw Error(std::string("shell: fork: ") + std::strerror(errno));
  if (child.pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::setpgid(0, 0);
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(write_end.get(), 1);
    ::dup2(write_end.get(), 2);
    if (::chdir(root.c_str()) != 0) ::_exit(126);
    ::signal(SIGINT, SIG_DFL);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char *>(nullptr));
    ::_exit(127);
  }
  ::setpgid(child.pid, child.pid); // also from here: no race with the first kill
  write_end.close();

  std::string output;
  size_t dropped = 0;
  bool timed_out = false;
  const int64_t deadline = cancel::monotonic_ms() + limit.count();
  for (;;) {
    if (cancel::requested()) throw Interrupted(); // Child's destructor ends the group
    const int64_t left = deadline - cancel::monotonic_ms();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 50)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    char buf[8192];
    ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; // every writer closed: the command (and its children) ended
    // Keep reading past the cap so that the command never blocks on a full pipe.
    size_t room = m_settings.max_shell_output - std::min(output.size(), m_settings.max_shell_output);
    output.append(buf, std::min(room, static_cast<size_t>(n)));
    dropped += static_cast<size_t>(n) - std::min(room, static_cast<size_t>(n));
  }
  std::string text;
  bool failed = true;
  if (timed_out) {
    child.stop();
    text = "timed out after " + std::to_string(limit.count()) + " ms (killed)\n";
  } else {
    int status = 0;
    while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
    }
    child.pid = -1;
    if (WIFEXITED(status)) {
      text = "exit status " + std::to_string(WEXITSTATUS(status)) + "\n";
      failed = WEXITSTATUS(status) != 0;
    } else {
      text = "killed by signal " + std::to_string(WTERMSIG(status)) + "\n";
    }
  }
  text += output;
  if (dropped) text += "\n[truncated: " + std::to_string(dropped) + " more bytes of output dropped]";
  ToolOutcome out;
  out.content = nlohmann::json::array({{{"type", "text"}, {"text", text}}});
  out.is_error = failed;
  return out;
}

} // namespace webox::agent
