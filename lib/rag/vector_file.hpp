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
//   then count codes (version 2), the same rows quantised: f32 scale, then
//     `dimensions` int8 (round(x / scale), scale = max |x| / 127), zero
//     padded to a multiple of 32.
//
// Why the codes: a search in a fresh process pays for every page of the
// file it touches (page-table set-up, then memory bandwidth), and the
// float32 rows are four times the bytes of the codes. A search scans the
// codes for the best kRerank candidates, then scores those candidates
// exactly from their float32 rows: the scores and the order it returns are
// the exact ones; only a row whose quantised score falls outside the
// candidates while its exact one is in the top k could be missed (recall
// measured by tests/unit/test_rag_vector_file.cpp and bench/rag.sh).
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
constexpr uint32_t kVectorFileVersion = 2;
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
// The int8 codes of a row, padded so the SIMD loop has no tail.
constexpr size_t kCodeAlign = 32;
inline size_t code_width(uint32_t dimensions) { return (size_t{dimensions} + kCodeAlign - 1) / kCodeAlign * kCodeAlign; }
// Bytes of one code: the scale, then the padded int8 codes.
inline size_t code_bytes(uint32_t dimensions) { return sizeof(float) + code_width(dimensions); }
// Bytes of everything after the header for one row: the row and its code.
inline size_t bytes_per_row(uint32_t dimensions) { return row_bytes(dimensions) + code_bytes(dimensions); }

// Below this many rows a search scores every float32 row (the codes would
// save nothing worth their approximation).
constexpr size_t kQuantisedScanFrom = 4096;
// Candidates re-scored exactly: max(k * kRerankFactor, kRerankMin).
constexpr size_t kRerankFactor = 8;
constexpr size_t kRerankMin = 256;

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
  const std::byte *codes() const { return m_codes; }

private:
  VectorFile(void *map, size_t size, const VectorFileHeader &h);
  void *m_map = nullptr;
  size_t m_size = 0;
  const std::byte *m_rows = nullptr;
  const std::byte *m_codes = nullptr;
  size_t m_count = 0;
  uint32_t m_dimensions = 0;
};

// Writes a vector file row by row (memory: a buffer of 1 MiB each for the
// rows and the codes; the codes go to a second temporary file appended at
// the end), then publishes it atomically: temporary file, fsync, rename,
// fsync of the directory.
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
  std::filesystem::path m_codes_tmp;
  VectorFileHeader m_header;
  int m_fd = -1;
  int m_codes_fd = -1;
  std::string m_buffer;
  std::string m_codes_buffer;
  std::vector<int8_t> m_code;
  void flush();
  void append_codes();
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
// Quantises n floats into `codes` (code_width(n) bytes, the padding zeroed):
// codes[i] = round(v[i] / scale); returns scale (max |v[i]| / 127; 0 for an
// all-zero vector, whose codes are all 0).
float quantise(const float *v, size_t n, int8_t *codes);
// The integer dot product of two code arrays of `width` bytes (a multiple
// of kCodeAlign): AVX2 where the CPU has it, portable vector code elsewhere.
int32_t dot_codes(const int8_t *a, const int8_t *b, size_t width);

// Chunk id, score; best first.
using ScoredIds = std::vector<std::pair<int64_t, double>>;

// The k rows with the highest dot product with `query` (dimensions floats),
// best first, ties to the lower chunk id, with their exact scores. From
// kQuantisedScanFrom rows on: the codes pick the candidates, their float32
// rows score them (memory: the candidates).
ScoredIds top_k(const VectorFile &file, const float *query, size_t k);
// Every float32 row scored exactly (a bounded min-heap: memory is k).
ScoredIds top_k_rows(const std::byte *rows, size_t count, uint32_t dimensions, const float *query, size_t k);
// Candidates from the codes, re-scored from the rows: what top_k does above
// kQuantisedScanFrom rows (public for the recall test).
ScoredIds top_k_quantised(const VectorFile &file, const float *query, size_t k);

} // namespace webox::rag
