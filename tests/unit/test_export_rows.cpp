#include <catch2/catch.hpp>

#include "lib/store/db.hpp"

#include "lib/export/export_state.hpp"
#include "lib/export/row_source.hpp"
#include "lib/export/sink.hpp"
#include "temp_dir.hpp"

using namespace webox;
using namespace webox::exporting;

namespace {

// n leads, person i with score i, updated at 2026-11-01T10:00:00.<i>Z.
void seed(store::Db &db, int n) {
  for (int i = 1; i <= n; ++i) {
    webox::store::Statement p(db, "INSERT INTO people(platform, platform_user_id, username, score, last_interaction_at, created_at) "
                                  "VALUES('instagram', ?, ?, ?, 1793527200, 't') RETURNING id");
    p.bind(1, std::to_string(i));
    p.bind(2, "user" + std::to_string(i));
    p.bind(3, i);
    const int64_t person_id = webox::store::returned_id(p).value_or(0);
    webox::store::Statement l(db, "INSERT INTO leads(person_id, score, phones, created_at, updated_at) VALUES(?, ?, ?, 't', ?)");
    l.bind(1, person_id);
    l.bind(2, i);
    l.bind(3, i % 2 ? R"(["+33612345678","+33698765432"])" : "[]");
    char at[40];
    std::snprintf(at, sizeof at, "2026-11-01T10:00:00.%03dZ", i);
    l.bind(4, at);
    l.exec();
  }
}

std::vector<std::vector<std::string>> read_all(RowSource &rows, size_t page = 0) {
  std::vector<std::vector<std::string>> out;
  while (rows.next_page(
      [&](int64_t, std::span<const Cell> cells) {
        std::vector<std::string> r;
        for (const auto &c : cells) r.push_back(c.null ? "<null>" : std::string(c.text));
        out.push_back(r);
      },
      page)) {
  }
  return out;
}

} // namespace

TEST_CASE("export rows: pages in id order, filters, limit, joined lists", "[export]") {
  store::Db db(":memory:");
  seed(db, 25);
  leads::LeadFilter all;
  RowSource rows(db, all, parse_fields("id,username,phones,phone,last_interaction_at"), true, std::nullopt, 7);
  auto got = read_all(rows);
  REQUIRE(got.size() == 25);
  CHECK(got[0] == std::vector<std::string>{"1", "user1", "+33612345678 +33698765432", "+33612345678", "2026-11-01T10:00:00Z"});
  CHECK(got[1][2] == "");
  CHECK(got[1][3] == "<null>");
  CHECK(got[24][0] == "25");
  CHECK(rows.watermark() == "2026-11-01T10:00:00.025Z");

  leads::LeadFilter f;
  f.min_score = 20;
  f.has_phone = true;
  f.limit = 2;
  RowSource some(db, f, parse_fields("score,phones"), false);
  auto picked = read_all(some, 1);
  REQUIRE(picked.size() == 2);
  CHECK(picked[0] == std::vector<std::string>{"21", R"(["+33612345678","+33698765432"])"});
  CHECK(picked[1][0] == "23");
}

TEST_CASE("export rows: incremental window and export state", "[export]") {
  store::Db db(":memory:");
  seed(db, 10);
  CHECK_FALSE(load_state(db, "webhook:x"));
  RowSource since(db, {}, parse_fields("id"), false, std::string("2026-11-01T10:00:00.007Z"));
  auto got = read_all(since);
  REQUIRE(got.size() == 3);
  CHECK(got[0][0] == "8");
  save_state(db, "webhook:x", since.watermark(), 3);
  REQUIRE(load_state(db, "webhook:x"));
  CHECK(load_state(db, "webhook:x")->watermark == "2026-11-01T10:00:00.010Z");

  save_remote_id(db, "notion:x", 3, "page-3");
  CHECK(remote_id(db, "notion:x", 3) == std::optional<std::string>("page-3"));
  CHECK_FALSE(remote_id(db, "notion:x", 4));
}

TEST_CASE("export checkpoint: a resumed export skips what was acknowledged", "[export]") {
  store::Db db(":memory:");
  seed(db, 10);
  RowSource first(db, {}, parse_fields("id"), false);
  Checkpoint cp(db, "webhook:x", {"scope", std::nullopt, first.watermark(), 0, 0}, std::nullopt);
  first.next_page([](int64_t, std::span<const Cell>) {}, 4);
  cp.acknowledged(4, 4);
  auto p = load_progress(db, "webhook:x");
  REQUIRE(p);
  CHECK(p->after_id == 4);
  CHECK_FALSE(p->since);
  // Lead 2 changes after the interruption: it goes again, 1, 3, 4 do not.
  webox::store::Statement touch(db, "UPDATE leads SET updated_at = '2026-11-02T00:00:00.000Z' WHERE id = 2");
  touch.exec();
  RowSource resumed(db, {}, parse_fields("id"), false, std::nullopt, 2000, Delivered{p->watermark, p->after_id});
  auto got = read_all(resumed);
  REQUIRE(got.size() == 7);
  CHECK(got[0][0] == "2");
  CHECK(got[1][0] == "5");
  // A run that stops earlier than the checkpoint it resumed does not move it back.
  Checkpoint again(db, "webhook:x", {"scope", std::nullopt, resumed.watermark(), 0, 0}, p);
  again.acknowledged(2, 1);
  CHECK(load_progress(db, "webhook:x")->after_id == 4);
  again.acknowledged(6, 3);
  CHECK(load_progress(db, "webhook:x")->after_id == 6);
  // A refusal freezes it; a complete export drops it.
  again.refused();
  again.acknowledged(9, 6);
  CHECK(load_progress(db, "webhook:x")->after_id == 6);
  save_state(db, "webhook:x", resumed.watermark(), 10);
  CHECK_FALSE(load_progress(db, "webhook:x"));
}

TEST_CASE("export state: migration 11 takes credentials out of webhook keys", "[export][store]") {
  TempDir dir;
  auto file = dir.path / "webox.db";
  {
    store::Db db(file);
    db.exec("INSERT INTO export_state VALUES('webhook:https://crm:hunter22@crm.example/hooks/a@b#0123456789abcdef', 'w', 1, 't'),"
                  "('webhook:https://crm.example/x#fedcba9876543210', 'w', 2, 't'), ('notion:abc', 'w', 3, 't')");
    db.exec("PRAGMA user_version = 10");
  }
  store::Db db(file);
  CHECK(load_state(db, "webhook:https://crm.example/hooks/a@b#0123456789abcdef"));
  CHECK(load_state(db, "webhook:https://crm.example/x#fedcba9876543210"));
  CHECK(load_state(db, "notion:abc"));
  CHECK(db.execAndGet("SELECT count(*) FROM export_state WHERE destination LIKE '%hunter22%'").getInt() == 0);
}

TEST_CASE("export sink: complete file or nothing", "[export]") {
  TempDir dir;
  auto target = dir.path / "out.csv";
  {
    FileSink sink(target);
    sink.write("partial");
    CHECK(std::filesystem::exists(sink.temp_path()));
    // destroyed without commit: as if an error or Ctrl-C happened
  }
  CHECK_FALSE(std::filesystem::exists(target));
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator()) == 0);
  {
    FileSink sink(target);
    sink.write("a,b\r\n");
    sink.commit();
  }
  CHECK(std::filesystem::file_size(target) == 5);
  CHECK_THROWS(FileSink(dir.path / "missing" / "x.csv"));
}
