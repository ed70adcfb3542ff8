#include "lib/export/sheet_row_index.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "lib/export/a1_notation.hpp"

namespace webox::exporting {

using nlohmann::json;

std::optional<int64_t> lead_id_of_cell(const json &cell) {
  if (cell.is_number_integer()) {
    int64_t v = cell.get<int64_t>();
    return v > 0 ? std::optional<int64_t>(v) : std::nullopt;
  }
  if (cell.is_number_float()) {
    double v = cell.get<double>();
    // Exactly representable integers only; 2^53 is far above any lead id.
    if (v >= 1 && v < 9007199254740992.0 && std::floor(v) == v) return static_cast<int64_t>(v);
    return std::nullopt;
  }
  if (cell.is_string()) {
    const std::string &s = cell.get_ref<const std::string &>();
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    // Digits only: "+12", "12 " or "1e3" are not how an id is written.
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty() && s.front() != '-' && v > 0) return v;
  }
  return std::nullopt;
}

SheetRowIndex SheetRowIndex::from_column(const json &value_range) {
  SheetRowIndex index;
  if (!value_range.is_object()) return index;
  auto values = value_range.find("values");
  if (values == value_range.end() || !values->is_array() || values->empty() || !values->front().is_array()) return index;
  const json &column = values->front();
  index.m_column_empty = std::all_of(column.begin(), column.end(), [](const json &c) {
    return c.is_null() || (c.is_string() && c.get_ref<const std::string &>().empty());
  });
  auto rows = rows_of_range(value_range.value("range", ""));
  if (!rows) return index; // ids without row numbers cannot be rewritten: they will be appended
  int row = rows->first;
  for (const json &cell : column) {
    if (auto id = lead_id_of_cell(cell)) index.record(*id, row);
    ++row;
  }
  return index;
}

const std::vector<int> &SheetRowIndex::rows_of(int64_t lead_id) const {
  static const std::vector<int> none;
  auto it = m_rows.find(lead_id);
  return it == m_rows.end() ? none : it->second;
}

void SheetRowIndex::record(int64_t lead_id, int row) {
  auto &rows = m_rows[lead_id];
  auto at = std::lower_bound(rows.begin(), rows.end(), row);
  if (at == rows.end() || *at != row) rows.insert(at, row);
}

void SheetRowIndex::shift_down(int row, int count) {
  for (auto &[id, rows] : m_rows)
    for (int &r : rows)
      if (r >= row) r += count;
}

} // namespace webox::exporting
