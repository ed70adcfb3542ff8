// Readers and chunkers of `webox rag index`: what kind a file is, whether it
// is text at all, and how it is cut into chunks that a search returns.
//
// Pure functions over bytes already in memory (the indexer bounds their
// size), so that they are unit-tested and fuzzed without a store.
//
//   markdown  split at ATX headings (outside code fences), then paragraphs
//             packed up to the target size with an overlap; each chunk keeps
//             its heading path ("Guide > Install > Debian").
//   text      paragraphs (blank-line blocks) packed with an overlap.
//   code      blank-line blocks packed WITHOUT overlap, line ranges kept.
//   html      converted to Markdown-like text (headings become '#' lines,
//             script/style dropped, entities decoded), then chunked as
//             markdown; ranges then refer to the converted text.
//   json      a top-level array: one chunk per element (a catalogue record);
//             anything else is chunked as text.
//   jsonl     one chunk per non-empty line.
// A block longer than the target is cut at line ends, a line longer than the
// target at a UTF-8 character boundary.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace webox::rag {

enum class DocKind { markdown, text, code, html, json, jsonl, pdf };

const char *kind_name(DocKind kind);

struct Chunk {
  std::string text;
  std::string heading;   // "A > B" (markdown and html), else ""
  size_t byte_start = 0; // [start, end) in the document's text
  size_t byte_end = 0;
  int line_start = 1;    // 1-based, inclusive
  int line_end = 1;
};

struct ChunkLimits {
  size_t target_bytes = 1500; // a chunk is at most this long (a record: max_record_bytes)
  size_t overlap_bytes = 200; // text carried over from the previous chunk (markdown, text)
  size_t max_record_bytes = 8000;
};

// The kind of `path` by its extension; unknown extensions are text.
DocKind kind_for(const std::filesystem::path &path);

// True for content that is not text: a NUL byte in the first 8 KiB, or more
// than 10% of the first 8 KiB in control characters other than tab/CR/LF/FF.
bool looks_binary(std::string_view content);

// `content` with every invalid UTF-8 sequence replaced by U+FFFD; `replaced`
// (when given) counts them.
std::string valid_utf8(std::string_view content, size_t *replaced = nullptr);

// HTML as Markdown-like text (see above).
std::string html_to_text(std::string_view html);

// The chunks of a document of `kind` (not pdf: its pages are text).
// `content` must be valid UTF-8 (see valid_utf8).
std::vector<Chunk> chunk_document(DocKind kind, std::string_view content, const ChunkLimits &limits = {});

// The chunks of a PDF from the text of its pages (valid UTF-8, page 1
// first): each page chunked as text, never across two pages. A PDF has no
// lines to point at, so a chunk's location is its page: heading "page N",
// line_start = line_end = N; byte offsets count in the pages laid end to
// end.
std::vector<Chunk> chunk_pages(const std::vector<std::string> &pages, const ChunkLimits &limits = {});

} // namespace webox::rag
