// Fuzzes the CSV cell writer's escaping (lib/export/csv_writer.cpp). The
// cell is anything a person wrote in a comment. Properties: a guarded cell
// never starts with a formula character (= + - @ TAB CR) once unquoted,
// unless it is a list of E.164 numbers; and reading the cell back with RFC
// 4180 rules gives the (possibly guarded) value exactly.
#include <cstdlib>
#include <string>

#include "lib/export/csv_writer.hpp"

namespace {

// RFC 4180 reading of one cell: quoted with "" for a quote, or bare.
std::string unquote(const std::string &cell) {
  if (cell.empty() || cell.front() != '"') return cell;
  if (cell.size() < 2 || cell.back() != '"') std::abort(); // opened, never closed
  std::string out;
  for (size_t i = 1; i + 1 < cell.size(); ++i) {
    if (cell[i] == '"') {
      if (i + 2 >= cell.size() || cell[i + 1] != '"') std::abort(); // a lone quote inside
      ++i;
    }
    out += cell[i];
  }
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view in(reinterpret_cast<const char *>(data), size);
  for (bool guard : {false, true}) {
    std::string out;
    webox::exporting::append_csv_cell(out, in, guard);
    std::string value = unquote(out);
    if (!guard && value != in) std::abort();
    if (guard) {
      bool guarded = webox::exporting::needs_formula_guard(in);
      if (!guarded && value != in) std::abort();
      if (guarded && (value.size() != in.size() + 1 || value.substr(1) != in)) std::abort();
    }
    // A bare cell holds nothing that would end or split it.
    if (out.empty() || out.front() != '"')
      if (out.find_first_of(",\"\r\n") != std::string::npos) std::abort();
  }
  return 0;
}
