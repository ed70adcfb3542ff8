// Leads read for an export, page by page, with bounded memory.
//
// `leads list` builds every lead as a JSON document in a vector; an export of
// a million leads cannot. RowSource runs one prepared statement per page
// (keyset paging on the lead id: `l.id > last ORDER BY l.id LIMIT n`), hands
// each row to the caller as borrowed cells while SQLite steps, and resets
// the statement before the next page, so no read transaction stays open
// between pages and the caller may write to the store (export state, remote
// ids) in between.
//
// Incremental exports see a fixed slice of history: the watermark is the
// newest `leads.updated_at` when the export starts, and only leads with
// `previous < updated_at <= watermark` are read. A lead changed while the
// export runs gets a newer updated_at and waits for the next run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/export/fields.hpp"
#include "lib/leads/query/lead_query.hpp"
#include "lib/store/db.hpp"

namespace webox::exporting {

// A cell of the current row; `text` is valid only during the callback.
struct Cell {
  std::string_view text;
  bool null = false;
};

// Leads an interrupted export already delivered (its checkpoint,
// lib/export/export_state.hpp): skipped when resuming.
struct Delivered {
  std::string watermark; // updated_at <= this
  int64_t through_id = 0; // and id <= this
};

class RowSource {
public:
  // `changed_after`: only leads updated after that ISO 8601 time (--since-last).
  // `lists_joined`: list fields as space-separated text (CSV, Sheets) rather
  // than their JSON array text. `delivered`: leads to skip (a resumed export).
  RowSource(store::Db &db, const leads::LeadFilter &filter, std::vector<const Field *> fields, bool lists_joined,
            std::optional<std::string> changed_after = std::nullopt, int page_size = 2000,
            std::optional<Delivered> delivered = std::nullopt);
  ~RowSource();
  RowSource(const RowSource &) = delete;
  RowSource &operator=(const RowSource &) = delete;

  using RowFn = std::function<void(int64_t lead_id, std::span<const Cell> cells)>;

  // Reads the next page (at most `max_rows`, 0 = the page size) and calls
  // `row` for each lead in id order. Returns how many rows it read; 0 = done.
  size_t next_page(const RowFn &row, size_t max_rows = 0);

  const std::vector<const Field *> &fields() const { return m_fields; }
  // The newest updated_at among all leads when the source was created (the
  // state to store after a complete export); empty when there are no leads.
  const std::string &watermark() const { return m_watermark; }
  int64_t rows_read() const { return m_rows; }

private:
  struct Impl;
  std::unique_ptr<Impl> m;
  std::vector<const Field *> m_fields;
  std::string m_watermark;
  int64_t m_rows = 0;
};

} // namespace webox::exporting
