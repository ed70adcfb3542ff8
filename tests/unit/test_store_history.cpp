#include <catch2/catch.hpp>


#include "lib/core/error.hpp"
#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"
#include "lib/store/history.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox;
using namespace webox::store;

namespace {

CallRecord call_in(const std::string &cid, const std::string &prompt, const std::string &response) {
  CallRecord c;
  c.conversation_id = cid;
  c.provider = "openai";
  c.model = "gpt-4o-mini";
  c.prompt = prompt;
  c.response = response;
  c.status = "ok";
  return c;
}

} // namespace

TEST_CASE("history: typed words become quoted FTS5 terms", "[store][history]") {
  CHECK(quote_fts_terms("budget Lyon") == R"("budget" "Lyon")");
  CHECK(quote_fts_terms("  budget\t\nLyon  ") == R"("budget" "Lyon")");
  CHECK(quote_fts_terms(R"(say "hi")") == R"("say" """hi""")");
  CHECK(quote_fts_terms("NEAR(a b) OR c* -d col:e") == R"q("NEAR(a" "b)" "OR" "c*" "-d" "col:e")q");
}

TEST_CASE("history: empty and oversized queries are usage errors", "[store][history]") {
  CHECK_THROWS_AS(quote_fts_terms(""), UsageError);
  CHECK_THROWS_AS(quote_fts_terms(" \t\n"), UsageError);
  CHECK_THROWS_AS(quote_fts_terms(std::string(kMaxQueryBytes + 1, 'x')), UsageError);
  std::string many;
  for (size_t i = 0; i <= kMaxQueryTerms; ++i) many += "w ";
  CHECK_THROWS_AS(quote_fts_terms(many), UsageError);
}

TEST_CASE("history: call statuses", "[store][history]") {
  CHECK_NOTHROW(check_call_status(""));
  CHECK_NOTHROW(check_call_status("error"));
  CHECK_THROWS_AS(check_call_status("failed"), UsageError);
}

TEST_CASE("history: the index follows the store's writes and searches newest first", "[store][history]") {
  TempDir tmp;
  Db db(tmp.path / "webox.db");
  Calls calls(db);
  calls.record(call_in("A", "budget pour Lyon", "environ 300 euros"), "openai:gpt-4o-mini");
  calls.record(call_in("B", "autre chose", "le budget reste à Lyon"), "openai:gpt-4o-mini");
  calls.record(call_in("B", "rien", "rien"), "openai:gpt-4o-mini");

  HistoryFilter all;
  std::vector<SearchHit> hits = search_calls(db, quote_fts_terms("budget lyon"), all);
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].conversation_id == "B");
  CHECK(hits[1].conversation_id == "A");
  CHECK(hits[0].snippet.find(std::string(1, kMatchStart) + "budget" + kMatchEnd) != std::string::npos);

  std::vector<ConversationSummary> convs = list_conversations(db, all);
  REQUIRE(convs.size() == 2);
  CHECK(convs[0].id == "B");
  CHECK(convs[0].turns == 2);
  CHECK(convs[0].title == "autre chose");
  CHECK_FALSE(convs[0].cost);

  CHECK_THROWS_AS(search_calls(db, "\"unbalanced", all), UsageError);
}

TEST_CASE("history: migration 14 indexes the calls of a database from before it", "[store][history]") {
  TempDir tmp;
  const auto file = tmp.path / "webox.db";
  {
    Db db(file);
    Calls(db).record(call_in("A", "budget pour Lyon", "ok"), "openai:gpt-4o-mini");
    // Back to schema 13, as the previous release left it, plus a call written then.
    db.exec("DROP TRIGGER calls_fts_insert; DROP TRIGGER calls_fts_delete; DROP TRIGGER calls_fts_update;"
                  "DROP TABLE calls_fts; PRAGMA user_version = 13;");
    db.exec("INSERT INTO calls(provider, model, prompt, response, status, created_at) "
                  "VALUES('openai', 'gpt-4o-mini', 'older', 'le budget de Lyon', 'ok', '2026-01-01T00:00:00.000Z')");
  }
  Db db(file);
  CHECK(db.schema_version() == Db::latest_schema_version());
  CHECK(search_calls(db, quote_fts_terms("budget lyon"), HistoryFilter{}).size() == 2);
}
