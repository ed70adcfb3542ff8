// The store interface on the PostgreSQL backend (webox-pg.so), against the
// tests' throwaway cluster (tests/pg_cluster.sh; ctest "unit-pg:
// test_store_pg" gives its directory in WEBOX_TEST_PG_DIR). Without it every
// case says why and passes: `unit: test_store_pg` runs them without the
// fixture, the PostgreSQL run is the other one.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

#include "lib/core/error.hpp"
#include "lib/leads/dm/ledger.hpp"
#include "lib/store/db.hpp"
#include "lib/store/exclusive_lock.hpp"
#include "lib/store/open.hpp"

namespace {

using webox::store::Db;
using webox::store::SqlError;
using webox::store::Statement;

// The cluster's URL, or "" (and a warning saying why) without one.
std::string pg_test_url() {
  const char *dir = std::getenv("WEBOX_TEST_PG_DIR");
  if (!dir || !*dir) {
    WARN("WEBOX_TEST_PG_DIR is not set: PostgreSQL cases skipped (ctest 'unit-pg: test_store_pg' runs them)");
    return {};
  }
  std::ifstream skip(std::string(dir) + "/skip");
  std::string reason;
  if (std::getline(skip, reason)) {
    WARN(reason);
    return {};
  }
  std::ifstream in(std::string(dir) + "/url");
  std::string url;
  std::getline(in, url);
  return url;
}

// A fresh schema of the cluster's database for one test case: the tables of
// the migrations land in it (search_path), dropped at the end.
struct PgScratch {
  std::string url;
  std::string schema;
  std::unique_ptr<Db> admin;
  explicit PgScratch(const std::string &base) {
    static int counter = 0;
    schema = "unit_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    admin = webox::store::open({base, "test"});
    admin->exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
    url = base + "?options=-csearch_path%3D" + schema;
  }
  ~PgScratch() { admin->tryExec("DROP SCHEMA IF EXISTS " + schema + " CASCADE"); }
  std::unique_ptr<Db> open() { return webox::store::open({url, "test"}); }
};

} // namespace

TEST_CASE("pg: values of every type go in and come back", "[store][pg]") {
  const std::string base = pg_test_url();
  if (base.empty()) return;
  PgScratch scratch(base);
  auto db = scratch.open();
  CHECK(db->backend().kind() == "postgresql");
  CHECK(db->schema_version() == Db::latest_schema_version());
  db->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER, r REAL, s TEXT, b BLOB)");
  Statement ins(*db, "INSERT INTO t(n, r, s, b) VALUES (:n, ?, ?, ?) RETURNING id");
  ins.bind(":n", static_cast<long long>(9007199254740993LL));
  ins.bind(2, 0.1);
  ins.bind(3, std::string("it's \"quoted\" ? :not_a_parameter"));
  const std::string blob("\0\x01\xff\\x", 5);
  ins.bind(4, blob.data(), static_cast<int>(blob.size()));
  auto id = webox::store::returned_id(ins);
  REQUIRE(id);
  Statement nulls(*db, "INSERT INTO t(n) VALUES (?)");
  nulls.bind(1);
  CHECK(webox::store::inserted_id(nulls) == *id + 1);
  Statement q(*db, "SELECT n, r, s, b, n IS NULL, sum(n) OVER () FROM t WHERE id = ?");
  q.bind(1, static_cast<long long>(*id));
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).isInteger());
  CHECK(q.getColumn(0).getInt64() == 9007199254740993LL);
  CHECK(q.getColumn(1).getDouble() == 0.1);
  CHECK(q.getColumn(2).getString() == "it's \"quoted\" ? :not_a_parameter");
  CHECK(q.getColumn(3).isBlob());
  CHECK(std::string(static_cast<const char *>(q.getColumn(3).getBlob()), q.getColumn(3).getBytes()) == blob);
  CHECK(q.getColumn(4).getInt() == 0); // a boolean reads as 0/1, as in SQLite
  CHECK(q.getColumn(5).isInteger());   // sum() of a bigint is NUMERIC on PostgreSQL
  CHECK(q.getColumn(5).getInt64() == 9007199254740993LL);
  Statement like(*db, "SELECT count(*) FROM t WHERE s LIKE ?");
  like.bind(1, "IT'S%");
  REQUIRE(like.executeStep());
  CHECK(like.getColumn(0).getInt() == 1); // LIKE ignores ASCII case, as SQLite's
}

TEST_CASE("pg: a unique violation is one, and a savepoint lets the transaction go on", "[store][pg]") {
  const std::string base = pg_test_url();
  if (base.empty()) return;
  PgScratch scratch(base);
  auto db = scratch.open();
  db->exec("CREATE TABLE u(k TEXT PRIMARY KEY)");
  webox::store::WriteTransaction tx(*db);
  db->exec("INSERT INTO u VALUES ('a')");
  {
    webox::store::Savepoint point(*db);
    try {
      db->exec("INSERT INTO u VALUES ('a')");
      FAIL("no error");
    } catch (const SqlError &e) {
      CHECK(e.is_unique_violation());
    }
  }
  db->exec("INSERT INTO u VALUES ('b')"); // without the savepoint: "current transaction is aborted"
  tx.commit();
  CHECK(db->execAndGet("SELECT count(*) FROM u").getInt() == 2);
}

TEST_CASE("pg: the DM ledger refuses a comment held by another row inside a caller's transaction", "[store][pg]") {
  const std::string base = pg_test_url();
  if (base.empty()) return;
  PgScratch scratch(base);
  auto db = scratch.open();
  db->exec("INSERT INTO people(platform, platform_user_id, created_at) VALUES ('instagram', '1', 'x'), "
           "('instagram', '2', 'x')");
  webox::leads::DmLedger ledger(*db);
  webox::leads::LedgerRow row;
  row.campaign = "c1";
  row.platform = "instagram";
  row.account = "me";
  row.person_id = 1;
  row.text = "hello";
  row.day = "2026-12-07";
  row.comment_id = "C1";
  webox::store::WriteTransaction outer(*db);
  REQUIRE(ledger.record_intent(row));
  row.campaign = "c2";
  row.person_id = 2;
  CHECK_FALSE(ledger.record_intent(row)); // the same comment: refused, not an error
  row.comment_id = "C2";
  CHECK(ledger.record_intent(row)); // and the transaction goes on
  outer.commit();
  CHECK(db->execAndGet("SELECT count(*) FROM dm_ledger").getInt() == 2);
}

TEST_CASE("pg: a writer waiting past the lock timeout is busy, a lost connection unavailable", "[store][pg]") {
  const std::string base = pg_test_url();
  if (base.empty()) return;
  PgScratch scratch(base);
  auto first = scratch.open();
  auto second = scratch.open();
  second->exec("SET lock_timeout = '50ms'");
  first->backend().begin_write();
  try {
    second->backend().begin_write();
    FAIL("no error");
  } catch (const SqlError &e) {
    CHECK(e.is_busy());
  }
  first->exec("ROLLBACK");
  const int64_t pid = second->execAndGet("SELECT pg_backend_pid()").getInt64();
  first->exec("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
  try {
    second->exec("SELECT 1");
    FAIL("no error");
  } catch (const SqlError &e) {
    CHECK(e.kind() == SqlError::Kind::unavailable);
  }
  // As a webox::Error: exit 75.
  try {
    webox::store::guarded(*second, [&] { return second->execAndGet("SELECT 1").getInt(); });
    FAIL("no error");
  } catch (const webox::Error &e) {
    CHECK(e.code() == webox::ExitCode::temporary);
  }
}

TEST_CASE("pg: an exclusive lock is the database's: a second connection cannot take it, a closed one frees it",
          "[store][pg]") {
  const std::string base = pg_test_url();
  if (base.empty()) return;
  PgScratch scratch(base);
  auto first = scratch.open();
  auto second = scratch.open();
  // The file would be each host's own: on a server it is not used.
  {
    webox::store::ExclusiveLock held(*first, "collect:instagram:1", "/nonexistent/a.lock");
    CHECK(held.held());
    webox::store::ExclusiveLock refused(*second, "collect:instagram:1", "/nonexistent/b.lock");
    CHECK_FALSE(refused.held());
    webox::store::ExclusiveLock other(*second, "collect:instagram:2", "/nonexistent/b.lock");
    CHECK(other.held());
  }
  webox::store::ExclusiveLock again(*second, "collect:instagram:1", "/nonexistent/b.lock");
  CHECK(again.held()); // released by the first holder's destructor
  // A session that ends (a killed process) releases it too.
  {
    auto third = scratch.open();
    webox::store::ExclusiveLock held(*third, "export:x", "/nonexistent/c.lock");
    CHECK(held.held());
    const int64_t pid = third->execAndGet("SELECT pg_backend_pid()").getInt64();
    first->exec("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
  }
  for (int i = 0; i < 50; ++i) { // the server notices the end of the session asynchronously
    webox::store::ExclusiveLock after(*first, "export:x", "/nonexistent/a.lock");
    if (after.held()) return;
    ::usleep(20000);
  }
  FAIL("the lock of a terminated session was never released");
}

TEST_CASE("pg: a bulk load (COPY) stores every value as an INSERT would", "[store][pg]") {
  const std::string base = pg_test_url();
  if (base.empty()) return;
  PgScratch scratch(base);
  auto db = scratch.open();
  db->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER, r REAL, s TEXT, b BLOB)");
  const std::string text = "tab\there, line\nfeed, cr\r, back\\slash, \\N, \"quote\", é";
  const std::string blob("\0\x01\xff\\x\t\n", 7);
  {
    webox::store::WriteTransaction tx(*db);
    auto load = db->backend().bulk_load("t", {"id", "n", "r", "s", "b"});
    REQUIRE(load);
    load->add_int64(1);
    load->add_int64(-9007199254740993LL);
    load->add_double(0.1);
    load->add_text(text);
    load->add_blob(blob.data(), blob.size());
    load->end_row();
    load->add_int64(2);
    load->add_null();
    load->add_null();
    load->add_text("");
    load->add_null();
    load->end_row();
    CHECK(load->finish() == 2);
    tx.commit();
  }
  Statement q(*db, "SELECT n, r, s, b FROM t WHERE id = 1");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getInt64() == -9007199254740993LL);
  CHECK(q.getColumn(1).getDouble() == 0.1);
  CHECK(q.getColumn(2).getString() == text);
  CHECK(std::string(static_cast<const char *>(q.getColumn(3).getBlob()), q.getColumn(3).getBytes()) == blob);
  Statement empty(*db, "SELECT n IS NULL, r IS NULL, s = '', b IS NULL FROM t WHERE id = 2");
  REQUIRE(empty.executeStep());
  for (int c = 0; c < 4; ++c) CHECK(empty.getColumn(c).getInt() == 1);
  // A value the column refuses fails the load, and nothing of it is kept.
  try {
    webox::store::WriteTransaction tx(*db);
    auto load = db->backend().bulk_load("t", {"id", "n"});
    load->add_int64(3);
    load->add_text("not a number");
    load->end_row();
    load->finish();
    FAIL("no error");
  } catch (const SqlError &e) {
    CHECK(std::string(e.what()).find("invalid input syntax") != std::string::npos);
  }
  CHECK(db->execAndGet("SELECT count(*) FROM t").getInt() == 2);
}

TEST_CASE("pg: the DM ledger counts the daily quota under the write lock", "[store][pg]") {
  const std::string base = pg_test_url();
  if (base.empty()) return;
  PgScratch scratch(base);
  auto db = scratch.open();
  db->exec("INSERT INTO people(id, platform, platform_user_id, created_at) VALUES (1, 'x', 'a', 'now'), "
           "(2, 'x', 'b', 'now'), (3, 'x', 'c', 'now')");
  webox::leads::DmLedger ledger(*db);
  webox::leads::LedgerRow row;
  row.campaign = "c";
  row.platform = "x";
  row.account = "me";
  row.day = "2026-12-08";
  row.text = "hi";
  bool spent = true;
  row.person_id = 1;
  CHECK(ledger.record_intent(row, 2, &spent));
  CHECK_FALSE(spent);
  row.person_id = 2;
  CHECK(ledger.record_intent(row, 2, &spent));
  row.person_id = 3;
  CHECK_FALSE(ledger.record_intent(row, 2, &spent));
  CHECK(spent);
  CHECK(db->execAndGet("SELECT count(*) FROM dm_ledger").getInt() == 2);
}
