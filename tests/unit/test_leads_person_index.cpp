// The person index around a bulk import (lib/leads/collect/person_index.hpp): out
// while a large import writes its pages, back as migration 4 defines it
// before scoring; left out by an interrupted import, it comes back with the
// next LeadsStore, unless an import holds the lock.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>


#include "lib/core/fd.hpp"

#include "lib/leads/collect/collect.hpp"
#include "lib/leads/collect/person_index.hpp"
#include "lib/store/db.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox::leads;

namespace {

constexpr int64_t kScoredAt = 1795100000;

std::string records(int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += R"({"platform":"instagram","platform_id":"c)" + std::to_string(i) + R"(","kind":")" +
           (i % 3 ? "comment" : "like") + R"(","person":{"id":"u)" + std::to_string(i % 37) + R"("},"text":"Prix ?",)" +
           R"("timestamp":)" + std::to_string(kScoredAt - 3600 * i) + "}\n";
  return out;
}

bool has_index(webox::store::Db &db) {
  return db.execAndGet("SELECT count(*) FROM sqlite_schema WHERE name = 'interactions_by_person'").getInt() == 1;
}

std::string index_sql(webox::store::Db &db) {
  return db.execAndGet("SELECT sql FROM sqlite_schema WHERE name = 'interactions_by_person'").getString();
}

struct Imported {
  std::vector<bool> index_during_pages;
  std::vector<std::pair<std::string, int>> scores;
};

Imported import(webox::store::Db &db, const std::string &input, int64_t input_bytes) {
  LeadsStore store(db, LeadsSettings{}, kScoredAt);
  std::istringstream in(input);
  std::vector<LineError> errors;
  Imported out;
  import_jsonl(store, in, errors, 0, [&](const RunCounts &) { out.index_during_pages.push_back(has_index(db)); }, 100,
               input_bytes);
  REQUIRE(errors.empty());
  webox::store::Statement q(db, "SELECT platform_user_id, score FROM people ORDER BY platform_user_id");
  while (q.executeStep()) out.scores.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt());
  return out;
}

} // namespace

TEST_CASE("a bulk import writes its pages without the person index and builds it before scoring", "[leads][import]") {
  TempDir dir;
  webox::store::Db bulk_db(dir.path / "bulk.db");
  webox::store::Db plain_db(dir.path / "plain.db");
  const std::string fresh = index_sql(bulk_db);
  REQUIRE_FALSE(fresh.empty());
  const std::string input = records(450);

  Imported bulk = import(bulk_db, input, kDefaultBulkRows * 100); // "a file of 10 MB"
  Imported plain = import(plain_db, input, 0);                     // a pipe: size unknown

  REQUIRE(bulk.index_during_pages.size() == 5);
  CHECK(bulk.index_during_pages == std::vector<bool>(5, false));
  CHECK(plain.index_during_pages == std::vector<bool>(5, true));
  CHECK(index_sql(bulk_db) == fresh); // as migration 4 defines it
  CHECK(bulk.scores == plain.scores);
  CHECK(bulk.scores.size() == 37);
}

TEST_CASE("an import smaller than the table, or than the bulk size, keeps the index", "[leads][import]") {
  TempDir dir;
  webox::store::Db db(dir.path / "w.db");
  import(db, records(450), 0);
  // 300 expected rows: fewer than the 450 stored.
  PersonIndexDeferral smaller(db, 300, 1);
  CHECK_FALSE(smaller.deferred());
  PersonIndexDeferral below_bulk(db, kDefaultBulkRows - 1, kDefaultBulkRows);
  CHECK_FALSE(below_bulk.deferred());
  CHECK(has_index(db));
}

TEST_CASE("an index left out by an interrupted import comes back, but not under a running import", "[leads][import]") {
  TempDir dir;
  webox::store::Db db(dir.path / "w.db");
  webox::store::Db other(dir.path / "w.db"); // another process's connection
  {
    PersonIndexDeferral running(db, 1000000, 1);
    REQUIRE(running.deferred());
    CHECK_FALSE(has_index(other));
    ensure_person_index(other); // the import holds the lock: not now
    CHECK_FALSE(has_index(other));
  } // killed before finish(): the lock goes with it
  CHECK_FALSE(has_index(other));
  LeadsStore next(other, LeadsSettings{}, kScoredAt);
  CHECK(has_index(other));
  CHECK(index_sql(other) == index_sql(db));
}

TEST_CASE("an import that finds the lock taken keeps the index as it is", "[leads][import]") {
  TempDir dir;
  webox::store::Db db(dir.path / "w.db");
  webox::Fd held(::open((dir.path / "w.db-import.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(::flock(held.get(), LOCK_EX | LOCK_NB) == 0);
  PersonIndexDeferral deferral(db, 1000000, 1);
  CHECK_FALSE(deferral.deferred());
  CHECK(has_index(db));
  held.close();
  PersonIndexDeferral free_now(db, 1000000, 1);
  CHECK(free_now.deferred());
  CHECK(file_mode(dir.path / "w.db-import.lock") == 0600);
}

TEST_CASE("a database without a file never defers its index", "[leads][import]") {
  webox::store::Db db(":memory:");
  PersonIndexDeferral deferral(db, 1000000, 1);
  CHECK_FALSE(deferral.deferred());
  CHECK(has_index(db));
}
