#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "lib/export/a1_notation.hpp"
#include "lib/export/sheet_row_index.hpp"

using namespace webox::exporting;
using nlohmann::json;

namespace {

// Unity builds: names here must not collide with other test files.
A1Range sheets_rows_parsed(std::string_view text) {
  auto r = parse_a1_range(text);
  REQUIRE(r);
  return *r;
}

} // namespace

TEST_CASE("sheets rows: column letters are bijective base 26", "[sheets]") {
  CHECK(column_number("A") == 1);
  CHECK(column_number("Z") == 26);
  CHECK(column_number("AA") == 27);
  CHECK(column_number("AZ") == 52);
  CHECK(column_number("BA") == 53);
  CHECK(column_number("ZZ") == 702);
  CHECK(column_number("AAA") == 703);
  CHECK(column_number("ZZZ") == kLastSheetColumn);
  CHECK(column_number("zz") == 702);
  CHECK_FALSE(column_number(""));
  CHECK_FALSE(column_number("AAAA"));
  CHECK_FALSE(column_number("A1"));

  CHECK(column_letters(1) == "A");
  CHECK(column_letters(26) == "Z");
  CHECK(column_letters(27) == "AA");
  CHECK(column_letters(702) == "ZZ");
  CHECK(column_letters(703) == "AAA");
  CHECK(column_letters(18278) == "ZZZ");
  for (int n = 1; n <= kLastSheetColumn; ++n) REQUIRE(column_number(column_letters(n)) == n);
}

TEST_CASE("sheets rows: A1 ranges, sheet part kept as written", "[sheets]") {
  auto leads = sheets_rows_parsed("Leads!A1");
  CHECK(leads.sheet == "Leads");
  CHECK((leads.first_column == 1 && leads.first_row == 1 && leads.last_column == 0 && leads.last_row == 0));

  auto quoted = sheets_rows_parsed("'My leads'!B3:F");
  CHECK(quoted.sheet == "'My leads'");
  CHECK((quoted.first_column == 2 && quoted.first_row == 3 && quoted.last_column == 6 && quoted.last_row == 0));

  auto escaped = sheets_rows_parsed("'Bob''s!list'!AA10:AB20");
  CHECK(escaped.sheet == "'Bob''s!list'");
  CHECK((escaped.first_column == 27 && escaped.first_row == 10 && escaped.last_column == 28 && escaped.last_row == 20));

  auto sheet_alone = sheets_rows_parsed("Leads");
  CHECK(sheet_alone.sheet == "Leads");
  CHECK((sheet_alone.first_column == 0 && sheet_alone.first_row == 0));
  CHECK(sheets_rows_parsed("'My leads'").sheet == "'My leads'");

  auto bare = sheets_rows_parsed("A1");
  CHECK(bare.sheet.empty());
  CHECK((bare.first_column == 1 && bare.first_row == 1));
  auto columns = sheets_rows_parsed("C:C");
  CHECK((columns.sheet.empty() && columns.first_column == 3 && columns.first_row == 0 && columns.last_column == 3));
  auto row_span = sheets_rows_parsed("Sheet1!1:5");
  CHECK((row_span.first_column == 0 && row_span.first_row == 1 && row_span.last_row == 5));

  for (const char *bad : {"", "Leads!", "!A1", "Leads!1A", "Leads!A0", "Leads!AAAA1", "'open!A1", "Leads!A1:", "a'b!A1",
                          "''!A1", "Leads!A1:B2:C3"})
    CHECK_FALSE(parse_a1_range(bad));
}

TEST_CASE("sheets rows: the id column and the rows rewritten", "[sheets]") {
  auto origin = sheet_origin("Leads!A1");
  CHECK(column_range(origin, 0) == "Leads!A:A");
  CHECK(column_range(origin, 2) == "Leads!C:C");
  CHECK(row_range(origin, 7, 12) == "Leads!A7:L7");

  auto below = sheet_origin("'My leads'!B3:F");
  CHECK(column_range(below, 1) == "'My leads'!C3:C"); // a title above row 3 is not a lead
  CHECK(row_range(below, 4, 3) == "'My leads'!B4:D4");

  auto first_sheet = sheet_origin("A1");
  CHECK(column_range(first_sheet, 0) == "A:A");
  CHECK(row_range(first_sheet, 2, 26) == "A2:Z2");
  CHECK(column_range(sheet_origin("Leads"), 25) == "Leads!Z:Z");
  CHECK(column_range(sheet_origin("Leads"), 26) == "Leads!AA:AA");
  CHECK(last_column(sheet_origin("Leads!ZZA1"), 26) == kLastSheetColumn);
}

TEST_CASE("sheets rows: updatedRange gives the rows written", "[sheets]") {
  auto rows = rows_of_range("Leads!A5:L8");
  REQUIRE(rows);
  CHECK((rows->first == 5 && rows->last == 8));
  rows = rows_of_range("'My leads'!B3:M3");
  REQUIRE(rows);
  CHECK((rows->first == 3 && rows->last == 3));
  rows = rows_of_range("Sheet1!A12");
  REQUIRE(rows);
  CHECK((rows->first == 12 && rows->last == 12));
  CHECK_FALSE(rows_of_range(""));
  CHECK_FALSE(rows_of_range("Leads!A:L"));
  CHECK_FALSE(rows_of_range("Leads!A9:L8"));
}

TEST_CASE("sheets rows: lead ids found in a column read with UNFORMATTED_VALUE", "[sheets]") {
  CHECK(lead_id_of_cell(json(12)) == 12);
  CHECK(lead_id_of_cell(json(12.0)) == 12);
  CHECK(lead_id_of_cell(json("12")) == 12);
  for (const json &not_an_id : {json("id"), json(""), json(12.5), json(-3), json(0), json("12 "), json("+12"), json("-1"),
                                json("1e3"), json(true), json(nullptr)})
    CHECK_FALSE(lead_id_of_cell(not_an_id));

  auto index = SheetRowIndex::from_column(json::parse(R"({"range": "Leads!C3:C1000", "majorDimension": "COLUMNS",
      "values": [["id", 7, "", "9", 7.0, "note"]]})"));
  CHECK_FALSE(index.column_empty());
  CHECK(index.rows_of(7) == std::vector<int>{4, 7}); // duplicated by an older export: both rows
  CHECK(index.rows_of(9) == std::vector<int>{6});
  CHECK(index.rows_of(8).empty());

  // Rows inserted by an append above some leads move those leads down.
  index.shift_down(6, 2);
  CHECK(index.rows_of(7) == std::vector<int>{4, 9});
  CHECK(index.rows_of(9) == std::vector<int>{8});
  index.record(10, 6);
  CHECK(index.rows_of(10) == std::vector<int>{6});

  auto empty = SheetRowIndex::from_column(json::parse(R"({"range": "Leads!A1:A1000", "majorDimension": "COLUMNS"})"));
  CHECK(empty.column_empty());
  auto header_only = SheetRowIndex::from_column(json::parse(R"({"range": "A1:A1000", "values": [["id"]]})"));
  CHECK_FALSE(header_only.column_empty());
  CHECK(SheetRowIndex::from_column(json()).column_empty());
}
