#include "lib/rag/collections.hpp"


#include "lib/core/error.hpp"
#include "lib/rag/vector_file.hpp"
#include "lib/store/db.hpp"

namespace webox::rag {

void validate_collection_name(const std::string &name) {
  auto fail = [&](const std::string &why) {
    throw UsageError("invalid collection name '" + name + "': " + why +
                     " (letters, digits, '.', '_' and '-', at most 64, not starting with '.' or '-')");
  };
  if (name.empty()) fail("it is empty");
  if (name.size() > 64) fail("it is longer than 64 characters");
  if (name.front() == '.' || name.front() == '-') fail("it starts with '" + std::string(1, name.front()) + "'");
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (c == '/') fail("it contains '/'");
    if (!ok) fail("it contains a character that is not allowed");
  }
}

std::string reindex_hint(const std::string &name, const std::string &model) {
  return "to rebuild it, run 'webox rag drop " + name + "' then 'webox rag index " + name + " PATHS..." +
         (model.empty() ? "" : " -m " + model) + "'";
}

namespace {

CollectionInfo read_info(store::Statement &q) {
  CollectionInfo c;
  c.id = q.getColumn(0).getInt64();
  c.name = q.getColumn(1).getString();
  c.embed_model = q.getColumn(2).isNull() ? "" : q.getColumn(2).getString();
  c.dimensions = q.getColumn(3).isNull() ? 0 : q.getColumn(3).getInt64();
  c.created_at = q.getColumn(4).getString();
  c.updated_at = q.getColumn(5).getString();
  c.documents = q.getColumn(6).getInt64();
  c.bytes = q.getColumn(7).getInt64();
  c.chunks = q.getColumn(8).getInt64();
  c.vectors = q.getColumn(9).getInt64();
  c.dimensions_asked = q.getColumn(10).getInt() != 0;
  return c;
}

constexpr const char *kInfoSelect = R"sql(
  SELECT c.id, c.name, c.embed_model, c.dimensions, c.created_at, c.updated_at,
         (SELECT count(*) FROM rag_documents d WHERE d.collection_id = c.id),
         (SELECT coalesce(sum(size), 0) FROM rag_documents d WHERE d.collection_id = c.id),
         (SELECT count(*) FROM rag_chunks k JOIN rag_documents d ON d.id = k.document_id WHERE d.collection_id = c.id),
         (SELECT count(*) FROM rag_vectors v WHERE v.collection_id = c.id),
         c.dimensions_asked
  FROM rag_collections c)sql";

// The same columns without the counts, which walk every chunk and vector of
// the collection (a third of a 100k-chunk search's time): what a search needs.
constexpr const char *kRowSelect = R"sql(
  SELECT c.id, c.name, c.embed_model, c.dimensions, c.created_at, c.updated_at, 0, 0, 0, 0, c.dimensions_asked
  FROM rag_collections c)sql";

} // namespace

std::optional<CollectionInfo> Collections::find(const std::string &name, Counts counts) {
  return store::guarded(m_db, [&]() -> std::optional<CollectionInfo> {
    store::Statement q(m_db, std::string(counts == Counts::yes ? kInfoSelect : kRowSelect) + " WHERE c.name = ?");
    q.bind(1, name);
    if (!q.executeStep()) return std::nullopt;
    return read_info(q);
  });
}

CollectionInfo Collections::open_or_create(const std::string &name) {
  validate_collection_name(name);
  store::guarded(m_db, [&] {
    store::Statement q(m_db, "INSERT INTO rag_collections(name, created_at, updated_at) VALUES (?, ?, ?) "
                             "ON CONFLICT(name) DO NOTHING");
    std::string now = store::now_iso8601();
    q.bind(1, name);
    q.bind(2, now);
    q.bind(3, now);
    q.exec();
  });
  auto found = find(name);
  if (!found) throw Error("collection " + name + " could not be created");
  return *found;
}

std::vector<CollectionInfo> Collections::list() {
  return store::guarded(m_db, [&] {
    std::vector<CollectionInfo> out;
    store::Statement q(m_db, std::string(kInfoSelect) + " ORDER BY c.name");
    while (q.executeStep()) out.push_back(read_info(q));
    return out;
  });
}

bool Collections::drop(const std::string &name) {
  return store::guarded(m_db, [&] {
    store::WriteTransaction tx(m_db);
    store::Statement id(m_db, "SELECT id FROM rag_collections WHERE name = ?");
    id.bind(1, name);
    if (!id.executeStep()) return false;
    const int64_t cid = id.getColumn(0).getInt64();
    id.reset();
    invalidate_vector_file(m_db.file(), cid);
    // Vectors first (they are the bulk), then documents: the cascade removes
    // chunks and the triggers their full-text entries.
    store::Statement v(m_db, "DELETE FROM rag_vectors WHERE collection_id = ?");
    v.bind(1, cid);
    v.exec();
    store::Statement d(m_db, "DELETE FROM rag_documents WHERE collection_id = ?");
    d.bind(1, cid);
    d.exec();
    store::Statement c(m_db, "DELETE FROM rag_collections WHERE id = ?");
    c.bind(1, cid);
    c.exec();
    tx.commit();
    return true;
  });
}

void Collections::set_embedding(int64_t collection_id, const std::string &model, int64_t dimensions,
                                bool dimensions_asked) {
  store::guarded(m_db, [&] {
    store::Statement q(m_db,
                        "UPDATE rag_collections SET embed_model = ?, dimensions = ?, dimensions_asked = ? WHERE id = ?");
    q.bind(1, model);
    q.bind(2, dimensions);
    q.bind(3, dimensions_asked ? 1 : 0);
    q.bind(4, collection_id);
    q.exec();
  });
}

std::map<std::string, DocumentState> Collections::documents(int64_t collection_id) {
  return store::guarded(m_db, [&] {
    std::map<std::string, DocumentState> out;
    store::Statement q(m_db, "SELECT path, hash, mtime, size FROM rag_documents WHERE collection_id = ?");
    q.bind(1, collection_id);
    while (q.executeStep())
      out[q.getColumn(0).getString()] = {q.getColumn(1).getString(), q.getColumn(2).getInt64(), q.getColumn(3).getInt64()};
    return out;
  });
}

namespace {

// Every change to a collection's vectors goes through here, inside its
// write transaction: the vector file goes first, so no reader trusts it once
// the change commits (lib/rag/vector_file.hpp).
void delete_document(store::Db &db, int64_t collection_id, const std::string &path) {
  invalidate_vector_file(db.file(), collection_id);
  store::Statement v(db, R"sql(
    DELETE FROM rag_vectors WHERE chunk_id IN (
      SELECT k.id FROM rag_chunks k JOIN rag_documents d ON d.id = k.document_id
      WHERE d.collection_id = ? AND d.path = ?))sql");
  v.bind(1, collection_id);
  v.bind(2, path);
  v.exec();
  store::Statement d(db, "DELETE FROM rag_documents WHERE collection_id = ? AND path = ?");
  d.bind(1, collection_id);
  d.bind(2, path);
  d.exec();
}

} // namespace

void Collections::put_document(int64_t collection_id, const DocumentRecord &record, const std::vector<Chunk> &chunks,
                               const std::vector<std::vector<float>> &vectors) {
  store::guarded(m_db, [&] {
    store::WriteTransaction tx(m_db);
    delete_document(m_db, collection_id, record.path);
    store::Statement doc(m_db, R"sql(
      INSERT INTO rag_documents(collection_id, path, hash, mtime, size, kind, indexed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id)sql");
    doc.bind(1, collection_id);
    doc.bind(2, record.path);
    doc.bind(3, record.hash);
    doc.bind(4, record.mtime);
    doc.bind(5, record.size);
    doc.bind(6, kind_name(record.kind));
    doc.bind(7, store::now_iso8601());
    const int64_t doc_id = store::returned_id(doc).value_or(0);
    store::Statement chunk(m_db, R"sql(
      INSERT INTO rag_chunks(document_id, ord, heading, text, byte_start, byte_end, line_start, line_end)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id)sql");
    store::Statement vec(m_db, "INSERT INTO rag_vectors(chunk_id, collection_id, vector) VALUES (?, ?, ?)");
    for (size_t i = 0; i < chunks.size(); ++i) {
      const Chunk &c = chunks[i];
      chunk.bind(1, doc_id);
      chunk.bind(2, static_cast<int64_t>(i));
      chunk.bind(3, c.heading);
      chunk.bind(4, c.text);
      chunk.bind(5, static_cast<int64_t>(c.byte_start));
      chunk.bind(6, static_cast<int64_t>(c.byte_end));
      chunk.bind(7, c.line_start);
      chunk.bind(8, c.line_end);
      const int64_t chunk_id = store::returned_id(chunk).value_or(0);
      if (i < vectors.size()) {
        vec.bind(1, chunk_id);
        vec.bind(2, collection_id);
        vec.bind(3, vectors[i].data(), static_cast<int>(vectors[i].size() * sizeof(float)));
        vec.exec();
        vec.reset();
      }
    }
    tx.commit();
  });
}

void Collections::remove_document(int64_t collection_id, const std::string &path) {
  store::guarded(m_db, [&] {
    store::WriteTransaction tx(m_db);
    delete_document(m_db, collection_id, path);
    tx.commit();
  });
}

void Collections::mark_stale(int64_t collection_id, const std::vector<std::string> &paths) {
  store::guarded(m_db, [&] {
    store::WriteTransaction tx(m_db);
    // No stored hash is empty, no mtime negative: the next run's
    // size-and-mtime check fails and its hash check too.
    store::Statement q(m_db, "UPDATE rag_documents SET hash = '', mtime = -1, size = -1 WHERE collection_id = ? AND path = ?");
    for (const std::string &path : paths) {
      q.bind(1, collection_id);
      q.bind(2, path);
      q.exec();
      q.reset();
    }
    tx.commit();
  });
}

void Collections::touch_document(int64_t collection_id, const std::string &path, int64_t mtime) {
  store::guarded(m_db, [&] {
    store::Statement q(m_db, "UPDATE rag_documents SET mtime = ? WHERE collection_id = ? AND path = ?");
    q.bind(1, mtime);
    q.bind(2, collection_id);
    q.bind(3, path);
    q.exec();
  });
}

void Collections::mark_updated(int64_t collection_id) {
  store::guarded(m_db, [&] {
    store::Statement q(m_db, "UPDATE rag_collections SET updated_at = ? WHERE id = ?");
    q.bind(1, store::now_iso8601());
    q.bind(2, collection_id);
    q.exec();
  });
}

} // namespace webox::rag
