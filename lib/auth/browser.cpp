#include "lib/auth/browser.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/core/paths.hpp"

extern char **environ;

namespace webox::auth {

bool open_in_browser(const std::string &url) {
  if (paths::env("DISPLAY").empty() && paths::env("WAYLAND_DISPLAY").empty()) return false;
  std::string program = paths::env("BROWSER");
  if (program.empty() || program.find(' ') != std::string::npos) program = "xdg-open";
  posix_spawn_file_actions_t actions{};
  posix_spawn_file_actions_init(&actions);
  // The browser's chatter must not mix with webox's output.
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string arg0 = program;
  std::string arg1 = url;
  char *argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return false;
  // xdg-open hands the URL to the browser and returns; reap it if it has,
  // else the kernel reaps it when webox exits.
  int status = 0;
  ::waitpid(pid, &status, WNOHANG);
  return true;
}

} // namespace webox::auth
