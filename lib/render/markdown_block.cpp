#include "lib/render/markdown_block.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include <md4c.h>
#include <utf8proc.h>

#include "lib/compare/text_width.hpp"

namespace webox::render {
namespace {

// Inline attributes of a piece of text; several may be on at once.
enum Attr : unsigned {
  kBold = 1,
  kItalic = 2,
  kCode = 4,
  kStrike = 8,
  kLink = 16,
  kUrl = 32,
  kHeading = 64,
  kFrame = 128, // quote bars, code frames, rules, table borders
};

struct Run {
  std::string text;
  unsigned attrs = 0;
};
using Runs = std::vector<Run>;

// Containers deeper than this indent no further: a hostile `> > > > ...`
// must not make every line as long as its nesting.
constexpr size_t kMaxIndentDepth = 12;
constexpr size_t kMinTextWidth = 10;
constexpr const char *kReplacement = "\xEF\xBF\xBD";

std::string sgr(unsigned attrs) {
  std::string s = "\x1b[0";
  if (attrs & (kBold | kHeading)) s += ";1";
  if (attrs & kFrame) s += ";2";
  if (attrs & kUrl) s += ";2";
  if (attrs & kItalic) s += ";3";
  if (attrs & kLink) s += ";4";
  if (attrs & kStrike) s += ";9";
  if (attrs & kCode) s += ";36";
  if (attrs & kHeading) s += ";34";
  return s + "m";
}

size_t runs_width(const Runs &runs) {
  size_t w = 0;
  for (const Run &r : runs) w += compare::display_width(r.text);
  return w;
}

// Grapheme clusters of `text`, for cutting a word longer than a line.
std::vector<std::string> split_graphemes(std::string_view text) {
  std::vector<std::string> out;
  utf8proc_int32_t state = 0, previous = -1;
  size_t i = 0;
  while (i < text.size()) {
    utf8proc_int32_t cp = 0;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t *>(text.data() + i),
                              static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
    if (n <= 0) n = 1; // printable() already replaced invalid bytes
    bool starts = previous < 0 || utf8proc_grapheme_break_stateful(previous, cp, &state);
    if (starts || out.empty()) out.emplace_back();
    out.back().append(text.data() + i, static_cast<size_t>(n));
    previous = cp;
    i += static_cast<size_t>(n);
  }
  return out;
}

// A run of text wrapped into lines of at most `width` cells: at spaces, and
// inside a word only when it is longer than a line. '\n' in a run is a hard
// break.
class Wrapper {
public:
  explicit Wrapper(size_t width) : m_width(std::max<size_t>(width, 1)) {}

  std::vector<Runs> wrap(const Runs &runs) {
    for (const Run &r : runs) split(r);
    flush_word();
    if (!m_line.empty() || m_lines.empty()) new_line();
    return std::move(m_lines);
  }

private:
  void split(const Run &r) {
    size_t i = 0;
    while (i < r.text.size()) {
      char c = r.text[i];
      if (c == ' ' || c == '\n') {
        flush_word();
        if (c == '\n') new_line();
        else m_space = true;
        ++i;
        continue;
      }
      size_t end = r.text.find_first_of(" \n", i);
      if (end == std::string::npos) end = r.text.size();
      m_word.push_back({r.text.substr(i, end - i), r.attrs});
      i = end;
    }
  }

  void flush_word() {
    if (m_word.empty()) return;
    size_t w = runs_width(m_word);
    size_t gap = m_space && m_line_width > 0 ? 1 : 0;
    if (m_line_width > 0 && m_line_width + gap + w > m_width) {
      new_line();
      gap = 0;
    }
    // The space between two words is underlined only inside one link, etc.
    if (gap) add({" ", m_line.back().attrs & m_word.front().attrs & ~kFrame}, 1);
    if (w <= m_width - m_line_width) {
      // The width is taken before the move: the order in which a call's
      // arguments are evaluated is unspecified (clang moved the text out
      // first, and every word counted 0 columns).
      for (Run &r : m_word) {
        size_t width = compare::display_width(r.text);
        add(std::move(r), width);
      }
    } else {
      cut_word();
    }
    m_word.clear();
    m_space = false;
  }

  void cut_word() {
    for (const Run &r : m_word)
      for (std::string &g : split_graphemes(r.text)) {
        size_t gw = compare::display_width(g);
        if (m_line_width > 0 && m_line_width + gw > m_width) new_line();
        add({std::move(g), r.attrs}, gw);
      }
  }

  void add(Run r, size_t width) {
    if (!m_line.empty() && m_line.back().attrs == r.attrs) m_line.back().text += r.text;
    else m_line.push_back(std::move(r));
    m_line_width += width;
  }

  void new_line() {
    m_lines.push_back(std::move(m_line));
    m_line.clear();
    m_line_width = 0;
    m_space = false;
  }

  size_t m_width;
  std::vector<Runs> m_lines;
  Runs m_line;
  size_t m_line_width = 0;
  Runs m_word;
  bool m_space = false;
};

struct Container {
  enum class Kind { quote, list, item };
  explicit Container(Kind k) : kind(k) {}
  Kind kind;
  bool ordered = false;
  bool tight = true;
  unsigned number = 1;
  char delimiter = '.';
  std::string marker; // an item's first line starts with it
  bool marker_used = false;
  size_t children = 0;
};

struct Table {
  std::vector<std::vector<Runs>> rows;
  std::vector<MD_ALIGN> aligns;
  size_t head_rows = 0;
};

std::string decode_entity(std::string_view e) {
  if (e == "&amp;") return "&";
  if (e == "&lt;") return "<";
  if (e == "&gt;") return ">";
  if (e == "&quot;") return "\"";
  if (e == "&apos;") return "'";
  if (e == "&nbsp;") return "\xC2\xA0";
  if (e.size() > 3 && e[1] == '#') {
    bool hex = e[2] == 'x' || e[2] == 'X';
    std::string digits(e.substr(hex ? 3 : 2, e.size() - (hex ? 4 : 3)));
    long cp = 0;
    for (char c : digits) {
      int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
              : hex && std::isxdigit(static_cast<unsigned char>(c)) ? (std::tolower(c) - 'a' + 10)
                                                                    : -1;
      if (v < 0 || cp > 0x10FFFF) return std::string(e);
      cp = cp * (hex ? 16 : 10) + v;
    }
    utf8proc_uint8_t buf[4];
    if (!utf8proc_codepoint_valid(static_cast<utf8proc_int32_t>(cp)) || cp == 0) return kReplacement;
    auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf);
    return printable(std::string(reinterpret_cast<char *>(buf), static_cast<size_t>(n)));
  }
  return std::string(e); // other named entities are shown as written
}

std::string attribute(const MD_ATTRIBUTE &a) {
  return printable(std::string_view(a.text, a.size));
}

class BlockRenderer {
public:
  BlockRenderer(const MarkdownStyle &style, size_t &blocks_rendered, std::string &out)
      : m_style(style), m_top_children(blocks_rendered), m_out(out) {}

  void run(std::string_view text) {
    MD_PARSER parser{};
    parser.abi_version = 0;
    parser.flags = MD_DIALECT_GITHUB;
    parser.enter_block = [](MD_BLOCKTYPE t, void *d, void *self) { return static_cast<BlockRenderer *>(self)->enter_block(t, d); };
    parser.leave_block = [](MD_BLOCKTYPE t, void *d, void *self) { return static_cast<BlockRenderer *>(self)->leave_block(t, d); };
    parser.enter_span = [](MD_SPANTYPE t, void *d, void *self) { return static_cast<BlockRenderer *>(self)->enter_span(t, d); };
    parser.leave_span = [](MD_SPANTYPE t, void *d, void *self) { return static_cast<BlockRenderer *>(self)->leave_span(t, d); };
    parser.text = [](MD_TEXTTYPE t, const MD_CHAR *s, MD_SIZE n, void *self) {
      return static_cast<BlockRenderer *>(self)->on_text(t, std::string_view(s, n));
    };
    if (md_parse(text.data(), static_cast<MD_SIZE>(text.size()), &parser, this) != 0) {
      // md4c gives up only when out of memory: show the text as it is.
      m_out += printable(text);
    }
  }

private:
  enum class Leaf { none, paragraph, heading, code, html, table };

  // ---- blocks ---------------------------------------------------------------
  int enter_block(MD_BLOCKTYPE type, void *detail) {
    if (m_leaf == Leaf::paragraph && m_implicit) end_paragraph(); // text of a tight item, then a nested block
    switch (type) {
      case MD_BLOCK_DOC: break;
      case MD_BLOCK_QUOTE:
        open_child();
        m_stack.emplace_back(Container::Kind::quote);
        break;
      case MD_BLOCK_UL: {
        open_child();
        Container c(Container::Kind::list);
        c.tight = static_cast<MD_BLOCK_UL_DETAIL *>(detail)->is_tight != 0;
        m_stack.push_back(c);
        break;
      }
      case MD_BLOCK_OL: {
        open_child();
        auto *d = static_cast<MD_BLOCK_OL_DETAIL *>(detail);
        Container c(Container::Kind::list);
        c.ordered = true;
        c.tight = d->is_tight != 0;
        c.number = d->start;
        c.delimiter = d->mark_delimiter;
        m_stack.push_back(c);
        break;
      }
      case MD_BLOCK_LI: open_item(static_cast<MD_BLOCK_LI_DETAIL *>(detail)); break;
      case MD_BLOCK_HR:
        open_child();
        emit_line({{rule(available()), kFrame}});
        break;
      case MD_BLOCK_H:
        open_child();
        start_leaf(Leaf::heading);
        m_runs.push_back({std::string(static_cast<MD_BLOCK_H_DETAIL *>(detail)->level, '#') + " ", kHeading});
        m_attrs |= kHeading;
        break;
      case MD_BLOCK_CODE: {
        open_child();
        start_leaf(Leaf::code);
        auto *d = static_cast<MD_BLOCK_CODE_DETAIL *>(detail);
        m_code_lang = attribute(d->lang);
        break;
      }
      case MD_BLOCK_HTML: open_child(); start_leaf(Leaf::html); break;
      case MD_BLOCK_P: open_child(); start_leaf(Leaf::paragraph); break;
      case MD_BLOCK_TABLE:
        open_child();
        start_leaf(Leaf::table);
        m_table = Table{};
        break;
      case MD_BLOCK_THEAD: m_in_head = true; break;
      case MD_BLOCK_TBODY: m_in_head = false; break;
      case MD_BLOCK_TR:
        m_table.rows.emplace_back();
        if (m_in_head) ++m_table.head_rows;
        break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD: {
        m_table.rows.back().emplace_back();
        size_t column = m_table.rows.back().size() - 1;
        if (m_table.aligns.size() <= column) m_table.aligns.resize(column + 1, MD_ALIGN_DEFAULT);
        m_table.aligns[column] = static_cast<MD_BLOCK_TD_DETAIL *>(detail)->align;
        m_runs.clear();
        if (type == MD_BLOCK_TH) m_attrs |= kBold;
        break;
      }
    }
    return 0;
  }

  int leave_block(MD_BLOCKTYPE type, void *) {
    switch (type) {
      case MD_BLOCK_DOC: break;
      case MD_BLOCK_QUOTE:
      case MD_BLOCK_UL:
      case MD_BLOCK_OL: m_stack.pop_back(); break;
      case MD_BLOCK_LI:
        if (m_leaf == Leaf::paragraph && m_implicit) end_paragraph();
        if (!m_stack.back().marker_used) emit_line({}); // an empty item still shows its marker
        m_stack.pop_back();
        break;
      case MD_BLOCK_P: end_paragraph(); break;
      case MD_BLOCK_H:
        m_attrs &= ~kHeading;
        end_paragraph();
        break;
      case MD_BLOCK_CODE: end_code(); break;
      case MD_BLOCK_HTML: end_html(); break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD:
        m_table.rows.back().back() = std::move(m_runs);
        m_runs.clear();
        m_attrs &= ~kBold;
        break;
      case MD_BLOCK_TABLE: end_table(); break;
      default: break;
    }
    return 0;
  }

  void open_item(const MD_BLOCK_LI_DETAIL *d) {
    Container &list = m_stack.back();
    if (list.children > 0 && !list.tight) emit_blank();
    ++list.children;
    Container item(Container::Kind::item);
    item.tight = list.tight;
    if (list.ordered) item.marker = std::to_string(list.number++) + list.delimiter + " ";
    else item.marker = bullet();
    if (d->is_task) item.marker += d->task_mark == ' ' ? "[ ] " : "[x] ";
    m_stack.push_back(item);
  }

  std::string bullet() const {
    size_t lists = 0;
    for (const Container &c : m_stack) lists += c.kind == Container::Kind::list ? 1 : 0;
    static const char *const kBullets[] = {"\xE2\x80\xA2 ", "\xE2\x97\xA6 ", "\xE2\x96\xAA "}; // • ◦ ▪
    return kBullets[(lists + 2) % 3];
  }

  // A new block inside the innermost container: separated from the one
  // before by a blank line, except between the parts of a tight list item.
  void open_child() {
    if (m_stack.empty()) {
      if (m_top_children++ > 0) emit_blank();
      return;
    }
    Container &c = m_stack.back();
    if (c.children++ > 0 && !(c.kind == Container::Kind::item && c.tight)) emit_blank();
  }

  void start_leaf(Leaf leaf) {
    m_leaf = leaf;
    m_implicit = false;
    m_runs.clear();
    m_code.clear();
  }

  // ---- inline -----------------------------------------------------------------
  int enter_span(MD_SPANTYPE type, void *detail) {
    m_attr_stack.push_back(m_attrs);
    switch (type) {
      case MD_SPAN_EM: m_attrs |= kItalic; break;
      case MD_SPAN_STRONG: m_attrs |= kBold; break;
      case MD_SPAN_CODE: m_attrs |= kCode; break;
      case MD_SPAN_DEL: m_attrs |= kStrike; break;
      case MD_SPAN_U: m_attrs |= kLink; break;
      case MD_SPAN_A:
        m_links.push_back({attribute(static_cast<MD_SPAN_A_DETAIL *>(detail)->href), m_runs.size()});
        m_attrs |= kLink;
        break;
      case MD_SPAN_IMG:
        m_links.push_back({attribute(static_cast<MD_SPAN_IMG_DETAIL *>(detail)->src), m_runs.size()});
        add_text("[image: ");
        break;
      default: break;
    }
    return 0;
  }

  int leave_span(MD_SPANTYPE type, void *) {
    // md4c may close a span it opened in another table cell: never trust
    // the pairs to match.
    m_attrs = m_attr_stack.empty() ? 0 : m_attr_stack.back();
    if (!m_attr_stack.empty()) m_attr_stack.pop_back();
    if (m_links.empty()) return 0;
    if (type == MD_SPAN_IMG) {
      add_text("]");
      end_link(true);
    } else if (type == MD_SPAN_A) {
      end_link(false);
    }
    return 0;
  }

  // A link shows its URL after its text, unless the text is the URL.
  void end_link(bool image) {
    Link link = std::move(m_links.back());
    m_links.pop_back();
    std::string shown;
    for (size_t i = link.first_run; i < m_runs.size(); ++i) shown += m_runs[i].text;
    bool same = shown == link.href || "mailto:" + shown == link.href || "http://" + shown == link.href ||
                "https://" + shown == link.href;
    if (link.href.empty() || (same && !image)) return;
    add_text(" (");
    m_runs.push_back({link.href, m_attrs | kUrl});
    add_text(")");
  }

  int on_text(MD_TEXTTYPE type, std::string_view text) {
    if (m_leaf == Leaf::code) {
      m_code += printable(text);
      return 0;
    }
    if (m_leaf == Leaf::none && !m_stack.empty()) { // a tight list item's text comes without a paragraph
      start_leaf(Leaf::paragraph);
      m_implicit = true;
    }
    switch (type) {
      case MD_TEXT_NULLCHAR: add_text(kReplacement); break;
      case MD_TEXT_BR: add_text(m_leaf == Leaf::table ? " " : "\n"); break;
      case MD_TEXT_SOFTBR: add_text(m_leaf == Leaf::html ? "\n" : " "); break;
      case MD_TEXT_ENTITY: add_text(decode_entity(text)); break;
      default: add_text(printable(text)); break;
    }
    return 0;
  }

  void add_text(std::string text) {
    if (!m_runs.empty() && m_runs.back().attrs == m_attrs) m_runs.back().text += text;
    else m_runs.push_back({std::move(text), m_attrs});
  }

  // ---- leaves -----------------------------------------------------------------
  void end_paragraph() {
    for (Runs &line : Wrapper(available()).wrap(m_runs)) emit_line(std::move(line));
    m_runs.clear();
    m_leaf = Leaf::none;
    m_implicit = false;
  }

  void end_html() {
    std::string all;
    for (const Run &r : m_runs) all += r.text;
    if (!all.empty() && all.back() == '\n') all.pop_back();
    size_t start = 0;
    while (start <= all.size()) {
      size_t end = all.find('\n', start);
      if (end == std::string::npos) end = all.size();
      emit_line({{all.substr(start, end - start), 0}});
      start = end + 1;
    }
    m_runs.clear();
    m_leaf = Leaf::none;
  }

  // A frame on the left with the language on its top line; lines are not
  // wrapped (code is copied, and a wrapped line would read as two).
  void end_code() {
    const size_t width = available();
    std::string top = "\xE2\x94\x8C\xE2\x94\x80"; // ┌─
    size_t used = 2;
    Runs head;
    if (!m_code_lang.empty()) {
      head.push_back({top + " ", kFrame});
      head.push_back({m_code_lang, kFrame | kBold});
      used += 2 + compare::display_width(m_code_lang);
      head.push_back({" " + rule(width > used ? width - used : 0), kFrame});
    } else {
      head.push_back({top + rule(width > used ? width - used : 0), kFrame});
    }
    emit_line(std::move(head));
    std::string code = std::move(m_code);
    if (!code.empty() && code.back() == '\n') code.pop_back();
    size_t start = 0;
    while (start <= code.size()) {
      size_t end = code.find('\n', start);
      if (end == std::string::npos) end = code.size();
      emit_line({{"\xE2\x94\x82 ", kFrame}, {code.substr(start, end - start), 0}}); // │
      start = end + 1;
    }
    emit_line({{"\xE2\x94\x94" + rule(width > 1 ? width - 1 : 0), kFrame}}); // └
    m_code.clear();
    m_leaf = Leaf::none;
  }

  void end_table();

  // ---- lines ------------------------------------------------------------------
  static std::string rule(size_t cells) {
    std::string s;
    for (size_t i = 0; i < cells; ++i) s += "\xE2\x94\x80"; // ─
    return s;
  }

  // Cells left for text once the containers' prefixes are drawn.
  size_t available() const {
    size_t prefix = 0, depth = 0;
    for (const Container &c : m_stack) {
      if (c.kind == Container::Kind::list || ++depth > kMaxIndentDepth) continue;
      prefix += c.kind == Container::Kind::quote ? 2 : compare::display_width(c.marker);
    }
    return m_style.width > prefix + kMinTextWidth ? m_style.width - prefix : kMinTextWidth;
  }

  Runs prefix(bool blank) {
    Runs p;
    size_t depth = 0;
    for (Container &c : m_stack) {
      if (c.kind == Container::Kind::list || ++depth > kMaxIndentDepth) continue;
      if (c.kind == Container::Kind::quote) {
        p.push_back({"\xE2\x94\x82 ", kFrame}); // │
      } else if (!c.marker_used && !blank) {
        p.push_back({c.marker, 0});
        c.marker_used = true;
      } else {
        p.push_back({std::string(compare::display_width(c.marker), ' '), 0});
      }
    }
    for (Container &c : m_stack) // a marker deeper than the indent limit is still used once
      if (c.kind == Container::Kind::item && !blank) c.marker_used = true;
    return p;
  }

  void emit_blank() {
    Runs p = prefix(true);
    while (!p.empty()) { // no trailing spaces: a quote's bar stays, an item's indent goes
      std::string &t = p.back().text;
      while (!t.empty() && t.back() == ' ') t.pop_back();
      if (!t.empty()) break;
      p.pop_back();
    }
    std::string text;
    write_runs(p, text);
    m_out += text;
    m_out += '\n';
  }

  void emit_line(Runs content) {
    Runs line = prefix(false);
    for (Run &r : content) line.push_back(std::move(r));
    std::string text;
    write_runs(line, text);
    m_out += text;
    m_out += '\n';
  }

  void write_runs(const Runs &runs, std::string &text) const {
    unsigned current = 0;
    for (const Run &r : runs) {
      if (r.text.empty()) continue;
      if (m_style.color && r.attrs != current) {
        text += sgr(r.attrs);
        current = r.attrs;
      }
      text += r.text;
    }
    if (m_style.color && current != 0) text += "\x1b[0m";
  }

  struct Link {
    std::string href;
    size_t first_run = 0;
  };

  const MarkdownStyle &m_style;
  size_t &m_top_children;
  std::string &m_out;
  std::vector<Container> m_stack;
  Leaf m_leaf = Leaf::none;
  bool m_implicit = false;
  Runs m_runs;
  unsigned m_attrs = 0;
  std::vector<unsigned> m_attr_stack;
  std::vector<Link> m_links;
  std::string m_code;
  std::string m_code_lang;
  Table m_table;
  bool m_in_head = false;

};

// Columns as wide as their widest cell; when the table is wider than the
// terminal the widest columns give way and their cells wrap.
std::vector<size_t> column_widths(const Table &t, size_t columns, size_t available) {
  std::vector<size_t> widths(columns, 1);
  for (const auto &row : t.rows)
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], runs_width(row[c]));
  const size_t borders = 3 * columns + 1;
  size_t total = 0;
  for (size_t w : widths) total += w;
  const size_t room = available > borders + columns ? available - borders : columns;
  while (total > room) {
    auto widest = std::max_element(widths.begin(), widths.end());
    if (*widest <= 1) break;
    size_t second = 1;
    for (size_t w : widths)
      if (w < *widest) second = std::max(second, w);
    size_t cut = std::min(total - room, *widest - second);
    *widest -= std::max<size_t>(cut, 1);
    total -= std::max<size_t>(cut, 1);
  }
  return widths;
}

std::string border(const std::vector<size_t> &widths, const char *left, const char *middle, const char *right) {
  std::string s = left;
  for (size_t c = 0; c < widths.size(); ++c) {
    for (size_t i = 0; i < widths[c] + 2; ++i) s += "\xE2\x94\x80";
    s += c + 1 < widths.size() ? middle : right;
  }
  return s;
}

void BlockRenderer::end_table() {
  size_t columns = 0;
  for (const auto &row : m_table.rows) columns = std::max(columns, row.size());
  m_leaf = Leaf::none;
  if (columns == 0) return;
  std::vector<size_t> widths = column_widths(m_table, columns, available());
  emit_line({{border(widths, "\xE2\x94\x8C", "\xE2\x94\xAC", "\xE2\x94\x90"), kFrame}}); // ┌ ┬ ┐
  for (size_t r = 0; r < m_table.rows.size(); ++r) {
    const auto &row = m_table.rows[r];
    std::vector<std::vector<Runs>> cells(columns);
    size_t height = 1;
    for (size_t c = 0; c < columns; ++c) {
      cells[c] = c < row.size() ? Wrapper(widths[c]).wrap(row[c]) : std::vector<Runs>{Runs{}};
      height = std::max(height, cells[c].size());
    }
    for (size_t l = 0; l < height; ++l) {
      Runs line{{"\xE2\x94\x82", kFrame}}; // │
      for (size_t c = 0; c < columns; ++c) {
        Runs cell = l < cells[c].size() ? cells[c][l] : Runs{};
        size_t pad = widths[c] - std::min(widths[c], runs_width(cell));
        MD_ALIGN a = c < m_table.aligns.size() ? m_table.aligns[c] : MD_ALIGN_DEFAULT;
        size_t left = a == MD_ALIGN_RIGHT ? pad : a == MD_ALIGN_CENTER ? pad / 2 : 0;
        line.push_back({std::string(1 + left, ' '), 0});
        for (Run &run : cell) line.push_back(std::move(run));
        line.push_back({std::string(1 + pad - left, ' '), 0});
        line.push_back({"\xE2\x94\x82", kFrame});
      }
      emit_line(std::move(line));
    }
    if (r + 1 == m_table.head_rows && r + 1 < m_table.rows.size())
      emit_line({{border(widths, "\xE2\x94\x9C", "\xE2\x94\xBC", "\xE2\x94\xA4"), kFrame}}); // ├ ┼ ┤
  }
  emit_line({{border(widths, "\xE2\x94\x94", "\xE2\x94\xB4", "\xE2\x94\x98"), kFrame}}); // └ ┴ ┘
  m_table = Table{};
}

} // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) { // the common case, byte by byte
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c == '\n') {
      out += '\n';
      ++i;
      continue;
    }
    if (c == '\t') {
      out += "    ";
      ++i;
      continue;
    }
    utf8proc_int32_t cp = -1;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t *>(text.data() + i),
                              static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
    if (n <= 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
      out += kReplacement;
      i += n > 0 ? static_cast<size_t>(n) : 1;
      continue;
    }
    out.append(text.data() + i, static_cast<size_t>(n));
    i += static_cast<size_t>(n);
  }
  return out;
}

void render_markdown_blocks(std::string_view text, const MarkdownStyle &style, size_t &blocks_rendered,
                            std::string &out) {
  BlockRenderer(style, blocks_rendered, out).run(text);
}

} // namespace webox::render
