#include "cli/output.hpp"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace webox::cli::out {

bool write(std::string_view text) {
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) return false;
  return std::fflush(stdout) == 0;
}

bool line(std::string_view text) {
  std::string s(text);
  s += '\n';
  return write(s);
}

bool is_tty() { return isatty(STDOUT_FILENO) == 1; }

bool stdin_is_tty() { return isatty(STDIN_FILENO) == 1; }

bool color() {
  const char *no_color = std::getenv("NO_COLOR");
  return is_tty() && (!no_color || !*no_color);
}

} // namespace webox::cli::out
