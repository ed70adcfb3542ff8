// Retrieval over one collection: BM25 over the FTS5 index (offline, the
// default), exact cosine similarity over the stored float32 vectors, and the
// reciprocal-rank fusion of both (hybrid, when the collection has vectors).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/rag/collections.hpp"
#include "lib/rag/vector_file.hpp"

namespace webox::store {
class Db;
}

namespace webox::rag {

struct Hit {
  int64_t chunk_id = 0;
  std::string path;
  std::string heading;
  int line_start = 0;
  int line_end = 0;
  std::string text;
  double score = 0; // bm25 (higher is better), cosine, or fused
};

using Ranked = std::vector<std::pair<int64_t, double>>; // chunk id, score; best first

// The FTS5 query for free text: each word quoted (so no user text is read
// as FTS5 syntax) and joined with OR, bm25 doing the ranking. "" when the
// text holds no word.
std::string fts_query(std::string_view text);

// The words fts_query quotes, in order (at most 64).
std::vector<std::string> fts_words(std::string_view text);

// The words of a query worth matching: those that at most half of the
// full-text rows hold. BM25 gives a word held by half the rows or more an
// IDF of zero (FTS5 then uses 1e-6), so it cannot change the order of rows
// that match another word, while matching it costs a walk of its whole
// posting list (a million rows for a stop word of a million chunks: a
// second). Dropped only from an index of `min_rows` rows (below, the walk is
// cheap and the lookup would cost more), and only when a word kept is held by
// at least k rows (so the answer keeps its k rows); otherwise `words` as they
// are. Document frequencies come from FTS5's vocabulary (fts5vocab).
constexpr int64_t kSelectiveFromRows = 50000;
std::vector<std::string> selective_words(store::Db &db, const std::vector<std::string> &words, size_t k,
                                         int64_t min_rows = kSelectiveFromRows);

// BM25 over the collection's chunks, best first (scores negated: higher is
// better), on the selective words of the query.
Ranked bm25_search(store::Db &db, int64_t collection_id, std::string_view query, size_t k);

// Exact cosine over the collection's vectors (all normalised), best first:
// a scan of its memory-mapped vector file (lib/rag/vector_file.hpp), made
// from the stored vectors when it is missing or does not match the store.
// Falls back to scan_stored_vectors when the file cannot be written.
// UsageError when the query's dimension is not the collection's.
Ranked vector_search(store::Db &db, const CollectionInfo &collection, const std::vector<float> &query, size_t k);

// The same answer read from the stored BLOBs (one SQLite row per vector):
// the fallback, and the reference the vector file is measured against.
// Streams the vectors and keeps a k-heap: memory is k, not the collection.
Ranked scan_stored_vectors(store::Db &db, int64_t collection_id, const std::vector<float> &query, size_t k);

// (Re)writes the collection's vector file from the stored vectors unless a
// valid one is there, under the store's write lock. Nothing for a lexical
// collection or an in-memory store. Error when a stored vector has the
// wrong size; VectorFileWriteError when the file cannot be written.
void refresh_vector_file(store::Db &db, const CollectionInfo &collection);

// Reciprocal-rank fusion: score = sum over the lists of 1 / (c + rank), rank from 1.
Ranked fuse_rrf(const std::vector<Ranked> &lists, size_t k, double c = 60.0);

// The hits for `ranked`, in its order, with their documents' paths.
std::vector<Hit> load_hits(store::Db &db, const Ranked &ranked);

} // namespace webox::rag
