// Which rows of the destination sheet hold which lead, so a lead exported
// again is rewritten where it is instead of appended a second time.
//
// Built once per export from the id column as values.get returns it with
// majorDimension=COLUMNS and valueRenderOption=UNFORMATTED_VALUE:
//   {"range": "Leads!A1:A1000", "majorDimension": "COLUMNS", "values": [[cell, ...]]}
// The first cell is the row where `range` starts (the API reports the whole
// requested range and only drops trailing empty cells; leading empty cells
// are kept as ""), and `values` is absent when the column is empty. A cell
// is a lead id when it is an integer number (12, or 12.0: Sheets stores
// numbers as doubles) or the decimal text of one ("12", typed by hand or
// written as text); the header's "id" and anything else is ignored.
// Rows added during the export are recorded from the appends' updatedRange,
// and rows below an append move down with it (INSERT_ROWS inserts whole rows:
// a table with a gap gets its new rows in the gap, above later leads).
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace webox::exporting {

// A cell read with UNFORMATTED_VALUE as a lead id, when it is one.
std::optional<int64_t> lead_id_of_cell(const nlohmann::json &cell);

class SheetRowIndex {
public:
  // From a values.get answer (see above). Throws nothing: a body without a
  // usable range gives an empty index that still knows the column was empty
  // or not.
  static SheetRowIndex from_column(const nlohmann::json &value_range);

  // No cell of the column holds anything: the sheet needs its header row.
  bool column_empty() const { return m_column_empty; }
  // Every row holding `lead_id` (several when an older export duplicated it),
  // in ascending order; empty when the lead is not in the sheet.
  const std::vector<int> &rows_of(int64_t lead_id) const;
  void record(int64_t lead_id, int row);
  // `count` rows were inserted at `row`: every recorded row at or below it
  // moves down by `count`.
  void shift_down(int row, int count);

private:
  bool m_column_empty = true;
  std::unordered_map<int64_t, std::vector<int>> m_rows;
};

} // namespace webox::exporting
