// The only code that writes to stdout.
//
// Data goes to stdout, everything else (progress, warnings, errors) to
// stderr. Streamed text is flushed piece by piece so that a reader sees each
// delta as it arrives. A closed pipe (`webox ... | head -1`) turns into a
// quiet stop, not a crash.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "lib/render/markdown.hpp"

namespace webox::cli::out {

// Writes `text` to stdout and flushes. Returns false when stdout is closed.
bool write(std::string_view text);

// write(text + "\n").
bool line(std::string_view text);

// `j` as text; bytes that are not UTF-8 (a platform's broken text) become
// U+FFFD instead of aborting the whole listing.
std::string json_text(const nlohmann::json &j, int indent = -1);

// True when stdout is a terminal (human rendering), false when piped.
bool is_tty();

// True when stdin is a terminal.
bool stdin_is_tty();

struct TerminalSize {
  size_t columns = 100;
  size_t rows = 40;
};

// The terminal's size when stdout is one; else COLUMNS (or 100) by 40.
TerminalSize terminal_size();

// Colors are allowed: stdout is a TTY and NO_COLOR is unset or empty.
bool color();

// --render WHEN for model answers: auto (Markdown drawn on a terminal, bytes
// as they came otherwise), always, never (--raw).
enum class Render { automatic, always, never };

// Parses "auto", "always", "never"; throws UsageError.
Render parse_render(const std::string &when);

// How answers are drawn (terminal width, colors unless NO_COLOR), or
// nullopt when they are written byte for byte.
std::optional<render::MarkdownStyle> answer_style(Render when);

} // namespace webox::cli::out
