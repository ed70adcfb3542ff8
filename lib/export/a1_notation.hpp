// A1 notation arithmetic for the Sheets destination: which column holds the
// lead ids, which row a lead landed on, and the one-row range that rewrites it.
//
// A range is `[SHEET!]CELLS`. SHEET is kept as written (quoted with '' escapes
// when it has spaces or punctuation, e.g. 'Bob''s leads'), so it can be put
// back in front of other cells unchanged. CELLS is a cell (B3), a column span
// (A:F), a row span (1:5) or a rectangle (A1:F20, A1:F). Columns are letters
// in bijective base 26 (A=1 ... Z=26, AA=27 ... ZZZ=18278, the 3-letter limit
// `is_a1_range` accepts).
//
// Without `!`, text with a row number or a colon (A1, A:F, 1:5) is cells on
// the first sheet, anything else (Leads, 'My leads') is a sheet name: that is
// how `Leads` and `A1` are both valid destinations.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace webox::exporting {

// "A" → 1, "Z" → 26, "AA" → 27, "ZZZ" → 18278; case-insensitive. nullopt for
// an empty text, a non-letter or more than three letters.
std::optional<int> column_number(std::string_view letters);

// 1 → "A", 27 → "AA", 18278 → "ZZZ"; "" for 0.
std::string column_letters(int number);

struct A1Range {
  std::string sheet;     // as written, quotes included; empty: the first sheet
  int first_column = 0;  // 0 when the range gives none (a row span, a sheet alone)
  int first_row = 0;     // 0 when the range gives none (a column span, a sheet alone)
  int last_column = 0;   // 0 when absent
  int last_row = 0;      // 0 when absent (A1:F is open below)
};

// Parses a range as the API writes it (`Leads!A1:A57`, `'My leads'!B3:M3`)
// or as the user gave it. nullopt when it is not A1 notation.
std::optional<A1Range> parse_a1_range(std::string_view text);

// The rows an append or update reports in `updatedRange` ("Leads!A5:L8" →
// {5, 8}, "Leads!A5" → {5, 5}); nullopt when the range names no rows.
struct RowSpan {
  int first = 0, last = 0;
};
std::optional<RowSpan> rows_of_range(std::string_view text);

// Where the columns of an export sit in the destination: the destination's
// sheet, its start column and start row (A and 1 when it gives none).
struct SheetOrigin {
  std::string sheet;
  int column = 1;
  int row = 1;

  // "Leads!" or "'My leads'!" or "" (the first sheet): what goes before cells.
  std::string prefix() const { return sheet.empty() ? std::string() : sheet + "!"; }
};

// The last column Sheets has (ZZZ): a destination whose fields would go past
// it is refused before anything is sent.
constexpr int kLastSheetColumn = 26 + 26 * 26 + 26 * 26 * 26;
// Precondition: `destination` passed is_a1_range (parse_destination checked it).
SheetOrigin sheet_origin(std::string_view destination);

// The one column `offset` columns right of the origin, from the origin's row
// down: "Leads!C:C", or "'My leads'!D3:D" when the destination starts below
// row 1 (rows above it are not the table: a title there is not a lead).
std::string column_range(const SheetOrigin &origin, int offset);

// The column of the last of `width` cells from the origin's column.
int last_column(const SheetOrigin &origin, int width);

// Row `row`, `width` cells from the origin's column: "Leads!A7:L7".
std::string row_range(const SheetOrigin &origin, int row, int width);

} // namespace webox::exporting
