// Markdown for a terminal, rendered while it streams.
//
// A model's answer arrives in deltas cut anywhere: inside a `**`, inside a
// code fence, inside a UTF-8 character. The stream keeps the text of ONE
// block (a paragraph, a list, a table, a fenced code block...) and renders
// it with md4c as soon as the block is known to be complete; the rest waits.
// Where a block ends is decided from whole lines only (a blank line followed
// by a line at column 0, an ATX heading, the closing line of a top-level
// fence), never from where a delta happened to end, so the output is the
// same however the text was split: feeding a document in any pieces equals
// render_markdown() of the whole.
//
// Memory is bounded: a block (or a line) that grows past kMaxBlockBytes is
// rendered anyway at that byte count; a code fence cut there is closed and
// reopened so that the rest still shows as code.
//
// What the model wrote is never trusted as terminal control: control
// characters and invalid UTF-8 show as U+FFFD. Widths are terminal cells
// (utf8proc graphemes), so wrapping, tables and frames line up with accents,
// CJK and emoji.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace webox::render {

struct MarkdownStyle {
  size_t width = 80;  // terminal columns the text may use
  bool color = true;  // SGR attributes; false (NO_COLOR) keeps the same layout without them
};

// A block is rendered at the latest when it holds this many bytes.
inline constexpr size_t kMaxBlockBytes = 64 * 1024;

class MarkdownStream {
public:
  explicit MarkdownStream(MarkdownStyle style);

  // Takes the next piece of the text; returns what is now ready to print
  // (often empty: the block is not complete yet).
  std::string feed(std::string_view delta);

  // The end of the text: renders what is left (an unfinished block too).
  std::string finish();

private:
  struct Fence {
    char mark = '`';
    size_t length = 3;
    bool top_level = true; // opened at column 0: its closing line ends a block
    std::string opener;    // reopens the fence when a long block is cut inside it
  };

  void take_line(std::string &out);
  void take_fenced_line(std::string &out, const std::string &line);
  void append(std::string &out, const std::string &line);
  void render_block(std::string &out, std::string_view text);
  void end_block(std::string &out);

  MarkdownStyle m_style;
  std::string m_line;  // the current line until its '\n' (at most kMaxBlockBytes)
  std::string m_block; // the lines of the block not yet rendered
  std::optional<Fence> m_fence;
  bool m_mid_line = false;      // the last piece taken was part of a longer line
  bool m_blank_seen = false;    // a blank line since the block's last text
  bool m_end_after_line = false; // the block ends with the current line
  size_t m_blocks_rendered = 0; // top-level blocks printed so far (their spacing)
};

// The whole text at once; equals feeding it in any pieces, then finish().
std::string render_markdown(std::string_view text, const MarkdownStyle &style);

} // namespace webox::render
