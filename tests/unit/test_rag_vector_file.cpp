// lib/rag/vector_file: the memory-mapped vectors of a collection (header
// checks, truncation, corruption, mismatches), the top-k scan, and the file
// staying in step with the store it caches.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "lib/core/error.hpp"
#include "lib/rag/collections.hpp"
#include "lib/rag/search.hpp"
#include "lib/rag/vector_file.hpp"
#include "lib/store/db.hpp"
#include "temp_dir.hpp"

using namespace webox;
using namespace webox::rag;

namespace {

std::string vector_file_bytes(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_vector_file_bytes(const std::filesystem::path &p, const std::string &bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

const VectorFileExpect kVectorFileExpect{7, "ollama:nomic-embed-text", 3};

// Rows {1,0,0} id 10, {0,1,0} id 20, {0.6,0.8,0} id 30.
std::filesystem::path vector_file_of_three_rows(const TempDir &dir) {
  const auto file = dir.path / "c7.f32";
  VectorFileWriter w(file, kVectorFileExpect);
  const float a[] = {1, 0, 0}, b[] = {0, 1, 0}, c[] = {0.6f, 0.8f, 0};
  w.add(10, a);
  w.add(20, b);
  w.add(30, c);
  w.publish();
  return file;
}

std::vector<float> random_unit_vector(std::mt19937 &rng, size_t dim) {
  std::normal_distribution<float> n;
  std::vector<float> v(dim);
  for (float &x : v) x = n(rng);
  normalise(v);
  return v;
}

std::vector<Chunk> numbered_chunks(size_t n) {
  std::vector<Chunk> out(n);
  for (size_t i = 0; i < n; ++i) out[i].text = "chunk " + std::to_string(i);
  return out;
}

} // namespace

TEST_CASE("a vector file written then mapped gives its rows back", "[rag][vector_file]") {
  TempDir dir;
  const auto file = vector_file_of_three_rows(dir);
  // The float32 rows, then their int8 codes (scale + 32 padded bytes each).
  CHECK(std::filesystem::file_size(file) == kHeaderBytes + 3 * (row_bytes(3) + sizeof(float) + 32));
  std::string why;
  auto f = VectorFile::open(file, kVectorFileExpect, why);
  REQUIRE(f);
  CHECK(f->count() == 3);
  CHECK(f->dimensions() == 3);
  const float q[] = {0, 1, 0};
  ScoredIds best = top_k(*f, q, 2);
  REQUIRE(best.size() == 2);
  CHECK(best[0].first == 20);
  CHECK(best[1].first == 30);
  CHECK(best[1].second == Approx(0.8));
  CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
}

TEST_CASE("a truncated, extended or corrupt vector file is refused with the reason", "[rag][vector_file]") {
  TempDir dir;
  const auto file = vector_file_of_three_rows(dir);
  const std::string good = vector_file_bytes(file);
  std::string why;
  auto refused = [&](const std::string &bytes) {
    write_vector_file_bytes(file, bytes);
    why.clear();
    return !VectorFile::open(file, kVectorFileExpect, why).has_value();
  };
  CHECK(refused(good.substr(0, good.size() - 1)));
  CHECK(why.find("does not hold the 3 rows") != std::string::npos);
  CHECK(refused(good.substr(0, kHeaderBytes + row_bytes(3)))); // a whole row short: what a crash mid-append leaves
  CHECK(refused(good + std::string(row_bytes(3), '\0')));      // a row more than the header says
  CHECK(refused(good.substr(0, 100)));
  CHECK(why.find("truncated header") != std::string::npos);
  CHECK(refused(""));
  std::string flipped = good;
  flipped[16] ^= 1; // the count
  CHECK(refused(flipped));
  CHECK(why == "header checksum mismatch");
  std::string magic = good;
  magic[0] = 'X';
  CHECK(refused(magic));
  CHECK(why.find("bad magic") != std::string::npos);
  CHECK_FALSE(refused(good));
}

TEST_CASE("a vector file for another collection, model or dimension is refused", "[rag][vector_file]") {
  TempDir dir;
  const auto file = vector_file_of_three_rows(dir);
  std::string why;
  CHECK_FALSE(VectorFile::open(file, {7, "ollama:nomic-embed-text", 4}, why));
  CHECK(why == "3 dimensions, the collection has 4");
  CHECK_FALSE(VectorFile::open(file, {8, "ollama:nomic-embed-text", 3}, why));
  CHECK(why == "written for collection 7");
  CHECK_FALSE(VectorFile::open(file, {7, "openai:text-embedding-3-small", 3}, why));
  CHECK(why.find("vectors of ollama:nomic-embed-text") != std::string::npos);
  CHECK_FALSE(VectorFile::open(dir.path / "absent.f32", kVectorFileExpect, why));
}

TEST_CASE("the header reader bounds what a well-checksummed header claims", "[rag][vector_file]") {
  // A header can carry a valid checksum and still lie: the size check is done
  // by division, so a count near 2^64 neither overflows nor reads past the end.
  VectorFileHeader h;
  h.dimensions = 3;
  h.collection_id = 7;
  h.model = kVectorFileExpect.model;
  h.count = ~uint64_t{0};
  CHECK_FALSE(read_header(encode_header(h), kVectorFileExpect).header);
  h.count = 0;
  CHECK(read_header(encode_header(h), kVectorFileExpect).header); // an empty collection
  h.dimensions = kMaxDimensions + 1;
  CHECK(read_header(encode_header(h), kVectorFileExpect).why.find("out of range") != std::string::npos);
  h.dimensions = 0;
  CHECK_FALSE(read_header(encode_header(h), kVectorFileExpect).header);
  std::string long_model = encode_header({3, 0, 7, kVectorFileExpect.model});
  const uint32_t too_long = kModelBytes + 1;
  std::memcpy(long_model.data() + 32, &too_long, 4);
  CHECK_FALSE(read_header(long_model, kVectorFileExpect).header); // caught by the checksum first, never read
  CHECK_FALSE(read_header(std::string(kHeaderBytes - 1, 'W'), kVectorFileExpect).header);
}

TEST_CASE("top-k is bounded, best first, ties to the lower chunk id", "[rag][vector_file]") {
  TempDir dir;
  const auto file = dir.path / "c7.f32";
  VectorFileWriter w(file, kVectorFileExpect);
  const float same[] = {1, 0, 0}, other[] = {0, 0, 1};
  for (int64_t id : {5, 6, 7}) w.add(id, same);
  w.add(8, other);
  w.publish();
  std::string why;
  auto f = VectorFile::open(file, kVectorFileExpect, why);
  REQUIRE(f);
  const float q[] = {1, 0, 0};
  ScoredIds two = top_k(*f, q, 2);
  REQUIRE(two.size() == 2);
  CHECK(two[0].first == 5);
  CHECK(two[1].first == 6);
  CHECK(top_k(*f, q, 100).size() == 4);
  CHECK(top_k(*f, q, 100).back().first == 8);
  CHECK(top_k(*f, q, 0).empty());
}

TEST_CASE("dot product: SIMD blocks and scalar tail agree with a double sum", "[rag][vector_file]") {
  std::mt19937 rng(3);
  for (size_t n = 0; n <= 70; ++n) {
    std::vector<float> a = random_unit_vector(rng, n), b = random_unit_vector(rng, n);
    double want = 0;
    for (size_t i = 0; i < n; ++i) want += static_cast<double>(a[i]) * b[i];
    CHECK(dot(a.data(), b.data(), n) == Approx(want).margin(1e-5));
  }
}

TEST_CASE("int8 codes: the integer dot product of every width, and quantisation within half a step",
          "[rag][vector_file]") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> code(-127, 127);
  for (size_t width = kCodeAlign; width <= 8 * kCodeAlign; width += kCodeAlign) {
    std::vector<int8_t> a(width), b(width);
    int64_t want = 0;
    for (size_t i = 0; i < width; ++i) {
      a[i] = static_cast<int8_t>(code(rng));
      b[i] = static_cast<int8_t>(code(rng));
      want += int64_t{a[i]} * b[i];
    }
    CHECK(dot_codes(a.data(), b.data(), width) == want);
  }
  std::vector<int8_t> extremes(kCodeAlign, 127), negative(kCodeAlign, -127); // the largest sums: no saturation
  CHECK(dot_codes(extremes.data(), extremes.data(), kCodeAlign) == 127 * 127 * int32_t{kCodeAlign});
  CHECK(dot_codes(extremes.data(), negative.data(), kCodeAlign) == -127 * 127 * int32_t{kCodeAlign});

  std::vector<float> v = random_unit_vector(rng, 50);
  std::vector<int8_t> codes(code_width(50), 1);
  const float scale = quantise(v.data(), v.size(), codes.data());
  for (size_t i = 0; i < v.size(); ++i) CHECK(std::fabs(codes[i] * scale - v[i]) <= scale / 2 + 1e-7f);
  for (size_t i = v.size(); i < codes.size(); ++i) CHECK(codes[i] == 0); // the padding
  std::vector<float> zeros(50, 0.0f);
  CHECK(quantise(zeros.data(), zeros.size(), codes.data()) == 0.0f);
}

TEST_CASE("a large vector file: candidates from the codes, exact scores; recall against the exact scan",
          "[rag][vector_file]") {
  // 20,000 random unit vectors of 384 dimensions: the hard case for
  // quantisation (no cluster; the top scores lie close together).
  TempDir dir;
  const auto file = dir.path / "c7.f32";
  const VectorFileExpect expect{7, "ollama:nomic-embed-text", 384};
  std::mt19937 rng(29);
  {
    VectorFileWriter w(file, expect);
    for (int64_t id = 1; id <= 20000; ++id) w.add(id, random_unit_vector(rng, 384).data());
    w.publish();
  }
  std::string why;
  auto f = VectorFile::open(file, expect, why);
  REQUIRE(f);
  REQUIRE(f->count() >= kQuantisedScanFrom);
  for (size_t k : {size_t{10}, size_t{50}}) {
    size_t found = 0, wanted = 0;
    for (int q = 0; q < 20; ++q) {
      const std::vector<float> query = random_unit_vector(rng, 384);
      const ScoredIds exact = top_k_rows(f->rows(), f->count(), 384, query.data(), k);
      const ScoredIds fast = top_k(*f, query.data(), k);
      REQUIRE(fast.size() == k);
      for (size_t i = 0; i < k; ++i) {
        const auto same = std::find_if(exact.begin(), exact.end(), [&](const auto &e) { return e.first == fast[i].first; });
        if (same != exact.end()) {
          ++found;
          CHECK(same->second == Approx(fast[i].second).epsilon(1e-6)); // the exact score, not the code's
        }
      }
      wanted += k;
    }
    INFO("recall@" << k << " = " << found << "/" << wanted);
    CHECK(found == wanted);
  }
}

TEST_CASE("vector search over the file answers as the stored vectors, and follows every change",
          "[rag][vector_file]") {
  TempDir dir;
  const std::string db_file = (dir.path / "webox.db").string();
  store::Db db(db_file);
  Collections c(db);
  CollectionInfo notes = c.open_or_create("notes");
  const size_t dim = 24;
  c.set_embedding(notes.id, "ollama:nomic-embed-text", dim, false);
  notes = *c.find("notes");
  std::mt19937 rng(17);
  for (int d = 0; d < 20; ++d) {
    std::vector<std::vector<float>> vectors;
    for (int i = 0; i < 15; ++i) vectors.push_back(random_unit_vector(rng, dim));
    c.put_document(notes.id, {"/d/" + std::to_string(d), "h", 1, 1, DocKind::text}, numbered_chunks(15), vectors);
  }
  const std::filesystem::path file = vector_file_path(db_file, notes.id);
  CHECK_FALSE(std::filesystem::exists(file));
  for (int q = 0; q < 5; ++q) {
    std::vector<float> query = random_unit_vector(rng, dim);
    Ranked from_file = vector_search(db, notes, query, 10);
    Ranked from_store = scan_stored_vectors(db, notes.id, query, 10);
    REQUIRE(from_file.size() == 10);
    for (size_t i = 0; i < 10; ++i) CHECK(from_file[i].first == from_store[i].first);
  }
  CHECK(std::filesystem::exists(file));

  // A document re-indexed with new vectors (the ids of its chunks may be
  // reused): the file is dropped in the same transaction, the next search
  // rebuilds it and finds the new vector.
  std::vector<float> target = random_unit_vector(rng, dim);
  std::vector<std::vector<float>> replaced(15, random_unit_vector(rng, dim));
  replaced[3] = target;
  c.put_document(notes.id, {"/d/19", "h2", 2, 1, DocKind::text}, numbered_chunks(15), replaced);
  CHECK_FALSE(std::filesystem::exists(file));
  Ranked after = vector_search(db, notes, target, 1);
  REQUIRE(after.size() == 1);
  CHECK(after[0].second == Approx(1.0));
  CHECK(after[0].first == scan_stored_vectors(db, notes.id, target, 1)[0].first);

  c.remove_document(notes.id, "/d/19");
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK(vector_search(db, notes, target, 1)[0].second < 0.99);

  // A file truncated behind webox's back is rebuilt, not trusted.
  std::filesystem::resize_file(file, std::filesystem::file_size(file) - 4);
  CHECK(vector_search(db, notes, target, 3) == scan_stored_vectors(db, notes.id, target, 3));

  // The query's dimension is checked against the collection's.
  CHECK_THROWS_AS(vector_search(db, notes, std::vector<float>(dim + 1, 0.1f), 3), UsageError);

  CHECK(c.drop("notes"));
  CHECK_FALSE(std::filesystem::exists(file));
}
