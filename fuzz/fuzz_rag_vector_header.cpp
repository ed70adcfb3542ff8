// Fuzzes the header reader of the rag vector files (lib/rag/vector_file.cpp):
// a file on disk that a crash, a full disk or another program may have left
// in any state. The input is the whole file. Properties: no read past the
// input (ASan), and an accepted header describes exactly the bytes given
// (header + count rows of its dimension and their codes), so a scan of it
// stays inside.
#include <cstdlib>
#include <string_view>

#include "lib/rag/vector_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace webox::rag;
  const std::string_view bytes(reinterpret_cast<const char *>(data), size);
  for (uint32_t dimensions : {1u, 3u, 384u}) {
    const HeaderCheck h = read_header(bytes, {7, "ollama:nomic-embed-text", dimensions});
    if (!h.header) {
      if (h.why.empty()) std::abort();
      continue;
    }
    if (h.header->dimensions != dimensions || h.header->dimensions > kMaxDimensions) std::abort();
    if (kHeaderBytes + h.header->count * bytes_per_row(h.header->dimensions) != size) std::abort();
    if (h.header->count > 0) {
      std::vector<float> query(dimensions, 1.0f);
      const auto best = top_k_rows(reinterpret_cast<const std::byte *>(data) + kHeaderBytes,
                                   static_cast<size_t>(h.header->count), dimensions, query.data(), 3);
      if (best.empty()) std::abort();
    }
  }
  // What the writer makes, the reader accepts.
  VectorFileHeader mine{3, 0, 7, std::string(bytes.substr(0, 300))};
  const VectorFileExpect expect{7, mine.model, 3};
  if (mine.model.size() <= kModelBytes && !read_header(encode_header(mine), expect).header) std::abort();
  return 0;
}
