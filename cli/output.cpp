#include "cli/output.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <cstdlib>
#include <string>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/core/error.hpp"

namespace webox::cli::out {

bool write(std::string_view text) {
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) return false;
  return std::fflush(stdout) == 0;
}

std::string json_text(const nlohmann::json &j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool line(std::string_view text) {
  std::string s(text);
  s += '\n';
  return write(s);
}

bool is_tty() { return isatty(STDOUT_FILENO) == 1; }

bool stdin_is_tty() { return isatty(STDIN_FILENO) == 1; }

TerminalSize terminal_size() {
  TerminalSize size;
  winsize ws{};
  if (is_tty() && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    size.columns = ws.ws_col;
    size.rows = ws.ws_row > 0 ? ws.ws_row : size.rows;
    return size;
  }
  if (const char *columns = std::getenv("COLUMNS")) {
    try {
      size_t c = std::stoul(columns);
      if (c >= 20) size.columns = c;
    } catch (...) {
    }
  }
  return size;
}

namespace {

bool no_color() {
  const char *v = std::getenv("NO_COLOR");
  return v && *v;
}

} // namespace

bool color() { return is_tty() && !no_color(); }

Render parse_render(const std::string &when) {
  if (when == "auto") return Render::automatic;
  if (when == "always") return Render::always;
  if (when == "never") return Render::never;
  throw UsageError("--render: expected auto, always or never, got '" + when + "'");
}

std::optional<render::MarkdownStyle> answer_style(Render when) {
  if (when == Render::never || (when == Render::automatic && !is_tty())) return std::nullopt;
  // One column short of the edge: a terminal that wraps on the last cell
  // would otherwise add an empty line after every full line.
  size_t columns = terminal_size().columns;
  return render::MarkdownStyle{columns > 21 ? columns - 1 : 20, !no_color()};
}

} // namespace webox::cli::out
