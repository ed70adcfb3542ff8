#include "lib/rag/search.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <functional>
#include <queue>


#include "lib/core/error.hpp"
#include "lib/rag/vector_file.hpp"
#include "lib/store/db.hpp"

namespace webox::rag {

std::vector<std::string> fts_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (words.size() < 64) words.push_back(word); // a pasted page is not a better query than its first 64 words
    word.clear();
  };
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    // Letters and digits of any script (bytes >= 0x80 belong to UTF-8
    // characters); the unicode61 tokenizer splits them the same way.
    if (c >= 0x80 || std::isalnum(c)) word += ch;
    else flush();
  }
  flush();
  return words;
}

namespace {

std::string fts_match_of(const std::vector<std::string> &words) {
  std::string out;
  for (const auto &w : words) {
    if (!out.empty()) out += " OR ";
    out += "\"" + w + "\"";
  }
  return out;
}

// SQLite FTS5 only (the one place this file reads FTS5's vocabulary): how
// many rows of rag_fts hold `word`, as the index spells its tokens. Only
// ASCII letters are folded here; a word with other characters may be
// spelled otherwise by the tokenizer (diacritics removed) and is then
// reported as held by none (kept: the safe side).
int64_t fts5_rows_holding(store::Db &db, const std::string &word) {
  std::string token = word;
  for (char &c : token) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  store::Statement q(db, "SELECT doc FROM temp.rag_fts_terms WHERE term = ?");
  q.bind(1, token);
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

// PostgreSQL has no FTS5: a chunk scores 1 for each query word its text
// holds and 0.5 for each its heading holds (ILIKE, ASCII case ignored; a
// scan of the collection's chunks), best first, then by id.
Ranked rag_word_search(store::Db &db, int64_t collection_id, std::string_view query, size_t k) {
  std::vector<std::string> words = fts_words(query);
  if (words.size() > 16) words.resize(16); // one ILIKE scan per word
  Ranked out;
  if (words.empty() || k == 0) return out;
  std::string score;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string p = ":w" + std::to_string(i);
    if (!score.empty()) score += " + ";
    score += "(CASE WHEN k.text ILIKE " + p + " THEN 1.0 ELSE 0.0 END) + (CASE WHEN k.heading ILIKE " + p +
             " THEN 0.5 ELSE 0.0 END)";
  }
  return store::guarded(db, [&] {
    store::Statement q(db, "SELECT id, score FROM (SELECT k.id AS id, " + score +
                               " AS score FROM rag_chunks k JOIN rag_documents d ON d.id = k.document_id "
                               "WHERE d.collection_id = :collection) m WHERE score > 0 ORDER BY score DESC, id LIMIT :k");
    for (size_t i = 0; i < words.size(); ++i) q.bind((":w" + std::to_string(i)).c_str(), "%" + words[i] + "%");
    q.bind(":collection", collection_id);
    q.bind(":k", static_cast<int64_t>(k));
    while (q.executeStep()) out.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getDouble());
    return out;
  });
}

} // namespace

std::vector<std::string> selective_words(store::Db &db, const std::vector<std::string> &words, size_t k,
                                         int64_t min_rows) {
  if (words.size() < 2) return words;
  return store::guarded(db, [&] {
    // An upper bound of the rows of rag_fts (one per chunk; ids only grow):
    // a word is dropped only if it is common against at least the true count.
    store::Statement rows(db, "SELECT coalesce(max(id), 0) FROM rag_chunks");
    const int64_t total = rows.executeStep() ? rows.getColumn(0).getInt64() : 0;
    if (total < min_rows) return words;
    store::Statement(db, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.rag_fts_terms USING fts5vocab(main, 'rag_fts', 'row')")
        .exec();
    std::vector<std::string> kept;
    int64_t most_held = 0;
    for (const auto &w : words) {
      const int64_t held = fts5_rows_holding(db, w);
      if (2 * held >= total) continue;
      kept.push_back(w);
      most_held = std::max(most_held, held);
    }
    if (kept.size() == words.size() || most_held < static_cast<int64_t>(k)) return words;
    return kept;
  });
}

std::string fts_query(std::string_view text) { return fts_match_of(fts_words(text)); }

Ranked bm25_search(store::Db &db, int64_t collection_id, std::string_view query, size_t k) {
  if (db.backend().kind() != "sqlite") return rag_word_search(db, collection_id, query, k);
  const std::vector<std::string> words = fts_words(query);
  Ranked out;
  if (words.empty() || k == 0) return out;
  const std::string match = fts_match_of(selective_words(db, words, k));
  return store::guarded(db, [&] {
    store::Statement q(db, R"sql(
      SELECT rag_fts.rowid, bm25(rag_fts, 1.0, 0.5) AS rank
      FROM rag_fts
      JOIN rag_chunks k ON k.id = rag_fts.rowid
      JOIN rag_documents d ON d.id = k.document_id
      WHERE rag_fts MATCH ? AND d.collection_id = ?
      ORDER BY rank LIMIT ?)sql");
    q.bind(1, match);
    q.bind(2, collection_id);
    q.bind(3, static_cast<int64_t>(k));
    while (q.executeStep()) out.emplace_back(q.getColumn(0).getInt64(), -q.getColumn(1).getDouble());
    return out;
  });
}

Ranked scan_stored_vectors(store::Db &db, int64_t collection_id, const std::vector<float> &query, size_t k) {
  using Entry = std::pair<double, int64_t>; // score, -id: a min-heap of the best k, ties to the lower id (as top_k)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> best;
  if (k == 0 || query.empty()) return {};
  store::guarded(db, [&] {
    store::Statement q(db, "SELECT chunk_id, vector FROM rag_vectors WHERE collection_id = ? ORDER BY chunk_id");
    q.bind(1, collection_id);
    const size_t bytes = query.size() * sizeof(float);
    std::vector<float> v(query.size());
    while (q.executeStep()) {
      store::Column blob = q.getColumn(1);
      if (static_cast<size_t>(blob.getBytes()) != bytes) continue; // cannot happen: one dimension per collection
      std::memcpy(v.data(), blob.getBlob(), bytes);                  // the blob may be unaligned
      const double score = dot(v.data(), query.data(), v.size());
      if (best.size() == k && !(score > best.top().first)) continue;
      if (best.size() == k) best.pop();
      best.emplace(score, -q.getColumn(0).getInt64());
    }
  });
  Ranked out;
  while (!best.empty()) {
    out.emplace_back(-best.top().second, best.top().first);
    best.pop();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

namespace {

VectorFileExpect vector_file_expect(const CollectionInfo &c) {
  return {c.id, c.embed_model, static_cast<uint32_t>(c.dimensions)};
}

} // namespace

void refresh_vector_file(store::Db &db, const CollectionInfo &c) {
  const std::filesystem::path file = vector_file_path(db.file(), c.id);
  if (file.empty() || c.embed_model.empty() || c.dimensions <= 0 || c.dimensions > kMaxDimensions) return;
  const VectorFileExpect expect = vector_file_expect(c);
  store::guarded(db, [&] {
    // The write lock: no writer commits (and unlinks the file) between this
    // read of the vectors and the rename of the file they make.
    store::WriteTransaction tx(db);
    std::string why;
    if (VectorFile::open(file, expect, why)) return; // another process rebuilt it while this one waited
    VectorFileWriter out(file, expect);
    store::Statement q(db, "SELECT chunk_id, vector FROM rag_vectors WHERE collection_id = ? ORDER BY chunk_id");
    q.bind(1, c.id);
    const size_t bytes = static_cast<size_t>(c.dimensions) * sizeof(float);
    std::vector<float> v(static_cast<size_t>(c.dimensions));
    while (q.executeStep()) {
      store::Column blob = q.getColumn(1);
      if (static_cast<size_t>(blob.getBytes()) != bytes)
        throw Error("collection " + c.name + ": the vector of chunk " + std::to_string(q.getColumn(0).getInt64()) +
                    " holds " + std::to_string(blob.getBytes()) + " bytes, not " + std::to_string(c.dimensions) +
                    " float32; " + reindex_hint(c.name, c.embed_model));
      std::memcpy(v.data(), blob.getBlob(), bytes);
      out.add(q.getColumn(0).getInt64(), v.data());
    }
    out.publish();
    tx.commit();
  });
}

Ranked vector_search(store::Db &db, const CollectionInfo &c, const std::vector<float> &query, size_t k) {
  if (k == 0 || query.empty()) return {};
  if (query.size() != static_cast<size_t>(c.dimensions))
    throw UsageError("collection " + c.name + " holds vectors of " + std::to_string(c.dimensions) +
                     " dimensions, the query has " + std::to_string(query.size()) + "; " +
                     reindex_hint(c.name, c.embed_model));
  const std::filesystem::path file = vector_file_path(db.file(), c.id);
  // An in-memory store, or a dimension no vector file holds.
  if (file.empty() || c.dimensions > kMaxDimensions) return scan_stored_vectors(db, c.id, query, k);
  const VectorFileExpect expect = vector_file_expect(c);
  std::string why;
  std::optional<VectorFile> vectors = VectorFile::open(file, expect, why);
  if (!vectors) {
    try {
      refresh_vector_file(db, c);
    } catch (const VectorFileWriteError &) {
      // Nowhere to write the file (a read-only data dir, a full disk): the
      // stored vectors still give the exact answer, only slower.
      return scan_stored_vectors(db, c.id, query, k);
    }
    vectors = VectorFile::open(file, expect, why);
    if (!vectors)
      throw Error("the vector file " + file.string() + " of collection " + c.name + " is unusable (" + why +
                  ") even after a rebuild; delete it and run 'webox rag index " + c.name + " PATHS...' again");
  }
  return top_k(*vectors, query.data(), k);
}

Ranked fuse_rrf(const std::vector<Ranked> &lists, size_t k, double c) {
  std::map<int64_t, double> score;
  std::map<int64_t, size_t> first_seen; // ties: the earlier list's order
  size_t order = 0;
  for (const auto &list : lists)
    for (size_t rank = 0; rank < list.size(); ++rank) {
      score[list[rank].first] += 1.0 / (c + static_cast<double>(rank + 1));
      first_seen.emplace(list[rank].first, order++);
    }
  Ranked out(score.begin(), score.end());
  std::sort(out.begin(), out.end(), [&](const auto &a, const auto &b) {
    if (a.second != b.second) return a.second > b.second;
    return first_seen[a.first] < first_seen[b.first];
  });
  if (out.size() > k) out.resize(k);
  return out;
}

std::vector<Hit> load_hits(store::Db &db, const Ranked &ranked) {
  return store::guarded(db, [&] {
    std::vector<Hit> out;
    store::Statement q(db, R"sql(
      SELECT d.path, k.heading, k.line_start, k.line_end, k.text
      FROM rag_chunks k JOIN rag_documents d ON d.id = k.document_id WHERE k.id = ?)sql");
    for (const auto &[id, score] : ranked) {
      q.bind(1, id);
      if (q.executeStep()) {
        Hit h;
        h.chunk_id = id;
        h.path = q.getColumn(0).getString();
        h.heading = q.getColumn(1).getString();
        h.line_start = q.getColumn(2).getInt();
        h.line_end = q.getColumn(3).getInt();
        h.text = q.getColumn(4).getString();
        h.score = score;
        out.push_back(std::move(h));
      }
      q.reset();
    }
    return out;
  });
}

} // namespace webox::rag
