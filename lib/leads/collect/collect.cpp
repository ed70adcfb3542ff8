#include "lib/leads/collect/collect.hpp"

#include <algorithm>
#include <charconv>

#include "lib/store/db.hpp"
#include <spdlog/spdlog.h>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/leads/collect/person_index.hpp"

namespace webox::leads {

using nlohmann::json;

namespace {

// How the import's connection is set while it runs, restored after.
//
// Checkpoints less often. A checkpoint copies every page changed since the
// previous one back into the database file; at SQLite's default (every
// 1,000 WAL pages) that is after each page of an import, so an index leaf
// that every page changes was copied once per page. Raised for this
// connection, a leaf changed by several pages is copied once. Only when
// checkpoints run changes, not what a commit guarantees: crash safety stays
// WAL's. The WAL grows to about kCheckpointPages pages plus one page's
// writes before it is reused.
//
// No foreign key checks: they cost about a fifth of an interaction's
// insert (SQLite opens a cursor on each parent table for every row), and
// the writer references only ids it has just read or inserted in the same
// transaction, or that a committed page stored (webox never deletes people
// or posts). The constraints stay in the schema and on for every other
// writer; PRAGMA foreign_key_check finds nothing after an import (tested).
class ImportPragmas {
public:
  static constexpr int kCheckpointPages = 16384; // 64 MiB of 4 KiB pages
  // SQLite's own settings; a server store keeps its own (and its checks).
  explicit ImportPragmas(store::Db &db) : m_db(db), m_sqlite(db.backend().kind() == "sqlite") {
    if (!m_sqlite) return;
    m_checkpoint = m_db.execAndGet("PRAGMA wal_autocheckpoint").getInt();
    m_foreign_keys = m_db.execAndGet("PRAGMA foreign_keys").getInt();
    m_db.exec("PRAGMA wal_autocheckpoint = " + std::to_string(kCheckpointPages));
    m_db.exec("PRAGMA foreign_keys = OFF");
  }
  ~ImportPragmas() {
    if (!m_sqlite) return;
    m_db.tryExec("PRAGMA wal_autocheckpoint = " + std::to_string(m_checkpoint));
    m_db.tryExec("PRAGMA foreign_keys = " + std::to_string(m_foreign_keys));
  }
  ImportPragmas(const ImportPragmas &) = delete;
  ImportPragmas &operator=(const ImportPragmas &) = delete;

private:
  store::Db &m_db;
  bool m_sqlite;
  int m_checkpoint = 1000, m_foreign_keys = 1;
};

// A record line is rarely shorter than this: its required keys alone take
// about 90 bytes. Dividing the input's size by it overestimates the rows,
// which errs towards the bulk path, the cheaper one when in doubt.
constexpr int64_t kShortLineBytes = 100;

} // namespace

void import_jsonl(LeadsStore &store, std::istream &in, std::vector<LineError> &errors, int64_t since,
                  const PageCallback &on_page, int page_lines, int64_t input_bytes) {
  if (page_lines <= 0)
    page_lines = static_cast<int>(std::min<int64_t>(paths::env_number("WEBOX_IMPORT_BATCH", kDefaultImportBatch, 1), 1 << 30));
  const int64_t bulk_rows = paths::env_number("WEBOX_IMPORT_BULK_ROWS", kDefaultBulkRows, 1);
  // A bigger page cache (64 MiB, this connection only) keeps the unique
  // indexes of a million-row import in memory instead of re-reading pages,
  // and reads through mmap save a copy per page read.
  if (store.db().backend().kind() == "sqlite") {
    store.db().exec("PRAGMA cache_size = -65536");
    store.db().exec("PRAGMA mmap_size = 268435456");
  }
  ImportPragmas pragmas(store.db());
  store.rescore_pending(); // what an earlier, interrupted import left unscored
  PersonIndexDeferral person_index(store.db(), input_bytes / kShortLineBytes, bulk_rows);
  std::unique_ptr<PageWriter> page;
  int in_page = 0;
  ImportLines lines(in, store.phones(), since, ImportLines::default_workers());
  while (const ParsedChunk *chunk = lines.next()) {
    errors.insert(errors.end(), chunk->errors.begin(), chunk->errors.end());
    for (size_t i = 0; i < chunk->count; ++i) {
      if (cancel::requested()) throw Interrupted(); // `page` rolls back
      const ParsedLine &row = chunk->rows[i];
      if (!page) page = std::make_unique<PageWriter>(store, 0, /*defer_scoring=*/true);
      page->add(row.it, row.intent, row.contacts);
      if (++in_page >= page_lines) {
        page->commit();
        page.reset();
        in_page = 0;
        if (on_page) on_page(store.counts());
      }
    }
  }
  if (page) {
    page->commit();
    if (on_page) on_page(store.counts());
  }
  person_index.finish(); // scoring reads it
  store.rescore_pending();
}

EventSink::EventSink(LeadsStore &store, int64_t account_id, std::string platform, PageCallback on_page)
    : m_store(store), m_account(account_id), m_platform(std::move(platform)), m_on_page(std::move(on_page)) {}

EventSink::~EventSink() = default;

PageWriter &EventSink::writer() {
  if (!m_writer) m_writer = std::make_unique<PageWriter>(m_store, m_account);
  return *m_writer;
}

bool EventSink::on_event(const json &event) {
  const std::string type = event.value("type", "");
  if (type == "item") {
    if (auto post = event.find("post"); post != event.end()) {
      writer().add_post(m_platform, post_from_json(*post));
    } else if (auto rec = event.find("interaction"); rec != event.end()) {
      try {
        writer().add(interaction_from_json(*rec, m_platform));
      } catch (const RecordError &e) {
        // A plugin bug or an API change: say it, keep the rest of the page.
        m_warnings.push_back(std::string("skipped a malformed item: ") + e.what());
        spdlog::warn("{}: skipped a malformed item: {}", m_platform, e.what());
      }
    }
  } else if (type == "checkpoint") {
    PageWriter &w = writer();
    if (auto edge = event.find("edge"); edge != event.end() && edge->is_string()) {
      auto cursor = event.find("cursor");
      if (cursor == event.end() || cursor->is_null()) w.clear_cursor(*edge);
      else w.set_cursor(*edge, cursor->is_string() ? cursor->get<std::string>() : cursor->dump());
    }
    w.commit();
    m_writer.reset();
    if (m_on_page) m_on_page(m_store.counts());
  } else if (type == "warning") {
    std::string message = event.value("message", "");
    m_warnings.push_back(message);
    spdlog::warn("{}: {}", m_platform, message);
  }
  return true;
}

void EventSink::finish() {
  if (m_writer) {
    m_writer->commit();
    m_writer.reset();
    if (m_on_page) m_on_page(m_store.counts());
  }
}

} // namespace webox::leads
