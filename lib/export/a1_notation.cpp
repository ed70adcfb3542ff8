#include "lib/export/a1_notation.hpp"

namespace webox::exporting {

namespace {

bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// One end of a cells part: letters then digits, either possibly absent but
// not both. Rows have at most 9 digits (Sheets caps a spreadsheet at 10
// million cells) so they fit in an int.
struct CellEnd {
  int column = 0, row = 0;
};

std::optional<CellEnd> parse_a1_cell_end(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_letter(s[i])) ++i;
  size_t letters = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i != s.size() || s.empty() || letters > 3 || s.size() - letters > 9) return std::nullopt;
  CellEnd end;
  if (letters) end.column = *column_number(s.substr(0, letters));
  if (letters < s.size()) {
    for (char c : s.substr(letters)) end.row = end.row * 10 + (c - '0');
    if (end.row == 0) return std::nullopt;
  }
  return end;
}

bool parse_a1_cells(std::string_view cells, A1Range &out) {
  size_t colon = cells.find(':');
  auto first = parse_a1_cell_end(cells.substr(0, colon));
  if (!first) return false;
  out.first_column = first->column;
  out.first_row = first->row;
  if (colon == std::string_view::npos) return true;
  auto last = parse_a1_cell_end(cells.substr(colon + 1));
  if (!last) return false;
  out.last_column = last->column;
  out.last_row = last->row;
  return true;
}

// The length of a quoted sheet name at the start of `text` ('' is an escaped
// quote), closing quote included; 0 when there is none.
size_t quoted_sheet_length(std::string_view text) {
  if (text.empty() || text.front() != '\'') return 0;
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] != '\'') continue;
    if (i + 1 < text.size() && text[i + 1] == '\'') {
      ++i;
      continue;
    }
    return i > 1 ? i + 1 : 0;
  }
  return 0;
}

} // namespace

std::optional<int> column_number(std::string_view letters) {
  if (letters.empty() || letters.size() > 3) return std::nullopt;
  int n = 0;
  for (char c : letters) {
    if (!is_letter(c)) return std::nullopt;
    n = n * 26 + ((c | 0x20) - 'a' + 1); // bijective base 26: no zero digit
  }
  return n;
}

std::string column_letters(int number) {
  std::string out;
  while (number > 0) {
    int digit = (number - 1) % 26;
    out.insert(out.begin(), static_cast<char>('A' + digit));
    number = (number - 1) / 26;
  }
  return out;
}

std::optional<A1Range> parse_a1_range(std::string_view text) {
  A1Range r;
  std::string_view cells;
  if (size_t quoted = quoted_sheet_length(text)) {
    r.sheet = std::string(text.substr(0, quoted));
    if (quoted == text.size()) return r; // a sheet alone
    if (text[quoted] != '!') return std::nullopt;
    cells = text.substr(quoted + 1);
  } else if (size_t bang = text.rfind('!'); bang != std::string_view::npos) {
    r.sheet = std::string(text.substr(0, bang));
    cells = text.substr(bang + 1);
    if (r.sheet.empty() || r.sheet.find('\'') != std::string::npos) return std::nullopt;
  } else {
    bool cell_like = false;
    for (char c : text) cell_like = cell_like || is_digit(c) || c == ':';
    A1Range bare;
    if (cell_like && parse_a1_cells(text, bare)) return bare;
    if (text.empty() || text.find(':') != std::string_view::npos) return std::nullopt;
    r.sheet = std::string(text);
    return r;
  }
  if (!parse_a1_cells(cells, r)) return std::nullopt;
  return r;
}

std::optional<RowSpan> rows_of_range(std::string_view text) {
  auto r = parse_a1_range(text);
  if (!r || r->first_row == 0) return std::nullopt;
  RowSpan span{r->first_row, r->last_row ? r->last_row : r->first_row};
  if (span.last < span.first) return std::nullopt;
  return span;
}

SheetOrigin sheet_origin(std::string_view destination) {
  SheetOrigin o;
  if (auto r = parse_a1_range(destination)) {
    o.sheet = r->sheet;
    if (r->first_column) o.column = r->first_column;
    if (r->first_row) o.row = r->first_row;
  }
  return o;
}

std::string column_range(const SheetOrigin &origin, int offset) {
  std::string letters = column_letters(origin.column + offset);
  if (origin.row > 1) return origin.prefix() + letters + std::to_string(origin.row) + ":" + letters;
  return origin.prefix() + letters + ":" + letters;
}

int last_column(const SheetOrigin &origin, int width) { return origin.column + (width > 0 ? width : 1) - 1; }

std::string row_range(const SheetOrigin &origin, int row, int width) {
  std::string n = std::to_string(row);
  return origin.prefix() + column_letters(origin.column) + n + ":" + column_letters(last_column(origin, width)) + n;
}

} // namespace webox::exporting
