#include "lib/export/csv_writer.hpp"

#include <cstring>

#include "lib/export/record_writer.hpp"

namespace webox::exporting {

bool is_e164_list(std::string_view cell) {
  size_t i = 0;
  if (cell.empty()) return false;
  while (i < cell.size()) {
    if (cell[i] != '+') return false;
    size_t start = ++i;
    while (i < cell.size() && cell[i] >= '0' && cell[i] <= '9') ++i;
    size_t digits = i - start;
    if (digits < 6 || digits > 15 || cell[start] == '0') return false;
    if (i == cell.size()) return true;
    if (cell[i] != ' ' || i + 1 == cell.size()) return false;
    ++i;
  }
  return false;
}

bool needs_formula_guard(std::string_view cell) {
  if (cell.empty()) return false;
  switch (cell.front()) {
  case '=': case '+': case '-': case '@': case '\t': case '\r':
    return !is_e164_list(cell);
  default:
    return false;
  }
}

void append_csv_cell(std::string &out, std::string_view cell, bool guard) {
  const bool prefix = guard && needs_formula_guard(cell);
  bool quote = false;
  for (char c : cell)
    if (c == ',' || c == '"' || c == '\r' || c == '\n') {
      quote = true;
      break;
    }
  if (!quote) {
    if (prefix) out += '\'';
    out += cell;
    return;
  }
  out += '"';
  if (prefix) out += '\'';
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

namespace {

class CsvWriter : public RecordWriter {
public:
  CsvWriter(ByteSink &sink, std::vector<const Field *> fields, bool bom) : RecordWriter(sink, std::move(fields)), m_bom(bom) {}

  bool begin() override {
    if (m_bom) m_buf += "\xEF\xBB\xBF";
    for (size_t i = 0; i < m_fields.size(); ++i) {
      if (i) m_buf += ',';
      m_buf += m_fields[i]->name;
    }
    m_buf += "\r\n";
    return flush_if_full();
  }

  bool row(std::span<const Cell> cells) override {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) m_buf += ',';
      if (cells[i].null) continue;
      append_csv_cell(m_buf, cells[i].text, m_fields[i]->type != FieldType::integer);
    }
    m_buf += "\r\n";
    return flush_if_full();
  }

  bool finish() override { return flush(); }

private:
  bool m_bom;
};

} // namespace

std::unique_ptr<RecordWriter> make_csv_writer(ByteSink &sink, std::vector<const Field *> fields, bool bom) {
  return std::make_unique<CsvWriter>(sink, std::move(fields), bom);
}

} // namespace webox::exporting
