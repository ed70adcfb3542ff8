// Writes batches of leads to a Google Sheet so that each lead has one row:
// leads already in the sheet are rewritten in place (one values.batchUpdate
// per batch), the others appended (values.append), and an empty sheet gets a
// header row first.
//
// Before the first batch, the column of the `id` field is read once
// (SheetRowIndex: lead id → rows). Without an `id` field among the exported
// fields nothing can be matched: every lead is appended, and the
// destination's first column is read only to know whether the header row is
// needed. The header (the field names, as in the CSV header) goes only into
// an empty column: a sheet with anything in that column is left as it is.
//
// A refused read (a sheet name that does not exist, 400) refuses every lead
// of the export with that message, without writing: appending blind could
// put a header into a full sheet or duplicate every lead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/export/a1_notation.hpp"
#include "lib/export/fields.hpp"
#include "lib/export/rejection.hpp"
#include "lib/export/sheet_row_index.hpp"
#include "lib/export/sheets_client.hpp"

namespace webox::exporting {

struct SheetRow {
  int64_t lead_id = 0;
  nlohmann::json cells; // one value per exported field, in field order
};

struct SheetsBatchOutcome {
  int64_t written = 0;  // leads rewritten or appended
  int64_t requests = 0; // calls made to Sheets
  std::vector<Rejection> refused;
};

class SheetsUpsert {
public:
  // `destination` is the --to range (checked by parse_destination); throws
  // UsageError when the fields would go past the last column (ZZZ).
  SheetsUpsert(SheetsClient &client, std::string_view destination, const std::vector<const Field *> &fields);

  SheetsBatchOutcome write(const std::vector<SheetRow> &rows);

  // The one column read to find the leads (or the emptiness of the sheet).
  const std::string &lookup_range() const { return m_lookup_range; }

private:
  void read_sheet(SheetsBatchOutcome &out);
  void rewrite(const std::vector<const SheetRow *> &found, SheetsBatchOutcome &out);
  void append(const std::vector<const SheetRow *> &fresh, SheetsBatchOutcome &out);

  SheetsClient &m_client;
  SheetOrigin m_origin;
  int m_width = 0;
  std::optional<size_t> m_id_field; // position of `id` in the fields
  nlohmann::json m_header;          // the field names
  std::string m_lookup_range;
  bool m_read = false;
  bool m_needs_header = false;
  std::optional<std::string> m_unreadable; // the read was refused: why
  SheetRowIndex m_index;
};

} // namespace webox::exporting
