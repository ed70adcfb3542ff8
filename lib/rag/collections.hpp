// The rag collections in the store (migration 12): collections, their
// documents, chunks, vectors. Every write of one document is one
// transaction: an interrupted `rag index` leaves whole documents only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/rag/chunker.hpp"

namespace webox::store {
class Db;
}

namespace webox::rag {

struct CollectionInfo {
  int64_t id = 0;
  std::string name;
  std::string embed_model; // "provider:model", "" = lexical only
  int64_t dimensions = 0;  // 0 = no vectors
  bool dimensions_asked = false; // indexed with --dimensions: queries ask for the same
  std::string created_at;
  std::string updated_at;
  int64_t documents = 0;
  int64_t chunks = 0;
  int64_t vectors = 0;
  int64_t bytes = 0; // sum of the documents' sizes
};

// Whether find() counts the documents, chunks and vectors (a walk over all
// of them) or leaves them 0 (a search needs only the collection's row).
enum class Counts { no, yes };

// What the store knows of a document, to decide whether a file changed.
struct DocumentState {
  std::string hash;
  int64_t mtime = 0;
  int64_t size = 0;
};

struct DocumentRecord {
  std::string path; // absolute
  std::string hash;
  int64_t mtime = 0;
  int64_t size = 0;
  DocKind kind = DocKind::text;
};

// Throws UsageError unless `name` is 1-64 characters of letters, digits,
// '.', '_' and '-', not starting with '.' or '-' (no '/', so it never looks
// like a path).
void validate_collection_name(const std::string &name);

// The message telling how to rebuild `name` with `model` ("" = lexical).
std::string reindex_hint(const std::string &name, const std::string &model);

class Collections {
public:
  explicit Collections(store::Db &db) : m_db(db) {}
  store::Db &db() { return m_db; }

  std::optional<CollectionInfo> find(const std::string &name, Counts counts = Counts::yes);
  // The collection, created when missing.
  CollectionInfo open_or_create(const std::string &name);
  std::vector<CollectionInfo> list();
  // False when there was no such collection.
  bool drop(const std::string &name);
  // Records the embedding model and dimension (first vectors of a collection).
  void set_embedding(int64_t collection_id, const std::string &model, int64_t dimensions, bool dimensions_asked);

  std::map<std::string, DocumentState> documents(int64_t collection_id);
  // Replaces the document at record.path with `chunks` (and `vectors`, one
  // per chunk, already normalised; empty for a lexical collection), in one
  // transaction.
  void put_document(int64_t collection_id, const DocumentRecord &record, const std::vector<Chunk> &chunks,
                    const std::vector<std::vector<float>> &vectors);
  void remove_document(int64_t collection_id, const std::string &path);
  // `rag index --rebuild`: forgets the hash, mtime and size of these
  // documents in one transaction, so that the runs from now on re-read,
  // re-chunk and re-embed each of them; until its turn comes, a document's
  // old chunks keep answering searches. An interrupted rebuild thus leaves
  // the rest marked, and the next `rag index` finishes it.
  void mark_stale(int64_t collection_id, const std::vector<std::string> &paths);
  // Only the mtime changed (same bytes): remember it so the hash is not read again.
  void touch_document(int64_t collection_id, const std::string &path, int64_t mtime);
  void mark_updated(int64_t collection_id);

private:
  store::Db &m_db;
};

} // namespace webox::rag
