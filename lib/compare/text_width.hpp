// How wide text is on a terminal, and how to wrap it into a column.
//
// Bytes and code points are both wrong measures: "é" may be one code point
// or two (e + combining accent) and is one cell either way; a CJK ideograph
// or most emoji take two cells; a flag or a family emoji is several code
// points forming ONE grapheme of two cells. utf8proc knows the Unicode
// tables (grapheme breaks, East Asian width), so wrapping walks graphemes
// and sums their widths. Invalid UTF-8 is shown as U+FFFD rather than
// trusted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace webox::compare {

// Terminal cells `text` occupies (no newlines expected).
size_t display_width(std::string_view text);

// Wraps `text` to lines of at most `width` cells: at spaces when possible,
// inside a word when it is longer than a line, never inside a grapheme.
// Existing newlines are kept; tabs become a space.
std::vector<std::string> wrap(std::string_view text, size_t width);

// `text` followed by spaces up to `width` cells.
std::string pad_to(const std::string &text, size_t width);

} // namespace webox::compare
