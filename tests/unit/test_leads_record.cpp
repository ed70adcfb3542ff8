#include <catch2/catch.hpp>

#include <cstdlib>
#include <sstream>

#include "lib/leads/collect/collect.hpp"
#include "lib/leads/collect/record.hpp"
#include "lib/store/db.hpp"

using namespace webox::leads;
using nlohmann::json;

TEST_CASE("timestamps in every shape the sources use", "[leads][record]") {
  CHECK(parse_timestamp_text("2019-09-26T22:36:43+0000") == 1569537403);
  CHECK(parse_timestamp_text("2019-09-26T22:36:43Z") == 1569537403);
  CHECK(parse_timestamp_text("2019-09-27T00:36:43+02:00") == 1569537403);
  CHECK(parse_timestamp_text("2019-09-26T22:36:43.123Z") == 1569537403);
  CHECK(parse_timestamp_text("2026-11-01") == 1793491200);
  CHECK(parse_timestamp(json(1569537403)) == 1569537403);
  CHECK(parse_timestamp(json(1569537403123LL)) == 1569537403);  // milliseconds
  CHECK(parse_timestamp(json("1569537403")) == 1569537403);
  CHECK_THROWS_AS(parse_timestamp_text("yesterday"), RecordError);
  CHECK_THROWS_AS(parse_timestamp_text("2026-13-01"), RecordError);
  CHECK(iso8601_utc(1569537403) == "2019-09-26T22:36:43Z");
}

TEST_CASE("a record is validated field by field", "[leads][record]") {
  json ok = json::parse(R"({"platform":"instagram","platform_id":"c1","kind":"comment",
    "person":{"id":"9","username":"marie"},"text":"hi","timestamp":"2026-11-01T10:00:00Z",
    "post":{"id":"p1","like_count":3}})");
  Interaction it = interaction_from_json(ok);
  CHECK(it.kind == Kind::comment);
  CHECK(it.person.id == "9");
  REQUIRE(it.post);
  CHECK(*it.post->like_count == 3);

  auto error_of = [](const char *text) {
    try {
      interaction_from_json(json::parse(text));
    } catch (const RecordError &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of(R"({"platform_id":"c","kind":"dm","person":{"id":"1"},"timestamp":1})") == "missing \"platform\"");
  CHECK(error_of(R"({"platform":"x","kind":"dm","person":{"id":"1"},"timestamp":1})") == "missing \"platform_id\"");
  CHECK(error_of(R"({"platform":"x","platform_id":"c","kind":"poke","person":{"id":"1"},"timestamp":1})").find("\"poke\"") != std::string::npos);
  CHECK(error_of(R"({"platform":"x","platform_id":"c","kind":"dm","person":{},"timestamp":1})") == "\"person\" needs an \"id\" or a \"username\"");
  CHECK(error_of(R"({"platform":"x","platform_id":"c","kind":"dm","person":{"id":"1"}})") == "missing \"timestamp\"");
  CHECK(error_of(R"({"platform":"x","platform_id":"c","kind":"dm","person":{"id":"1"},"timestamp":1,"post":7})").find("post") != std::string::npos);
  // A username alone identifies the person.
  CHECK(interaction_from_json(json::parse(R"({"platform":"x","platform_id":"c","kind":"dm","person":{"username":"bob"},"timestamp":1})")).person.id == "@bob");
}

TEST_CASE("users' files: the username as a string, other tools' kinds", "[leads][record]") {
  auto read = [](const char *text) { return interaction_from_json(json::parse(text)); };
  Interaction it = read(R"({"platform":"linkedin","platform_id":"r","kind":"reaction","person":"marie.dupont","timestamp":1})");
  CHECK(it.kind == Kind::like);
  CHECK(it.person.username == "marie.dupont");
  CHECK(it.person.id == "@marie.dupont");
  CHECK(read(R"({"platform":"x","platform_id":"r","kind":"repost","person":"@jean","timestamp":1})").person.id == "@jean");
  CHECK(read(R"({"platform":"x","platform_id":"r","kind":"repost","person":"jean","timestamp":1})").kind == Kind::mention);
  CHECK(read(R"({"platform":"x","platform_id":"r","kind":"share","person":"jean","timestamp":1})").kind == Kind::mention);
  // The stored names alone are configuration keys (weights, caps).
  CHECK_FALSE(parse_kind("share"));
  // A round trip keeps the record (exports are imported again).
  CHECK(to_json(read(R"({"platform":"x","platform_id":"r","kind":"share","person":"jean","timestamp":1})")) ==
        to_json(interaction_from_json(to_json(read(R"({"platform":"x","platform_id":"r","kind":"share","person":"jean","timestamp":1})")))));
  for (const char *bad : {R"({"platform":"x","platform_id":"r","kind":"like","person":"","timestamp":1})",
                          R"({"platform":"x","platform_id":"r","kind":"like","person":"@","timestamp":1})",
                          R"({"platform":"x","platform_id":"r","kind":"like","person":7,"timestamp":1})"}) {
    INFO(bad);
    CHECK_THROWS_AS(read(bad), RecordError);
  }
}

TEST_CASE("JSONL import reports bad lines with their numbers and keeps the good ones", "[leads][record]") {
  webox::store::Db db(":memory:");
  LeadsStore store(db, LeadsSettings{}, 1795000000);
  std::istringstream in(
      "{\"platform\":\"x\",\"platform_id\":\"1\",\"kind\":\"comment\",\"person\":{\"id\":\"a\"},\"text\":\"prix ?\",\"timestamp\":1795000000}\n"
      "\n"
      "{broken\n"
      "{\"platform\":\"x\",\"platform_id\":\"2\",\"kind\":\"like\",\"person\":{\"id\":\"a\"},\"timestamp\":1795000000}\r\n"
      "[1,2]\n"
      "{\"platform\":\"x\",\"platform_id\":\"1\",\"kind\":\"comment\",\"person\":{\"id\":\"a\"},\"timestamp\":1795000000}\n");
  std::vector<LineError> errors;
  import_jsonl(store, in, errors, 0, {}, 2);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].line == 3);
  CHECK(errors[1].line == 5);
  CHECK(store.counts().new_interactions == 2);  // the repeated id is not a new one
  CHECK(store.counts().new_people == 1);
  CHECK(store.counts().pages == 2);
}

// Found by fuzz/fuzz_lead_record: a float timestamp beyond int64 was
// converted anyway (undefined behaviour); absurd timestamps are now refused
// like any other bad field, so the importer skips the line.
TEST_CASE("timestamps out of any calendar are refused", "[leads][record][fuzz]") {
  using nlohmann::json;
  CHECK_THROWS_AS(parse_timestamp(json::parse("17111111111111111114557600")), RecordError);
  CHECK_THROWS_AS(parse_timestamp(json::parse("1.7e22")), RecordError);
  CHECK_THROWS_AS(parse_timestamp(json::parse("-1e300")), RecordError);
  CHECK_THROWS_AS(parse_timestamp(json::parse("18446744073709551615")), RecordError);
  CHECK_THROWS_AS(parse_timestamp(json("99999999999999999")), RecordError);
  CHECK(parse_timestamp(json::parse("1714557600")) == 1714557600);
  CHECK(parse_timestamp(json::parse("1714557600000")) == 1714557600);
  CHECK(parse_timestamp(json::parse("1714557600.5")) == 1714557600);
}

TEST_CASE("WEBOX_NOW pins the clock; a value that is not a whole number is ignored", "[leads][record]") {
  ::setenv("WEBOX_NOW", "1795100000", 1);
  CHECK(unix_now() == 1795100000);
  ::setenv("WEBOX_NOW", "1795100000x", 1);
  CHECK(unix_now() > 1795100000); // the system clock (written after 2026-11)
  ::unsetenv("WEBOX_NOW");
  CHECK(unix_now() > 1795100000);
}
