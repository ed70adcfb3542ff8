// The vector file of a collection: its float32 vectors copied out of the
// store into one flat file beside the database, memory-mapped by a search
// instead of reading 100k BLOBs through SQLite (issue 17).
//
// The store stays the source of truth; the file is a cache of it that is
// only ever valid or absent:
//  - every write of a collection's vectors (Collections::put_document,
//    remove_document, drop) unlinks the file inside its write transaction,
//    before the commit; a kill -9 after the unlink only costs a rebuild;
//  - the file is (re)built from the BLOBs inside a write transaction (so no
//    writer commits between the read and the rename), into a temporary file
//    that is fsync'd, then renamed over the old one;
//  - a reader checks the header (magic, version, collection id, model,
//    dimension, a checksum of the header) and that the size is exactly
//    header + count rows; anything else is rebuilt, never trusted.
// A change made to rag_vectors behind webox's back (the sqlite3 CLI) is not
// seen: delete the file (webox-rag(1), FILES) and the next search rebuilds it.
//
// Layout (little-endian, the host's; the magic differs on a big-endian one):
//   header, kHeaderBytes: magic "WBXVEC01", u32 version, u32 dimensions,
//     u64 count, i64 collection id, u32 model length, u32 zero, model
//     (kModelBytes, zero padded), u64 FNV-1a of the bytes before it.
//   count rows of: i64 chunk id, then `dimensions` float32 (L2-normalised,
//     so cosine similarity is a dot product), in chunk id order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/core/error.hpp"

namespace webox::rag {

// The file could not be written (read-only data dir, full disk): a search
// falls back to the stored vectors.
class VectorFileWriteError : public Error {
public:
  using Error::Error;
};

constexpr size_t kHeaderBytes = 256;
constexpr size_t kModelBytes = 200;
constexpr uint32_t kVectorFileVersion = 1;
// Bounds a header must respect before anything it says is used.
constexpr uint32_t kMaxDimensions = 65536;

struct VectorFileHeader {
  uint32_t dimensions = 0;
  uint64_t count = 0;
  int64_t collection_id = 0;
  std::string model;
};

// What the store says the file must hold.
struct VectorFileExpect {
  int64_t collection_id = 0;
  std::string model;
  uint32_t dimensions = 0;
};

// The header of `bytes` (a whole file of `bytes.size()` bytes), or why it is
// not a valid vector file matching `expect` ("bad magic", "truncated", ...).
// Reads nothing past bytes.size().
struct HeaderCheck {
  std::optional<VectorFileHeader> header;
  std::string why;
};
HeaderCheck read_header(std::string_view bytes, const VectorFileExpect &expect);

// The header bytes for `h` (kHeaderBytes long).
std::string encode_header(const VectorFileHeader &h);

// Bytes of one row: the chunk id and the floats.
inline size_t row_bytes(uint32_t dimensions) { return sizeof(int64_t) + size_t{dimensions} * sizeof(float); }

// A read-only mapping of a valid vector file.
class VectorFile {
public:
  // The mapped file, or nullopt with `why` set (absent, unreadable, invalid).
  static std::optional<VectorFile> open(const std::filesystem::path &file, const VectorFileExpect &expect,
                                        std::string &why);
  VectorFile(VectorFile &&other) noexcept;
  VectorFile &operator=(VectorFile &&other) noexcept;
  VectorFile(const VectorFile &) = delete;
  ~VectorFile();

  size_t count() const { return m_count; }
  uint32_t dimensions() const { return m_dimensions; }
  const std::byte *rows() const { return m_rows; }

private:
  VectorFile(void *map, size_t size, const VectorFileHeader &h);
  void *m_map = nullptr;
  size_t m_size = 0;
  const std::byte *m_rows = nullptr;
  size_t m_count = 0;
  uint32_t m_dimensions = 0;
};

// Writes a vector file row by row (memory: one row), then publishes it
// atomically: temporary file, fsync, rename, fsync of the directory.
class VectorFileWriter {
public:
  VectorFileWriter(std::filesystem::path file, const VectorFileExpect &what);
  ~VectorFileWriter();
  VectorFileWriter(const VectorFileWriter &) = delete;
  VectorFileWriter &operator=(const VectorFileWriter &) = delete;
  // `vector` holds exactly `dimensions` floats (checked by the caller).
  void add(int64_t chunk_id, const float *vector);
  void publish();

private:
  std::filesystem::path m_file;
  std::filesystem::path m_tmp;
  VectorFileHeader m_header;
  int m_fd = -1;
  std::string m_buffer;
  void flush();
};

// Where the vector file of collection `collection_id` of the database
// `db_file` lives: <db_file>.vectors/c<ID>.f32 (the data dir for the
// default store). Empty for an in-memory database.
std::filesystem::path vector_file_path(const std::string &db_file, int64_t collection_id);

// Unlinks the file (no error when absent: it is a cache).
void invalidate_vector_file(const std::string &db_file, int64_t collection_id);

// Dot product (cosine for normalised vectors); explicit SIMD (GCC/Clang
// vector types) with a scalar tail.
float dot(const float *a, const float *b, size_t n);
// Scales `v` to unit length (left as is when it is all zeros).
void normalise(std::vector<float> &v);

// Chunk id, score; best first.
using ScoredIds = std::vector<std::pair<int64_t, double>>;

// The k rows with the highest dot product with `query` (dimensions floats),
// best first, ties to the lower chunk id. A bounded min-heap: memory is k.
ScoredIds top_k(const VectorFile &file, const float *query, size_t k);
ScoredIds top_k_rows(const std::byte *rows, size_t count, uint32_t dimensions, const float *query, size_t k);

} // namespace webox::rag
