#include <catch2/catch.hpp>

#include <random>

#include <nlohmann/json.hpp>

#include "lib/core/error.hpp"
#include "lib/export/csv_writer.hpp"
#include "lib/export/fields.hpp"
#include "lib/export/record_writer.hpp"
#include "lib/export/sink.hpp"

using namespace webox;
using namespace webox::exporting;

namespace {
std::string cell(std::string_view text, bool guard = true) {
  std::string out;
  append_csv_cell(out, text, guard);
  return out;
}
} // namespace

TEST_CASE("export csv: RFC 4180 quoting", "[export]") {
  CHECK(cell("plain") == "plain");
  CHECK(cell("a,b") == "\"a,b\"");
  CHECK(cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(cell("two\nlines") == "\"two\nlines\"");
  CHECK(cell("cr\r") == "\"cr\r\"");
  CHECK(cell("") == "");
  CHECK(cell("Zoé 😍") == "Zoé 😍");
}

TEST_CASE("export csv: formula injection is neutralised, E.164 numbers are not", "[export]") {
  CHECK(cell("=1+1") == "'=1+1");
  CHECK(cell("+SUM(A1)") == "'+SUM(A1)");
  CHECK(cell("-2+3") == "'-2+3");
  CHECK(cell("@cmd") == "'@cmd");
  CHECK(cell("\tTAB") == "'\tTAB");
  CHECK(cell("\rCR") == "\"'\rCR\"");
  CHECK(cell("=HYPERLINK(\"http://x/?\"&A1,\"a\")") == "\"'=HYPERLINK(\"\"http://x/?\"\"&A1,\"\"a\"\")\"");
  CHECK(cell("=1+1", false) == "=1+1");

  CHECK(cell("+33612345678") == "+33612345678");
  CHECK(cell("+33612345678 +447700900123") == "+33612345678 +447700900123");
  CHECK(is_e164_list("+15551234567"));
  CHECK_FALSE(is_e164_list("+33 6 12 34 56 78")); // a space inside a number is not E.164
  CHECK_FALSE(is_e164_list("+0612345678"));       // no country code starts with 0
  CHECK_FALSE(is_e164_list("+1234"));             // too short
  CHECK_FALSE(is_e164_list("+1234567890123456")); // 16 digits: too long
  CHECK_FALSE(is_e164_list("+33612345678 "));
  CHECK_FALSE(is_e164_list("+33612345678+1"));
  CHECK(cell("+33612345678;=cmd") == "'+33612345678;=cmd");
}

TEST_CASE("export csv: header, BOM, CRLF and nulls through the writer", "[export]") {
  std::string bytes;
  FunctionSink sink([&](std::string_view b) {
    bytes += b;
    return true;
  });
  auto fields = parse_fields("id,name,phones");
  auto w = make_writer(exporting::Format::csv, sink, fields, true);
  REQUIRE(w->begin());
  std::vector<Cell> row = {{"-1", false}, {"=evil", false}, {{}, true}};
  REQUIRE(w->row(row));
  REQUIRE(w->finish());
  // Integer fields are ours: never prefixed.
  CHECK(bytes == "\xEF\xBB\xBFid,name,phones\r\n-1,'=evil,\r\n");
}

TEST_CASE("export json: flat objects, lists raw, nulls, valid array", "[export]") {
  std::string bytes;
  FunctionSink sink([&](std::string_view b) {
    bytes += b;
    return true;
  });
  auto fields = parse_fields("id,username,phones,last_interaction_at");
  auto w = make_writer(exporting::Format::json, sink, fields, false);
  w->begin();
  std::vector<Cell> a = {{"7", false}, {"zoé \"z\"", false}, {R"(["+33612345678"])", false}, {{}, true}};
  std::vector<Cell> b = {{"8", false}, {"x", false}, {"[]", false}, {"2026-11-01T10:00:00Z", false}};
  w->row(a);
  w->row(b);
  w->finish();
  auto doc = nlohmann::json::parse(bytes);
  REQUIRE(doc.size() == 2);
  CHECK(doc[0]["id"] == 7);
  CHECK(doc[0]["username"] == "zoé \"z\"");
  CHECK(doc[0]["phones"][0] == "+33612345678");
  CHECK(doc[0]["last_interaction_at"].is_null());
  CHECK(doc[1]["last_interaction_at"] == "2026-11-01T10:00:00Z");

  std::string empty;
  FunctionSink sink2([&](std::string_view bb) {
    empty += bb;
    return true;
  });
  auto w2 = make_writer(exporting::Format::json, sink2, fields, false);
  w2->begin();
  w2->finish();
  CHECK(nlohmann::json::parse(empty) == nlohmann::json::array());
}

TEST_CASE("export fields: known names, order kept, unknown and repeated refused", "[export]") {
  auto f = parse_fields("score, username");
  REQUIRE(f.size() == 2);
  CHECK(f[0]->name == "score");
  CHECK(f[1]->name == "username");
  CHECK_THROWS_AS(parse_fields("username,nope"), UsageError);
  CHECK_THROWS_AS(parse_fields("username,username"), UsageError);
  CHECK_THROWS_AS(parse_fields(""), UsageError);
  CHECK_THROWS_AS(exporting::parse_format("xlsx"), UsageError);
  CHECK(exporting::parse_format("jsonl") == exporting::Format::jsonl);
}

TEST_CASE("export json: a string is written exactly as the JSON library writes it", "[export]") {
  auto library = [](const std::string &s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::vector<std::string> samples = {"", "@marie.dupont", "+33612345678", "2026-11-01T10:00:00Z", "say \"hi\"",
                                      "back\\slash", "tab\there", "line\nbreak", std::string("nul\0byte", 8),
                                      "del\x7f", "Élodie 😍", "bad \xff utf-8", "truncated \xc3"};
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) { // random bytes, ASCII-heavy like real exports
    std::string s(rng() % 12, ' ');
    for (char &c : s) c = static_cast<char>(rng() % 4 ? 0x20 + rng() % 0x60 : rng() % 256);
    samples.push_back(s);
  }
  for (const auto &s : samples) {
    std::string out;
    append_json_string(out, s);
    CHECK(out == library(s));
  }
}
