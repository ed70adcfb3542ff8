#include "lib/render/markdown.hpp"

#include "lib/render/markdown_block.hpp"

namespace webox::render {
namespace {

size_t leading_spaces(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

// The first byte of a line tells it starts a new block after a blank line:
// the block before can be printed without waiting for the rest of the line.
bool starts_text(std::string_view line) {
  return !line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '\r' && line[0] != '\n';
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// "# Title" at column 0 (CommonMark: 1 to 6 '#', then a space or the end).
bool is_atx_heading(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == '#') ++n;
  return n >= 1 && n <= 6 && (n == line.size() || line[n] == ' ' || line[n] == '\t' || line[n] == '\n');
}

struct FenceMark {
  char mark;
  size_t length;
  size_t indent;
};

// "```lang" or "~~~" after at most three spaces.
std::optional<FenceMark> fence_opening(std::string_view line) {
  size_t indent = leading_spaces(line);
  if (indent > 3 || indent >= line.size()) return std::nullopt;
  char mark = line[indent];
  if (mark != '`' && mark != '~') return std::nullopt;
  size_t n = indent;
  while (n < line.size() && line[n] == mark) ++n;
  if (n - indent < 3) return std::nullopt;
  if (mark == '`' && line.find('`', n) != std::string_view::npos) return std::nullopt; // an inline code span
  return FenceMark{mark, n - indent, indent};
}

bool closes_fence(std::string_view line, char mark, size_t length) {
  size_t indent = leading_spaces(line);
  if (indent > 3) return false;
  size_t n = indent;
  while (n < line.size() && line[n] == mark) ++n;
  return n - indent >= length && is_blank(line.substr(n));
}

} // namespace

MarkdownStream::MarkdownStream(MarkdownStyle style) : m_style(style) {}

std::string MarkdownStream::feed(std::string_view delta) {
  std::string out;
  // Lines are taken whole, or in pieces of kMaxBlockBytes: where they are
  // cut depends on the text only, never on the deltas.
  while (!delta.empty()) {
    size_t room = kMaxBlockBytes - m_line.size();
    size_t newline = delta.find('\n');
    size_t take = newline == std::string_view::npos ? delta.size() : newline + 1;
    if (take > room) take = room;
    m_line.append(delta.substr(0, take));
    delta.remove_prefix(take);
    if (m_line.back() == '\n' || m_line.size() == kMaxBlockBytes) take_line(out);
    else if (m_blank_seen && !m_fence && !m_mid_line && starts_text(m_line)) end_block(out);
  }
  return out;
}

std::string MarkdownStream::finish() {
  std::string out;
  if (!m_line.empty()) take_line(out);
  end_block(out);
  m_fence.reset();
  m_mid_line = false;
  m_blank_seen = false;
  m_end_after_line = false;
  return out;
}

void MarkdownStream::take_line(std::string &out) {
  std::string line = std::move(m_line);
  m_line.clear();
  const bool continuation = m_mid_line;
  m_mid_line = line.back() != '\n';
  if (continuation) { // the rest of a long line: no new block starts here
    append(out, line);
    if (!m_mid_line && m_end_after_line) end_block(out);
    return;
  }
  if (m_fence) {
    take_fenced_line(out, line);
    return;
  }
  if (is_blank(line)) {
    append(out, line);
    m_blank_seen = true;
    return;
  }
  const bool column_zero = line[0] != ' ' && line[0] != '\t';
  // After a blank line, text at column 0 starts a new block; indented text
  // still belongs to the list item (or code) above.
  if (m_blank_seen && column_zero) end_block(out);
  m_blank_seen = false;
  if (column_zero && is_atx_heading(line)) {
    end_block(out);
    m_end_after_line = true;
  } else if (auto fence = fence_opening(line)) {
    if (fence->indent == 0) end_block(out);
    std::string opener = line;
    if (opener.back() != '\n') opener += '\n';
    m_fence = Fence{fence->mark, fence->length, fence->indent == 0, std::move(opener)};
  }
  append(out, line);
  if (!m_mid_line && m_end_after_line) end_block(out);
}

void MarkdownStream::take_fenced_line(std::string &out, const std::string &line) {
  if (closes_fence(line, m_fence->mark, m_fence->length)) {
    const bool top_level = m_fence->top_level;
    m_fence.reset();
    append(out, line);
    if (top_level && !m_mid_line) end_block(out);
    else if (top_level) m_end_after_line = true;
    return;
  }
  append(out, line);
}

// Adds a piece to the block; a block that reached the limit is rendered now.
void MarkdownStream::append(std::string &out, const std::string &line) {
  m_block += line;
  if (m_block.size() < kMaxBlockBytes) return;
  if (!m_fence) {
    end_block(out);
    return;
  }
  // Inside a fence: close it here and open it again for what follows.
  std::string closed = std::move(m_block);
  if (closed.back() != '\n') closed += '\n';
  closed += std::string(m_fence->length, m_fence->mark) + "\n";
  render_block(out, closed);
  m_block = m_fence->opener;
}

void MarkdownStream::end_block(std::string &out) {
  m_end_after_line = false;
  m_blank_seen = false;
  if (m_block.empty()) return;
  std::string block = std::move(m_block);
  m_block.clear();
  if (!is_blank(block)) render_block(out, block);
}

void MarkdownStream::render_block(std::string &out, std::string_view text) {
  render_markdown_blocks(text, m_style, m_blocks_rendered, out);
}

std::string render_markdown(std::string_view text, const MarkdownStyle &style) {
  MarkdownStream stream(style);
  std::string out = stream.feed(text);
  out += stream.finish();
  return out;
}

} // namespace webox::render
