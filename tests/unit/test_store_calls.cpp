#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include "lib/core/error.hpp"
#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox;
using namespace webox::store;
namespace fs = std::filesystem;

namespace {

CallRecord make_call(const std::string &conversation_id, const std::string &prompt) {
  CallRecord c;
  c.conversation_id = conversation_id;
  c.provider = "echo";
  c.model = "echo";
  c.prompt = prompt;
  c.response = prompt;
  c.status = "ok";
  return c;
}

} // namespace

TEST_CASE("store: a fresh database is created private and migrated", "[store]") {
  TempDir tmp;
  fs::path file = tmp.path / "data" / "webox" / "webox.db";
  Db db(file);
  CHECK(db.schema_version() == Db::latest_schema_version());
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == Db::latest_schema_version());
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(db.execAndGet("PRAGMA foreign_keys").getInt() == 1);
  CHECK(db.execAndGet("PRAGMA busy_timeout").getInt() == 10000);
  CHECK(db.tableExists("conversations"));
  CHECK(db.tableExists("calls"));
  CHECK(file_mode(file) == 0600);
  CHECK(file_mode(file.parent_path()) == 0700);

  SECTION("opening again keeps the data and the version") {
    Calls(db).record(make_call(Calls::new_conversation_id(), "hi"), "echo:echo");
    Db again(file);
    CHECK(again.schema_version() == Db::latest_schema_version());
    CHECK(Calls(again).recent(10).size() == 1);
  }
  SECTION("a database from a newer webox is refused") {
    db.exec("PRAGMA user_version = 99");
    CHECK_THROWS_WITH(Db(file), Catch::Contains("newer") && Catch::Contains(file.string()));
  }
}

TEST_CASE("store: errors name the database file", "[store]") {
  TempDir tmp;
  fs::path file = tmp.path / "not-a-db";
  {
    std::FILE *f = std::fopen(file.c_str(), "w");
    std::fputs("this is not a SQLite database, just some text that is long enough", f);
    std::fclose(f);
  }
  CHECK_THROWS_WITH(Db(file), Catch::Contains(file.string()));
}

TEST_CASE("store: WriteTransaction rolls back unless committed", "[store]") {
  TempDir tmp;
  Db db(tmp.path / "t.db");
  {
    WriteTransaction tx(db);
    db.exec("INSERT INTO conversations(id, name) VALUES('a', 'x')");
  }
  CHECK(db.execAndGet("SELECT count(*) FROM conversations").getInt() == 0);
  {
    WriteTransaction tx(db);
    db.exec("INSERT INTO conversations(id, name) VALUES('b', 'y')");
    tx.commit();
  }
  CHECK(db.execAndGet("SELECT count(*) FROM conversations").getInt() == 1);
}

TEST_CASE("store: record and read back", "[store]") {
  TempDir tmp;
  Db db(tmp.path / "t.db");
  Calls calls(db);
  std::string cid = Calls::new_conversation_id();

  CallRecord c = make_call(cid, "first line\nsecond line");
  c.provider = "openai";
  c.model = "gpt-4o-mini";
  c.resolved_model = "gpt-4o-mini-2024-07-18";
  c.system = "be brief";
  c.response = "answer";
  c.options_json = R"({"temperature":0.2})";
  c.input_tokens = 12;
  c.output_tokens = 34;
  c.latency_ms = 812;
  c.ttft_ms = 120;
  c.created_at = "2026-01-02T03:04:05.006Z";
  int64_t id = calls.record(c, "openai:gpt-4o-mini");
  CHECK(id > 0);

  auto all = calls.calls_of(cid);
  REQUIRE(all.size() == 1);
  const CallRecord &r = all[0];
  CHECK(r.id == id);
  CHECK(r.conversation_id == cid);
  CHECK(r.provider == "openai");
  CHECK(r.model == "gpt-4o-mini");
  CHECK(r.resolved_model == "gpt-4o-mini-2024-07-18");
  CHECK(r.system == "be brief");
  CHECK(r.prompt == "first line\nsecond line");
  CHECK(r.response == "answer");
  CHECK(r.options_json == R"({"temperature":0.2})");
  CHECK(r.input_tokens == 12);
  CHECK(r.output_tokens == 34);
  CHECK(r.latency_ms == 812);
  CHECK(r.ttft_ms == 120);
  CHECK(r.status == "ok");
  CHECK(r.error.empty());
  CHECK(r.created_at == "2026-01-02T03:04:05.006Z");

  auto conv = calls.conversation(cid);
  REQUIRE(conv);
  CHECK(conv->id == cid);
  CHECK(conv->name == "first line");
  CHECK(conv->model == "openai:gpt-4o-mini");
  CHECK(conv->created_at == "2026-01-02T03:04:05.006Z");
  CHECK_FALSE(calls.conversation("nope"));

  SECTION("unknown tokens are stored as NULL and read back as -1") {
    CallRecord u = make_call(cid, "second turn");
    u.status = "error";
    u.error = "boom";
    int64_t uid = calls.record(u, "anthropic:claude");
    webox::store::Statement st(db, "SELECT input_tokens IS NULL, output_tokens IS NULL, "
                                   "ttft_ms IS NULL, created_at FROM calls WHERE id = ?");
    st.bind(1, uid);
    REQUIRE(st.executeStep());
    CHECK(st.getColumn(0).getInt() == 1);
    CHECK(st.getColumn(1).getInt() == 1);
    CHECK(st.getColumn(2).getInt() == 1);
    CHECK(st.getColumn(3).getString().size() == 24); // now_iso8601() filled in

    auto back = calls.calls_of(cid);
    REQUIRE(back.size() == 2);
    CHECK(back[1].input_tokens == -1);
    CHECK(back[1].output_tokens == -1);
    CHECK(back[1].ttft_ms == -1);
    CHECK(back[1].status == "error");
    CHECK(back[1].error == "boom");
    CHECK(back[1].options_json == "{}");
    // The second call keeps the name and moves the model.
    CHECK(calls.conversation(cid)->name == "first line");
    CHECK(calls.conversation(cid)->model == "anthropic:claude");
  }
  SECTION("a call without a conversation is stored alone") {
    int64_t lone = calls.record(make_call("", "compare column"), "echo:echo");
    CHECK(lone > id);
    CHECK(calls.recent(1).at(0).conversation_id.empty());
    CHECK(db.execAndGet("SELECT count(*) FROM conversations").getInt() == 1);
  }
}

TEST_CASE("store: conversation names are the first line, shortened at a UTF-8 boundary",
          "[store]") {
  TempDir tmp;
  Db db(tmp.path / "t.db");
  Calls calls(db);
  auto name_for = [&](const std::string &prompt) {
    std::string cid = Calls::new_conversation_id();
    calls.record(make_call(cid, prompt), "echo:echo");
    return calls.conversation(cid)->name;
  };
  CHECK(name_for("  hello  \nworld") == "hello");
  CHECK(name_for("\n\n  \nthird line\n") == "third line");
  CHECK(name_for(std::string(60, 'a')) == std::string(60, 'a'));
  CHECK(name_for(std::string(61, 'a')) == std::string(59, 'a') + "\u2026");
  std::string accents;
  for (int i = 0; i < 80; ++i) accents += "\u00e9"; // two bytes each
  std::string shortened = name_for(accents);
  std::string expected;
  for (int i = 0; i < 59; ++i) expected += "\u00e9";
  CHECK(shortened == expected + "\u2026");
  CHECK(name_for("") == "");
}

TEST_CASE("store: recent, calls_of and latest_conversation", "[store]") {
  TempDir tmp;
  Db db(tmp.path / "t.db");
  Calls calls(db);
  CHECK_FALSE(calls.latest_conversation());
  CHECK(calls.recent(3).empty());

  std::string a = Calls::new_conversation_id();
  std::string b = Calls::new_conversation_id();
  calls.record(make_call(a, "a1"), "echo:echo");
  calls.record(make_call(b, "b1"), "echo:echo");
  calls.record(make_call(a, "a2"), "echo:echo");
  calls.record(make_call(b, "b2"), "echo:echo");
  calls.record(make_call(a, "a3"), "echo:echo");

  auto newest = calls.recent(3);
  REQUIRE(newest.size() == 3);
  CHECK(newest[0].prompt == "a3");
  CHECK(newest[1].prompt == "b2");
  CHECK(newest[2].prompt == "a2");
  CHECK(calls.recent(0).size() == 5);
  CHECK(calls.recent(-1).size() == 5);

  auto of_b = calls.recent(10, b);
  REQUIRE(of_b.size() == 2);
  CHECK(of_b[0].prompt == "b2");
  CHECK(of_b[1].prompt == "b1");

  auto of_a = calls.calls_of(a);
  REQUIRE(of_a.size() == 3);
  CHECK(of_a[0].prompt == "a1");
  CHECK(of_a[2].prompt == "a3");
  CHECK(calls.calls_of("missing").empty());

  CHECK(calls.latest_conversation()->id == a);
  calls.record(make_call(b, "b3"), "echo:echo");
  CHECK(calls.latest_conversation()->id == b);
}

TEST_CASE("store: conversation ids are ULID-like, unique and sortable", "[store]") {
  const std::string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 5000; ++i) {
    std::string id = Calls::new_conversation_id();
    REQUIRE(id.size() == 26);
    REQUIRE(id.find_first_not_of(alphabet) == std::string::npos);
    REQUIRE(id[0] <= '7'); // 48-bit timestamp: the first character carries 3 bits
    REQUIRE(id > previous);
    previous = id;
    seen.insert(id);
  }
  CHECK(seen.size() == 5000);
  // The time prefix moves forward with the clock.
  std::string before = Calls::new_conversation_id();
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  std::string after = Calls::new_conversation_id();
  CHECK(before.substr(0, 10) < after.substr(0, 10));
}

TEST_CASE("store: now_iso8601", "[store]") {
  std::string t = now_iso8601();
  REQUIRE(t.size() == 24);
  CHECK(t[4] == '-');
  CHECK(t[10] == 'T');
  CHECK(t[19] == '.');
  CHECK(t[23] == 'Z');
}

TEST_CASE("store: two connections writing at once never fail with 'locked'", "[store]") {
  TempDir tmp;
  fs::path file = tmp.path / "concurrent.db";
  constexpr int kPerThread = 200;
  std::atomic<int> failures{0};
  std::string first_error;
  std::mutex error_mutex;

  // Both threads open the fresh file at the same time too: migrations must
  // not race.
  auto writer = [&](const std::string &tag) {
    try {
      Db db(file);
      Calls calls(db);
      std::string cid = Calls::new_conversation_id();
      for (int i = 0; i < kPerThread; ++i)
        calls.record(make_call(cid, tag + std::to_string(i)), "echo:echo");
    } catch (const std::exception &e) {
      ++failures;
      std::lock_guard lock(error_mutex);
      if (first_error.empty()) first_error = e.what();
    }
  };
  std::thread t1(writer, "one-");
  std::thread t2(writer, "two-");
  t1.join();
  t2.join();
  INFO(first_error);
  CHECK(failures == 0);

  Db db(file);
  CHECK(db.execAndGet("SELECT count(*) FROM calls").getInt() == 2 * kPerThread);
  CHECK(db.execAndGet("SELECT count(*) FROM conversations").getInt() == 2);
}

TEST_CASE("store: many connections opening one fresh file migrate it once", "[store]") {
  for (int round = 0; round < 5; ++round) {
    TempDir tmp;
    fs::path file = tmp.path / "fresh.db";
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&] {
        try {
          Db db(file);
          if (db.schema_version() != Db::latest_schema_version()) ++failures;
        } catch (const std::exception &) {
          ++failures;
        }
      });
    for (auto &t : threads) t.join();
    CHECK(failures == 0);
  }
}
