#include "lib/rag/vector_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <queue>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/error.hpp"

namespace webox::rag {
namespace {

constexpr char kVectorFileMagic[8] = {'W', 'B', 'X', 'V', 'E', 'C', '0', '1'};
constexpr size_t kVectorChecksumAt = kHeaderBytes - sizeof(uint64_t);
constexpr size_t kVectorModelAt = 40;
static_assert(kVectorModelAt + kModelBytes <= kVectorChecksumAt);

uint64_t vector_header_checksum(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

template <class T> T load_field(std::string_view bytes, size_t at) {
  T v;
  std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

template <class T> void store_field(std::string &bytes, size_t at, T v) { std::memcpy(bytes.data() + at, &v, sizeof v); }

[[noreturn]] void fail_vector_io(const std::string &what, const std::filesystem::path &file) {
  throw VectorFileWriteError(what + " " + file.string() + ": " + std::strerror(errno));
}

void write_all_vector_bytes(int fd, const char *data, size_t size, const std::filesystem::path &file) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_vector_io("cannot write", file);
    done += static_cast<size_t>(n);
  }
}

// Asks the kernel to map [at, at + size) of the mapping now, in one call,
// rather than a page fault per 4 KiB during the scan. Advice only: an older
// kernel without MADV_POPULATE_READ gets read-ahead instead.
void populate_vector_pages(void *map, size_t at, size_t size) {
  const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t start = at / page * page;
  char *base = static_cast<char *>(map) + start;
  const size_t length = at + size - start;
#ifdef MADV_POPULATE_READ
  if (::madvise(base, length, MADV_POPULATE_READ) == 0) return;
#endif
  ::madvise(base, length, MADV_WILLNEED);
}

// Portable integer dot product of int8 codes (GCC/Clang vector types; the
// products of two int8 fit in int16, their sums are kept in int32).
int32_t dot_codes_portable(const int8_t *a, const int8_t *b, size_t width) {
  using i8x16 = int8_t __attribute__((vector_size(16)));
  using i16x16 = int16_t __attribute__((vector_size(32)));
  using i32x16 = int32_t __attribute__((vector_size(64)));
  i32x16 acc{};
  for (size_t i = 0; i < width; i += 16) {
    i8x16 x, y;
    std::memcpy(&x, a + i, 16);
    std::memcpy(&y, b + i, 16);
    const i16x16 p = __builtin_convertvector(x, i16x16) * __builtin_convertvector(y, i16x16);
    acc += __builtin_convertvector(p, i32x16);
  }
  int32_t s = 0;
  for (int j = 0; j < 16; ++j) s += acc[j];
  return s;
}

#if defined(__x86_64__)
// AVX2: 32 codes a step. maddubs multiplies unsigned by signed bytes, so
// |a| times b with a's sign; codes lie in [-127, 127], so the pairwise int16
// sums (at most 2 * 127 * 127) never saturate.
__attribute__((target("avx2"))) int32_t dot_codes_avx2(const int8_t *a, const int8_t *b, size_t width) {
  __m256i acc = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  for (size_t i = 0; i < width; i += 32) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(a + i));
    const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b + i));
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(x), _mm256_sign_epi8(y, x));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
  }
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  s = _mm_hadd_epi32(s, s);
  s = _mm_hadd_epi32(s, s);
  return _mm_cvtsi128_si32(s);
}

bool cpu_has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

float code_scale(const std::byte *code) {
  float scale;
  std::memcpy(&scale, code, sizeof scale);
  return scale;
}

} // namespace

float dot(const float *a, const float *b, size_t n) {
  // GCC/Clang vector types: SSE on any x86-64, NEON on arm64, without
  // -ffast-math (which the scalar loop would need before the compiler
  // reorders its sum). Four independent accumulators keep the adds in
  // flight; memcpy loads need no alignment.
  using f4 = float __attribute__((vector_size(16)));
  f4 acc0{}, acc1{}, acc2{}, acc3{};
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    f4 a0, a1, a2, a3, b0, b1, b2, b3;
    std::memcpy(&a0, a + i, 16);
    std::memcpy(&a1, a + i + 4, 16);
    std::memcpy(&a2, a + i + 8, 16);
    std::memcpy(&a3, a + i + 12, 16);
    std::memcpy(&b0, b + i, 16);
    std::memcpy(&b1, b + i + 4, 16);
    std::memcpy(&b2, b + i + 8, 16);
    std::memcpy(&b3, b + i + 12, 16);
    acc0 += a0 * b0;
    acc1 += a1 * b1;
    acc2 += a2 * b2;
    acc3 += a3 * b3;
  }
  const f4 acc = (acc0 + acc1) + (acc2 + acc3);
  float s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  for (; i < n; ++i) s += a[i] * b[i]; // the scalar tail
  return s;
}

float quantise(const float *v, size_t n, int8_t *codes) {
  std::memset(codes, 0, code_width(static_cast<uint32_t>(n)));
  float largest = 0;
  for (size_t i = 0; i < n; ++i) largest = std::max(largest, std::fabs(v[i]));
  if (!(largest > 0) || !std::isfinite(largest)) return 0; // all zeros (or not a number): scores 0
  const float scale = largest / 127.0f;
  for (size_t i = 0; i < n; ++i)
    codes[i] = static_cast<int8_t>(std::clamp(std::lround(v[i] / scale), -127l, 127l));
  return scale;
}

int32_t dot_codes(const int8_t *a, const int8_t *b, size_t width) {
#if defined(__x86_64__)
  if (cpu_has_avx2()) return dot_codes_avx2(a, b, width);
#endif
  return dot_codes_portable(a, b, width);
}

void normalise(std::vector<float> &v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  if (sum <= 0) return;
  const float scale = static_cast<float>(1.0 / std::sqrt(sum));
  for (float &x : v) x *= scale;
}

std::string encode_header(const VectorFileHeader &h) {
  std::string out(kHeaderBytes, '\0');
  std::memcpy(out.data(), kVectorFileMagic, sizeof kVectorFileMagic);
  store_field<uint32_t>(out, 8, kVectorFileVersion);
  store_field<uint32_t>(out, 12, h.dimensions);
  store_field<uint64_t>(out, 16, h.count);
  store_field<int64_t>(out, 24, h.collection_id);
  const size_t model_len = std::min(h.model.size(), kModelBytes);
  store_field<uint32_t>(out, 32, static_cast<uint32_t>(model_len));
  std::memcpy(out.data() + kVectorModelAt, h.model.data(), model_len);
  store_field<uint64_t>(out, kVectorChecksumAt, vector_header_checksum(std::string_view(out).substr(0, kVectorChecksumAt)));
  return out;
}

HeaderCheck read_header(std::string_view bytes, const VectorFileExpect &expect) {
  HeaderCheck r;
  if (bytes.size() < kHeaderBytes) {
    r.why = "truncated header (" + std::to_string(bytes.size()) + " bytes)";
    return r;
  }
  if (std::memcmp(bytes.data(), kVectorFileMagic, sizeof kVectorFileMagic) != 0) {
    r.why = "not a webox vector file (bad magic)";
    return r;
  }
  if (load_field<uint64_t>(bytes, kVectorChecksumAt) != vector_header_checksum(bytes.substr(0, kVectorChecksumAt))) {
    r.why = "header checksum mismatch";
    return r;
  }
  if (const auto version = load_field<uint32_t>(bytes, 8); version != kVectorFileVersion) {
    r.why = "version " + std::to_string(version) + ", this build reads " + std::to_string(kVectorFileVersion);
    return r;
  }
  VectorFileHeader h;
  h.dimensions = load_field<uint32_t>(bytes, 12);
  h.count = load_field<uint64_t>(bytes, 16);
  h.collection_id = load_field<int64_t>(bytes, 24);
  const auto model_len = load_field<uint32_t>(bytes, 32);
  if (h.dimensions == 0 || h.dimensions > kMaxDimensions) {
    r.why = "dimension " + std::to_string(h.dimensions) + " out of range";
    return r;
  }
  if (model_len > kModelBytes) {
    r.why = "model name of " + std::to_string(model_len) + " bytes";
    return r;
  }
  h.model.assign(bytes.data() + kVectorModelAt, model_len);
  const size_t payload = bytes.size() - kHeaderBytes;
  const size_t stride = bytes_per_row(h.dimensions);
  // Compared by division so that no count, however large, overflows.
  if (payload % stride != 0 || payload / stride != h.count) {
    r.why = "size " + std::to_string(bytes.size()) + " bytes does not hold the " + std::to_string(h.count) +
            " rows its header announces";
    return r;
  }
  if (h.collection_id != expect.collection_id) {
    r.why = "written for collection " + std::to_string(h.collection_id);
    return r;
  }
  if (h.dimensions != expect.dimensions) {
    r.why = std::to_string(h.dimensions) + " dimensions, the collection has " + std::to_string(expect.dimensions);
    return r;
  }
  if (h.model != expect.model.substr(0, kModelBytes)) {
    r.why = "vectors of " + h.model + ", the collection's model is " + expect.model;
    return r;
  }
  r.header = std::move(h);
  return r;
}

std::optional<VectorFile> VectorFile::open(const std::filesystem::path &file, const VectorFileExpect &expect,
                                           std::string &why) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < static_cast<off_t>(kHeaderBytes)) {
    why = "truncated header";
    ::close(fd);
    return std::nullopt;
  }
  const auto size = static_cast<size_t>(st.st_size);
  void *map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  HeaderCheck h = read_header(std::string_view(static_cast<const char *>(map), size), expect);
  if (!h.header) {
    ::munmap(map, size);
    why = h.why;
    return std::nullopt;
  }
  // Only the pages the search reads: the codes of a large file (its float32
  // rows are read for the candidates alone), all of a small one.
  const auto count = static_cast<size_t>(h.header->count);
  const size_t codes_at = kHeaderBytes + count * row_bytes(h.header->dimensions);
  if (count >= kQuantisedScanFrom) populate_vector_pages(map, codes_at, size - codes_at);
  else populate_vector_pages(map, 0, size);
  return VectorFile(map, size, *h.header);
}

VectorFile::VectorFile(void *map, size_t size, const VectorFileHeader &h)
    : m_map(map), m_size(size), m_rows(static_cast<const std::byte *>(map) + kHeaderBytes),
      m_codes(m_rows + static_cast<size_t>(h.count) * row_bytes(h.dimensions)), m_count(static_cast<size_t>(h.count)),
      m_dimensions(h.dimensions) {}

VectorFile::VectorFile(VectorFile &&o) noexcept
    : m_map(std::exchange(o.m_map, nullptr)), m_size(std::exchange(o.m_size, 0)), m_rows(o.m_rows),
      m_codes(o.m_codes), m_count(o.m_count), m_dimensions(o.m_dimensions) {}

VectorFile &VectorFile::operator=(VectorFile &&o) noexcept {
  if (this != &o) {
    if (m_map) ::munmap(m_map, m_size);
    m_map = std::exchange(o.m_map, nullptr);
    m_size = std::exchange(o.m_size, 0);
    m_rows = o.m_rows;
    m_codes = o.m_codes;
    m_count = o.m_count;
    m_dimensions = o.m_dimensions;
  }
  return *this;
}

VectorFile::~VectorFile() {
  if (m_map) ::munmap(m_map, m_size);
}

VectorFileWriter::VectorFileWriter(std::filesystem::path file, const VectorFileExpect &what)
    : m_file(std::move(file)), m_tmp(m_file.string() + ".tmp"), m_codes_tmp(m_file.string() + ".codes.tmp") {
  m_header.collection_id = what.collection_id;
  m_header.model = what.model;
  m_header.dimensions = what.dimensions;
  std::error_code ec;
  std::filesystem::create_directories(m_file.parent_path(), ec);
  if (ec) throw VectorFileWriteError("cannot create " + m_file.parent_path().string() + ": " + ec.message());
  ::chmod(m_file.parent_path().c_str(), 0700);
  // Only a process holding the store's write lock writes here, so one
  // temporary name is enough; O_TRUNC clears what a killed one left.
  m_fd = ::open(m_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (m_fd < 0) fail_vector_io("cannot write", m_tmp);
  m_codes_fd = ::open(m_codes_tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (m_codes_fd < 0) fail_vector_io("cannot write", m_codes_tmp);
  m_code.resize(code_width(m_header.dimensions));
  m_buffer = encode_header(m_header); // placeholder, rewritten with the count by publish()
}

VectorFileWriter::~VectorFileWriter() {
  if (m_fd >= 0) {
    ::close(m_fd);
    ::unlink(m_tmp.c_str());
  }
  if (m_codes_fd >= 0) {
    ::close(m_codes_fd);
    ::unlink(m_codes_tmp.c_str());
  }
}

void VectorFileWriter::flush() {
  write_all_vector_bytes(m_fd, m_buffer.data(), m_buffer.size(), m_tmp);
  m_buffer.clear();
  write_all_vector_bytes(m_codes_fd, m_codes_buffer.data(), m_codes_buffer.size(), m_codes_tmp);
  m_codes_buffer.clear();
}

void VectorFileWriter::add(int64_t chunk_id, const float *vector) {
  const size_t floats = size_t{m_header.dimensions} * sizeof(float);
  m_buffer.append(reinterpret_cast<const char *>(&chunk_id), sizeof chunk_id);
  m_buffer.append(reinterpret_cast<const char *>(vector), floats);
  const float scale = quantise(vector, m_header.dimensions, m_code.data());
  m_codes_buffer.append(reinterpret_cast<const char *>(&scale), sizeof scale);
  m_codes_buffer.append(reinterpret_cast<const char *>(m_code.data()), m_code.size());
  ++m_header.count;
  if (m_buffer.size() >= (1u << 20)) flush();
}

// The codes, written aside while the rows streamed, go after the rows.
void VectorFileWriter::append_codes() {
  std::string block(1u << 20, '\0');
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(m_codes_fd, block.data(), block.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_vector_io("cannot read", m_codes_tmp);
    if (n == 0) break;
    write_all_vector_bytes(m_fd, block.data(), static_cast<size_t>(n), m_tmp);
    at += n;
  }
  ::close(m_codes_fd);
  m_codes_fd = -1;
  ::unlink(m_codes_tmp.c_str());
}

void VectorFileWriter::publish() {
  flush();
  append_codes();
  const std::string header = encode_header(m_header);
  if (::pwrite(m_fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size()))
    fail_vector_io("cannot write", m_tmp);
  if (::fsync(m_fd) != 0) fail_vector_io("cannot sync", m_tmp);
  ::close(m_fd);
  m_fd = -1;
  if (::rename(m_tmp.c_str(), m_file.c_str()) != 0) {
    const int saved = errno;
    ::unlink(m_tmp.c_str());
    errno = saved;
    fail_vector_io("cannot rename into", m_file);
  }
  const int dir = ::open(m_file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::filesystem::path vector_file_path(const std::string &db_file, int64_t collection_id) {
  if (db_file.empty() || db_file == ":memory:" || db_file.rfind("file:", 0) == 0) return {};
  return std::filesystem::path(db_file + ".vectors") / ("c" + std::to_string(collection_id) + ".f32");
}

void invalidate_vector_file(const std::string &db_file, int64_t collection_id) {
  const std::filesystem::path file = vector_file_path(db_file, collection_id);
  if (file.empty()) return;
  if (::unlink(file.c_str()) != 0 && errno != ENOENT)
    fail_vector_io("cannot remove the stale vector file", file); // left there it would answer for old vectors
}

ScoredIds top_k_rows(const std::byte *rows, size_t count, uint32_t dimensions, const float *query, size_t k) {
  using Entry = std::pair<float, int64_t>; // score, -id: the heap's top is the worst kept
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> best;
  if (k == 0) return {};
  const size_t stride = row_bytes(dimensions);
  for (size_t i = 0; i < count; ++i) {
    const std::byte *row = rows + i * stride;
    // Rows are 4-byte aligned (the header is 256 bytes, a row 8 + 4d).
    const float score = dot(reinterpret_cast<const float *>(row + sizeof(int64_t)), query, dimensions);
    if (best.size() == k && !(score > best.top().first)) continue;
    int64_t id;
    std::memcpy(&id, row, sizeof id);
    if (best.size() == k) best.pop();
    best.emplace(score, -id);
  }
  ScoredIds out;
  out.reserve(best.size());
  while (!best.empty()) {
    out.emplace_back(-best.top().second, best.top().first);
    best.pop();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

ScoredIds top_k_quantised(const VectorFile &file, const float *query, size_t k) {
  const size_t count = file.count();
  const uint32_t dimensions = file.dimensions();
  if (k == 0 || count == 0) return {};
  std::vector<int8_t> q(code_width(dimensions));
  quantise(query, dimensions, q.data());
  // Pass 1, the codes: the best `wanted` rows by approximate score (the
  // query's own scale is common to all and left out).
  const size_t wanted = std::min(count, std::max(k * kRerankFactor, kRerankMin));
  using Entry = std::pair<float, size_t>; // approximate score, row index
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> best;
  const size_t stride = code_bytes(dimensions);
  for (size_t i = 0; i < count; ++i) {
    const std::byte *code = file.codes() + i * stride;
    const float score =
        code_scale(code) * static_cast<float>(dot_codes(reinterpret_cast<const int8_t *>(code + sizeof(float)),
                                                        q.data(), q.size()));
    if (best.size() == wanted && !(score > best.top().first)) continue;
    if (best.size() == wanted) best.pop();
    best.emplace(score, i);
  }
  // Pass 2, the candidates' float32 rows: exact scores, exact order.
  ScoredIds out;
  out.reserve(best.size());
  const size_t row_stride = row_bytes(dimensions);
  for (; !best.empty(); best.pop()) {
    const std::byte *row = file.rows() + best.top().second * row_stride;
    int64_t id;
    std::memcpy(&id, row, sizeof id);
    out.emplace_back(id, dot(reinterpret_cast<const float *>(row + sizeof(int64_t)), query, dimensions));
  }
  std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) {
    if (a.second != b.second) return a.second > b.second;
    return a.first < b.first;
  });
  if (out.size() > k) out.resize(k);
  return out;
}

ScoredIds top_k(const VectorFile &file, const float *query, size_t k) {
  if (file.count() < kQuantisedScanFrom || k >= file.count())
    return top_k_rows(file.rows(), file.count(), file.dimensions(), query, k);
  return top_k_quantised(file, query, k);
}

} // namespace webox::rag
