#include "lib/rag/chunker.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>

namespace webox::rag {
namespace {

// ---- positions -------------------------------------------------------------

class LineIndex {
public:
  explicit LineIndex(std::string_view text) {
    m_starts.push_back(0);
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') m_starts.push_back(i + 1);
  }
  // 1-based line holding byte `pos`.
  int line_of(size_t pos) const {
    auto it = std::upper_bound(m_starts.begin(), m_starts.end(), pos);
    return static_cast<int>(it - m_starts.begin());
  }

private:
  std::vector<size_t> m_starts;
};

struct Span {
  size_t start = 0;
  size_t end = 0; // exclusive
  size_t size() const { return end - start; }
};

// Backs `cut` off to the start of a UTF-8 character of `text`.
size_t char_boundary(std::string_view text, size_t cut) {
  while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

bool blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f'; });
}

// The line [pos, end of line) without its newline, and where the next begins.
Span line_at(std::string_view text, size_t pos, size_t limit) {
  size_t nl = text.find('\n', pos);
  size_t end = nl == std::string_view::npos || nl >= limit ? limit : nl;
  return {pos, end};
}

// Cuts a span longer than `target` at line ends, and a line longer than it
// at character boundaries.
void split_long(std::string_view text, Span block, size_t target, std::vector<Span> &out) {
  size_t pos = block.start;
  while (pos < block.end) {
    size_t limit = std::min(block.end, pos + target);
    size_t cut = limit;
    if (limit < block.end) {
      size_t nl = text.rfind('\n', limit - 1);
      if (nl != std::string_view::npos && nl >= pos + 1 && nl < limit) cut = nl + 1;
      else cut = char_boundary(text, limit);
      if (cut <= pos) cut = limit; // a single character wider than target (cannot happen with target >= 4)
    }
    size_t end = cut;
    while (end > pos && (text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
    if (end > pos) out.push_back({pos, end});
    pos = cut;
  }
}

// Blank-line-separated blocks of [begin, end), each no longer than `target`.
std::vector<Span> blocks_of(std::string_view text, size_t begin, size_t end, size_t target) {
  std::vector<Span> blocks;
  size_t pos = begin;
  constexpr size_t kNone = std::string_view::npos;
  size_t block_start = kNone;
  size_t block_end = begin;
  auto close = [&] {
    if (block_start != kNone) split_long(text, {block_start, block_end}, target, blocks);
    block_start = kNone;
  };
  while (pos < end) {
    Span line = line_at(text, pos, end);
    if (blank(text.substr(line.start, line.size()))) {
      close();
    } else {
      if (block_start == kNone) block_start = line.start;
      block_end = line.end;
    }
    pos = line.end + 1;
  }
  close();
  return blocks;
}

Chunk make_chunk(std::string_view text, const LineIndex &lines, Span span, const std::string &heading) {
  Chunk c;
  c.text = std::string(text.substr(span.start, span.size()));
  c.heading = heading;
  c.byte_start = span.start;
  c.byte_end = span.end;
  c.line_start = lines.line_of(span.start);
  c.line_end = lines.line_of(span.end > span.start ? span.end - 1 : span.start);
  return c;
}

// Packs consecutive blocks into chunks of at most `target` bytes; each chunk
// after the first starts with the previous chunk's last blocks that fit in
// `overlap` (never all of them, so every chunk adds something new).
void pack(std::string_view text, const LineIndex &lines, const std::vector<Span> &blocks, size_t target,
          size_t overlap, const std::string &heading, std::vector<Chunk> &out) {
  size_t first = 0;
  while (first < blocks.size()) {
    size_t last = first;
    while (last + 1 < blocks.size() && blocks[last + 1].end - blocks[first].start <= target) ++last;
    out.push_back(make_chunk(text, lines, {blocks[first].start, blocks[last].end}, heading));
    if (last + 1 >= blocks.size()) break;
    size_t next = last + 1;
    while (next - 1 > first && blocks[last].end - blocks[next - 1].start <= overlap &&
           blocks[last + 1].end - blocks[next - 1].start <= target)
      --next;
    first = next;
  }
}

// ---- markdown ----------------------------------------------------------------

// The level of an ATX heading line ("## Title" -> 2), or 0.
int heading_level(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  size_t hashes = 0;
  while (i + hashes < line.size() && line[i + hashes] == '#') ++hashes;
  if (hashes == 0 || hashes > 6) return 0;
  size_t after = i + hashes;
  if (after < line.size() && line[after] != ' ' && line[after] != '\t' && line[after] != '\r') return 0;
  return static_cast<int>(hashes);
}

std::string heading_title(std::string_view line) {
  size_t i = line.find_first_not_of(" #");
  if (i == std::string_view::npos) return "";
  std::string_view t = line.substr(i);
  while (!t.empty() && (t.back() == ' ' || t.back() == '#' || t.back() == '\r' || t.back() == '\t')) t.remove_suffix(1);
  return std::string(t.substr(0, char_boundary(t, 200)));
}

bool fence_line(std::string_view line) {
  size_t i = line.find_first_not_of(' ');
  return i != std::string_view::npos && i <= 3 && (line.substr(i, 3) == "```" || line.substr(i, 3) == "~~~");
}

std::string join_path(const std::vector<std::pair<int, std::string>> &stack) {
  std::string out;
  for (const auto &[level, title] : stack) {
    if (!out.empty()) out += " > ";
    out += title;
  }
  return out;
}

void chunk_markdown(std::string_view text, const ChunkLimits &limits, std::vector<Chunk> &out) {
  LineIndex lines(text);
  std::vector<std::pair<int, std::string>> stack; // open headings: level, title
  std::string heading;
  size_t section_start = 0;
  bool in_fence = false;
  auto flush = [&](size_t end) {
    pack(text, lines, blocks_of(text, section_start, end, limits.target_bytes), limits.target_bytes,
         limits.overlap_bytes, heading, out);
  };
  size_t pos = 0;
  while (pos < text.size()) {
    Span line = line_at(text, pos, text.size());
    std::string_view l = text.substr(line.start, line.size());
    if (fence_line(l)) in_fence = !in_fence;
    int level = in_fence ? 0 : heading_level(l);
    if (level > 0) {
      flush(line.start);
      while (!stack.empty() && stack.back().first >= level) stack.pop_back();
      stack.emplace_back(level, heading_title(l));
      heading = join_path(stack);
      section_start = line.start;
    }
    pos = line.end + 1;
  }
  flush(text.size());
}

// ---- records -------------------------------------------------------------------

// The byte spans of a top-level JSON array's elements, or false when `text`
// is not one (then it is chunked as text). A scanner, not a parser: no
// recursion, so any depth is fine, and a record is indexed as written.
bool array_elements(std::string_view text, std::vector<Span> &out) {
  size_t i = text.find_first_not_of(" \t\r\n");
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = text.find_first_not_of(" \t\r\n", 3);
  if (i == std::string_view::npos || text[i] != '[') return false;
  int64_t depth = 0;
  bool in_string = false, escaped = false;
  size_t element_start = i + 1;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') ++depth;
    else if (c == ']' || c == '}') {
      if (--depth == 0) {
        out.push_back({element_start, i});
        return true;
      }
    } else if (c == ',' && depth == 1) {
      out.push_back({element_start, i});
      element_start = i + 1;
    }
  }
  return false; // unterminated
}

Span trimmed(std::string_view text, Span s) {
  while (s.start < s.end && std::isspace(static_cast<unsigned char>(text[s.start]))) ++s.start;
  while (s.end > s.start && std::isspace(static_cast<unsigned char>(text[s.end - 1]))) --s.end;
  return s;
}

void add_record(std::string_view text, const LineIndex &lines, Span s, const ChunkLimits &limits,
                std::vector<Chunk> &out) {
  s = trimmed(text, s);
  if (s.size() == 0) return;
  if (s.size() > limits.max_record_bytes) s.end = s.start + char_boundary(text.substr(s.start), limits.max_record_bytes);
  out.push_back(make_chunk(text, lines, s, ""));
}

void chunk_text(std::string_view text, const ChunkLimits &limits, size_t overlap, std::vector<Chunk> &out) {
  LineIndex lines(text);
  pack(text, lines, blocks_of(text, 0, text.size(), limits.target_bytes), limits.target_bytes, overlap, "", out);
}

// ---- html --------------------------------------------------------------------------

void append_utf8(std::string &out, uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the entity at html[i] == '&'; returns how many bytes it took (0 =
// not an entity: the '&' is kept as is).
size_t decode_entity(std::string_view html, size_t i, std::string &out) {
  size_t semi = html.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10) return 0;
  std::string_view name = html.substr(i + 1, semi - i - 1);
  static const std::pair<const char *, const char *> named[] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "}, {"eacute", "\xC3\xA9"},
      {"egrave", "\xC3\xA8"}, {"agrave", "\xC3\xA0"}, {"ccedil", "\xC3\xA7"}, {"euro", "\xE2\x82\xAC"},
      {"mdash", "\xE2\x80\x94"}, {"ndash", "\xE2\x80\x93"}, {"hellip", "\xE2\x80\xA6"}, {"copy", "\xC2\xA9"}};
  for (const auto &[n, v] : named)
    if (name == n) {
      out += v;
      return semi - i + 1;
    }
  if (name.size() >= 2 && name[0] == '#') {
    bool hex = name[1] == 'x' || name[1] == 'X';
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 7) return 0;
    uint32_t cp = 0;
    for (char c : digits) {
      int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
              : hex && std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                                    : -1;
      if (d < 0) return 0;
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    }
    append_utf8(out, cp);
    return semi - i + 1;
  }
  return 0;
}

bool block_tag(const std::string &tag) {
  static const char *const tags[] = {"p",      "div",     "br",     "li",    "ul",  "ol",      "tr",    "table",
                                     "section", "article", "header", "footer", "pre", "blockquote", "hr", "title",
                                     "dd",     "dt",      "main",   "nav",   "aside", "figure", "td",    "th"};
  return std::any_of(std::begin(tags), std::end(tags), [&](const char *t) { return tag == t; });
}

class HtmlText {
public:
  void text(char c) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      if (m_pre) m_out += c == '\r' ? '\n' : c;
      else if (!m_out.empty() && m_out.back() != ' ' && m_out.back() != '\n') m_out += ' ';
      return;
    }
    m_out += c;
  }
  void raw(std::string_view s) { m_out += s; }
  void newlines(int n) {
    while (!m_out.empty() && m_out.back() == ' ') m_out.pop_back();
    int have = 0;
    for (size_t i = m_out.size(); i > 0 && m_out[i - 1] == '\n' && have < 2; --i) ++have;
    if (m_out.empty()) return;
    for (; have < n; ++have) m_out += '\n';
  }
  void tag(const std::string &name, bool closing) {
    if (name == "pre") m_pre = !closing;
    if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
      newlines(2);
      if (!closing) m_out += std::string(static_cast<size_t>(name[1] - '0'), '#') + " ";
      return;
    }
    if (name == "li" && !closing) {
      newlines(1);
      m_out += "- ";
      return;
    }
    if (block_tag(name)) newlines(name == "p" || name == "br" || name == "td" || name == "th" ? 1 : 2);
  }
  std::string take() {
    newlines(1);
    return std::move(m_out);
  }

private:
  std::string m_out;
  bool m_pre = false;
};

// Reads the tag at html[i] == '<'; returns the index after it. Sets `name`
// (lower case, "" for comments and declarations) and `closing`.
size_t read_tag(std::string_view html, size_t i, std::string &name, bool &closing) {
  name.clear();
  closing = false;
  if (html.substr(i, 4) == "<!--") {
    size_t end = html.find("-->", i + 4);
    return end == std::string_view::npos ? html.size() : end + 3;
  }
  size_t j = i + 1;
  if (j < html.size() && html[j] == '/') {
    closing = true;
    ++j;
  }
  while (j < html.size() && (std::isalnum(static_cast<unsigned char>(html[j])))) {
    if (name.size() < 16) name += static_cast<char>(std::tolower(static_cast<unsigned char>(html[j])));
    ++j;
  }
  char quote = 0;
  for (; j < html.size(); ++j) {
    char c = html[j];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return j + 1;
    }
  }
  return html.size();
}

} // namespace

const char *kind_name(DocKind kind) {
  switch (kind) {
    case DocKind::markdown: return "markdown";
    case DocKind::text: return "text";
    case DocKind::code: return "code";
    case DocKind::html: return "html";
    case DocKind::json: return "json";
    case DocKind::jsonl: return "jsonl";
    case DocKind::pdf: return "pdf";
  }
  return "text";
}

DocKind kind_for(const std::filesystem::path &path) {
  std::string ext = path.extension().string();
  for (char &c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".md" || ext == ".markdown" || ext == ".mdx" || ext == ".rst") return DocKind::markdown;
  if (ext == ".html" || ext == ".htm" || ext == ".xhtml") return DocKind::html;
  if (ext == ".json") return DocKind::json;
  if (ext == ".jsonl" || ext == ".ndjson") return DocKind::jsonl;
  if (ext == ".pdf") return DocKind::pdf;
  static const char *const code[] = {".c",  ".h",  ".cc", ".cpp", ".hpp", ".cxx", ".py",   ".js",  ".ts",
                                     ".go", ".rs", ".java", ".kt", ".rb",  ".php", ".sh",   ".cs",  ".swift",
                                     ".sql", ".lua", ".pl", ".scala", ".tsx", ".jsx", ".cmake", ".yaml", ".yml", ".toml"};
  for (const char *e : code)
    if (ext == e) return DocKind::code;
  return DocKind::text;
}

bool looks_binary(std::string_view content) {
  std::string_view head = content.substr(0, 8192);
  if (head.find('\0') != std::string_view::npos) return true;
  size_t control = 0;
  for (unsigned char c : head)
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') ++control;
  return !head.empty() && control * 10 > head.size();
}

std::string valid_utf8(std::string_view s, size_t *replaced) {
  std::string out;
  out.reserve(s.size());
  size_t bad = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && n >= 3) {
      const unsigned char second = static_cast<unsigned char>(s[i + 1]);
      if (c == 0xE0 && second < 0xA0) ok = false;  // overlong
      if (c == 0xED && second > 0x9F) ok = false;  // surrogate
      if (c == 0xF0 && second < 0x90) ok = false;  // overlong
      if (c == 0xF4 && second > 0x8F) ok = false;  // past U+10FFFF
    }
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++bad;
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  if (replaced) *replaced = bad;
  return out;
}

std::string html_to_text(std::string_view html) {
  HtmlText out;
  std::string name;
  bool closing = false;
  for (size_t i = 0; i < html.size();) {
    char c = html[i];
    if (c == '<' && i + 1 < html.size() &&
        (std::isalpha(static_cast<unsigned char>(html[i + 1])) || html[i + 1] == '/' || html[i + 1] == '!')) {
      i = read_tag(html, i, name, closing);
      if (!closing && (name == "script" || name == "style" || name == "noscript" || name == "template")) {
        // Skip to the matching end tag (case-insensitive), or the end.
        std::string end_tag = "</" + name;
        size_t j = i;
        for (; j < html.size(); ++j) {
          if (html[j] != '<' || j + end_tag.size() > html.size()) continue;
          bool match = true;
          for (size_t k = 0; k < end_tag.size() && match; ++k)
            match = std::tolower(static_cast<unsigned char>(html[j + k])) == end_tag[k];
          if (match) break;
        }
        i = j >= html.size() ? html.size() : read_tag(html, j, name, closing);
        continue;
      }
      if (!name.empty()) out.tag(name, closing);
      continue;
    }
    if (c == '&') {
      std::string decoded;
      if (size_t used = decode_entity(html, i, decoded); used > 0) {
        out.raw(decoded);
        i += used;
        continue;
      }
    }
    out.text(c);
    ++i;
  }
  return out.take();
}

std::vector<Chunk> chunk_document(DocKind kind, std::string_view text, const ChunkLimits &limits_in) {
  ChunkLimits limits = limits_in;
  limits.target_bytes = std::max<size_t>(limits.target_bytes, 64);
  limits.overlap_bytes = std::min(limits.overlap_bytes, limits.target_bytes / 2);
  limits.max_record_bytes = std::max<size_t>(limits.max_record_bytes, 64);
  std::vector<Chunk> out;
  switch (kind) {
    case DocKind::markdown: chunk_markdown(text, limits, out); break;
    case DocKind::html: {
      // Ranges then refer to the converted text (see the header).
      std::string converted = html_to_text(text);
      chunk_markdown(converted, limits, out);
      break;
    }
    case DocKind::code: chunk_text(text, limits, 0, out); break;
    case DocKind::jsonl: {
      LineIndex lines(text);
      size_t pos = 0;
      while (pos < text.size()) {
        Span line = line_at(text, pos, text.size());
        add_record(text, lines, line, limits, out);
        pos = line.end + 1;
      }
      break;
    }
    case DocKind::json: {
      std::vector<Span> elements;
      if (array_elements(text, elements)) {
        LineIndex lines(text);
        for (Span s : elements) add_record(text, lines, s, limits, out);
      } else {
        chunk_text(text, limits, limits.overlap_bytes, out);
      }
      break;
    }
    case DocKind::text:
    case DocKind::pdf: chunk_text(text, limits, limits.overlap_bytes, out); break;
  }
  return out;
}

std::vector<Chunk> chunk_pages(const std::vector<std::string> &pages, const ChunkLimits &limits) {
  std::vector<Chunk> out;
  size_t offset = 0;
  for (size_t i = 0; i < pages.size(); ++i) {
    std::vector<Chunk> page;
    chunk_text(pages[i], limits, limits.overlap_bytes, page);
    const int number = static_cast<int>(i + 1);
    for (Chunk &c : page) {
      c.heading = "page " + std::to_string(number);
      c.line_start = c.line_end = number;
      c.byte_start += offset;
      c.byte_end += offset;
      out.push_back(std::move(c));
    }
    offset += pages[i].size();
  }
  return out;
}

} // namespace webox::rag
