#include "lib/export/sheets_upsert.hpp"

#include "lib/core/error.hpp"

namespace webox::exporting {

using nlohmann::json;

SheetsUpsert::SheetsUpsert(SheetsClient &client, std::string_view destination, const std::vector<const Field *> &fields)
    : m_client(client), m_origin(sheet_origin(destination)), m_width(static_cast<int>(fields.size())),
      m_header(json::array()) {
  for (size_t i = 0; i < fields.size(); ++i) {
    m_header.push_back(std::string(fields[i]->name));
    if (fields[i]->name == "id") m_id_field = i;
  }
  if (last_column(m_origin, m_width) > kLastSheetColumn)
    throw UsageError("--to sheets: " + std::to_string(m_width) + " fields from column " + column_letters(m_origin.column) +
                     " go past column ZZZ, the last one a sheet has");
  m_lookup_range = column_range(m_origin, m_id_field ? static_cast<int>(*m_id_field) : 0);
}

SheetsBatchOutcome SheetsUpsert::write(const std::vector<SheetRow> &rows) {
  SheetsBatchOutcome out;
  if (rows.empty()) return out;
  if (!m_read) read_sheet(out);
  if (m_unreadable) {
    for (const auto &r : rows) out.refused.push_back({r.lead_id, *m_unreadable});
    return out;
  }
  std::vector<const SheetRow *> found, fresh;
  for (const auto &r : rows) {
    bool known = m_id_field && !m_index.rows_of(r.lead_id).empty();
    (known ? found : fresh).push_back(&r);
  }
  // Rewrites first: the rows they name are the ones read, before an append
  // moves anything.
  if (!found.empty()) rewrite(found, out);
  if (!fresh.empty()) append(fresh, out);
  return out;
}

void SheetsUpsert::read_sheet(SheetsBatchOutcome &out) {
  m_read = true;
  ++out.requests;
  SheetsAnswer a = m_client.read_column(m_lookup_range);
  if (a.refused) {
    m_unreadable = "reading " + m_lookup_range + " to find the leads already there: " + *a.refused;
    return;
  }
  m_index = SheetRowIndex::from_column(a.body);
  m_needs_header = m_index.column_empty();
}

void SheetsUpsert::rewrite(const std::vector<const SheetRow *> &found, SheetsBatchOutcome &out) {
  json data = json::array();
  for (const SheetRow *r : found)
    for (int row : m_index.rows_of(r->lead_id))
      data.push_back({{"range", row_range(m_origin, row, m_width)}, {"majorDimension", "ROWS"}, {"values", json::array({r->cells})}});
  ++out.requests;
  SheetsAnswer a = m_client.batch_update(data);
  if (a.refused) {
    for (const SheetRow *r : found) out.refused.push_back({r->lead_id, *a.refused});
    return;
  }
  out.written += static_cast<int64_t>(found.size());
}

void SheetsUpsert::append(const std::vector<const SheetRow *> &fresh, SheetsBatchOutcome &out) {
  const bool with_header = m_needs_header;
  json values = json::array();
  if (with_header) values.push_back(m_header);
  for (const SheetRow *r : fresh) values.push_back(r->cells);
  ++out.requests;
  SheetsAnswer a = m_client.append(values);
  if (a.refused) {
    for (const SheetRow *r : fresh) out.refused.push_back({r->lead_id, *a.refused});
    return;
  }
  out.written += static_cast<int64_t>(fresh.size());
  m_needs_header = false;

  // Where the rows landed. A range that does not hold exactly the rows sent
  // is not trusted: those leads are left out of the index (a later export
  // appends them again) rather than risk rewriting someone else's row.
  std::string updated;
  if (a.body.is_object() && a.body.contains("updates") && a.body["updates"].is_object())
    updated = a.body["updates"].value("updatedRange", "");
  auto span = rows_of_range(updated);
  if (!span || span->last - span->first + 1 != static_cast<int>(values.size())) return;
  m_index.shift_down(span->first, static_cast<int>(values.size()));
  if (!m_id_field) return;
  int row = span->first + (with_header ? 1 : 0);
  for (const SheetRow *r : fresh) m_index.record(r->lead_id, row++);
}

} // namespace webox::exporting
