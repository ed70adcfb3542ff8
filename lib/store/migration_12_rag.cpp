#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

// Collections of documents cut into chunks, a full-text index over the
// chunks and, when the collection has an embedding model, one float32 vector
// per chunk.
//
// - rag_collections: the embedding model ("provider:model") and dimension a
//   collection was built with (NULL: lexical only). Queries with another
//   model are refused (lib/rag/collections.cpp).
// - rag_documents: one row per file; `hash` (SHA-256 of the bytes) decides
//   whether a file changed. A document and everything under it is written in
//   ONE transaction, so an interrupted index leaves whole documents only.
// - rag_chunks: text, heading path, byte and line range; ON DELETE CASCADE
//   from the document.
// - rag_vectors: the chunk's vector, little-endian float32, L2-normalised
//   (cosine similarity is then a dot product); collection_id repeated so an
//   exact scan reads one index range.
// - rag_fts (SQLite only): FTS5, external content (rag_chunks), kept in step by triggers;
//   unicode61 with diacritics removed, so "eleve" finds "élève".
// Every statement is IF NOT EXISTS: a database whose user_version was set
// back (a restore, the migration tests) runs it again without failing.
void migration_12_rag(Db &db) {
  db.exec(R"sql(
    CREATE TABLE IF NOT EXISTS rag_collections(
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL UNIQUE,
      embed_model TEXT,
      dimensions  INTEGER,
      dimensions_asked INTEGER NOT NULL DEFAULT 0, -- 1: indexed with --dimensions, queries ask for the same
      created_at  TEXT NOT NULL,
      updated_at  TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS rag_documents(
      id            INTEGER PRIMARY KEY,
      collection_id INTEGER NOT NULL REFERENCES rag_collections(id) ON DELETE CASCADE,
      path          TEXT NOT NULL,
      hash          TEXT NOT NULL,
      mtime         INTEGER NOT NULL,
      size          INTEGER NOT NULL,
      kind          TEXT NOT NULL,
      indexed_at    TEXT NOT NULL,
      UNIQUE(collection_id, path)
    );
    CREATE TABLE IF NOT EXISTS rag_chunks(
      id          INTEGER PRIMARY KEY,
      document_id INTEGER NOT NULL REFERENCES rag_documents(id) ON DELETE CASCADE,
      ord         INTEGER NOT NULL,
      heading     TEXT NOT NULL,
      text        TEXT NOT NULL,
      byte_start  INTEGER NOT NULL,
      byte_end    INTEGER NOT NULL,
      line_start  INTEGER NOT NULL,
      line_end    INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS rag_chunks_document ON rag_chunks(document_id);
    CREATE TABLE IF NOT EXISTS rag_vectors(
      chunk_id      INTEGER PRIMARY KEY REFERENCES rag_chunks(id) ON DELETE CASCADE,
      collection_id INTEGER NOT NULL,
      vector        BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS rag_vectors_collection ON rag_vectors(collection_id);
  )sql");
  // The full-text index is SQLite's FTS5; on PostgreSQL the lexical search
  // reads rag_chunks with ILIKE instead (lib/rag/search.cpp).
  if (db.backend().kind() != "sqlite") return;
  db.exec(R"sql(
    CREATE VIRTUAL TABLE IF NOT EXISTS rag_fts USING fts5(
      text, heading, content='rag_chunks', content_rowid='id',
      tokenize='unicode61 remove_diacritics 2');
    CREATE TRIGGER IF NOT EXISTS rag_chunks_ai AFTER INSERT ON rag_chunks BEGIN
      INSERT INTO rag_fts(rowid, text, heading) VALUES (new.id, new.text, new.heading);
    END;
    CREATE TRIGGER IF NOT EXISTS rag_chunks_ad AFTER DELETE ON rag_chunks BEGIN
      INSERT INTO rag_fts(rag_fts, rowid, text, heading) VALUES ('delete', old.id, old.text, old.heading);
    END;
  )sql");
}

} // namespace webox::store
