// Fuzzes the readers and chunkers of `webox rag index` (lib/rag/chunker.cpp),
// which read whatever files a user points them at. The first byte picks the
// kind and the chunk size. Properties: valid_utf8 output is valid UTF-8 and
// idempotent; every chunk is valid UTF-8, no longer than its limit, with
// ordered line numbers, and (except HTML, whose ranges refer to the converted
// text) its text is exactly the document's bytes at its byte range.
#include <algorithm>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "lib/rag/chunker.hpp"

namespace {

bool valid(const std::string &s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::type_error &) {
    return false;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace webox::rag;
  if (size < 1) return 0;
  const DocKind kinds[] = {DocKind::markdown, DocKind::text, DocKind::code, DocKind::html, DocKind::json, DocKind::jsonl};
  const DocKind kind = kinds[data[0] % 6];
  ChunkLimits limits;
  limits.target_bytes = 64 + (data[0] >> 3) * 16;
  limits.overlap_bytes = (data[0] >> 4) * 8;
  limits.max_record_bytes = 200;
  std::string text = valid_utf8(std::string_view(reinterpret_cast<const char *>(data) + 1, size - 1));
  if (!valid(text) || valid_utf8(text) != text) std::abort();
  (void)looks_binary(text);
  for (const Chunk &c : chunk_document(kind, text, limits)) {
    if (!valid(c.text) || !valid(c.heading)) std::abort();
    if (c.line_start < 1 || c.line_end < c.line_start) std::abort();
    // A JSON document that is not an array is chunked as text.
    const size_t limit = kind == DocKind::jsonl  ? limits.max_record_bytes
                         : kind == DocKind::json ? std::max(limits.max_record_bytes, limits.target_bytes)
                                                 : limits.target_bytes;
    if (c.text.size() > limit) std::abort();
    if (kind != DocKind::html && text.substr(c.byte_start, c.byte_end - c.byte_start) != c.text) std::abort();
  }
  return 0;
}
