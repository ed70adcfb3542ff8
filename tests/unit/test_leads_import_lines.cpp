// The JSONL import's worker threads: chunks come back in input order, with
// the right line numbers across chunk boundaries, whatever the number of
// workers; and what a row carries is what PageWriter::add would compute.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>


#include "lib/leads/collect/collect.hpp"
#include "lib/leads/collect/import_lines.hpp"
#include "lib/leads/score/scoring.hpp"
#include "lib/store/db.hpp"

using namespace webox::leads;

namespace {

std::string record(int i, const std::string &text = "") {
  return R"({"platform":"x","platform_id":"c)" + std::to_string(i) + R"(","kind":"comment","person":{"id":"u)" +
         std::to_string(i % 7) + R"("},"text":")" + text + R"(","timestamp":)" + std::to_string(1795000000 + i) + "}";
}

struct Collected {
  std::vector<std::string> ids;
  std::vector<LineError> errors;
  std::vector<bool> intent;
  std::vector<size_t> contacts;
};

Collected collect_all(const std::string &input, int workers, int64_t since = 0) {
  std::istringstream in(input);
  PhoneDetector phones;
  ImportLines lines(in, phones, since, workers);
  Collected out;
  while (const ParsedChunk *chunk = lines.next()) {
    out.errors.insert(out.errors.end(), chunk->errors.begin(), chunk->errors.end());
    for (size_t i = 0; i < chunk->count; ++i) {
      out.ids.push_back(chunk->rows[i].it.platform_id);
      out.intent.push_back(chunk->rows[i].intent);
      out.contacts.push_back(chunk->rows[i].contacts.size());
    }
  }
  return out;
}

} // namespace

TEST_CASE("import lines come back in order, with their numbers, across chunks and workers", "[leads][import]") {
  // Three and a half chunks; a bad line every 500, blank and CRLF lines.
  std::string input;
  std::vector<std::string> want_ids;
  std::vector<int64_t> want_bad;
  const int lines = static_cast<int>(ImportLines::kChunkLines) * 3 + 512;
  for (int n = 1; n <= lines; ++n) {
    if (n % 500 == 0) {
      input += "{broken\n";
      want_bad.push_back(n);
    } else if (n % 333 == 0) {
      input += "   \n";
    } else {
      input += record(n) + (n % 2 ? "\r\n" : "\n");
      want_ids.push_back("c" + std::to_string(n));
    }
  }
  for (int workers : {1, 2, 4}) {
    INFO("workers: " << workers);
    Collected got = collect_all(input, workers);
    CHECK(got.ids == want_ids);
    REQUIRE(got.errors.size() == want_bad.size());
    for (size_t i = 0; i < want_bad.size(); ++i) {
      CHECK(got.errors[i].line == want_bad[i]);
      CHECK(got.errors[i].message == "not valid JSON");
    }
  }
}

TEST_CASE("import lines carry intent and contacts, and skip lines before --since", "[leads][import]") {
  std::string input = record(1, "Prix ? écrivez à a@b.fr") + "\n" + record(2, "Bravo") + "\n" + record(3, "MP moi") + "\n";
  Collected got = collect_all(input, 2);
  REQUIRE(got.ids.size() == 3);
  CHECK(got.intent == std::vector<bool>{true, false, true});
  CHECK(got.contacts == std::vector<size_t>{1, 0, 0});
  Collected recent = collect_all(input, 2, 1795000002);
  CHECK(recent.ids == std::vector<std::string>{"c2", "c3"});
}

TEST_CASE("an empty input gives no chunk of rows", "[leads][import]") {
  Collected got = collect_all("", 3);
  CHECK(got.ids.empty());
  CHECK(got.errors.empty());
}

TEST_CASE("import lines stop cleanly when the writer stops early", "[leads][import]") {
  // The writer throws (Ctrl-C, a database error) after the first chunk:
  // destroying the reader joins workers that are waiting for free chunks.
  std::string input;
  for (int n = 1; n <= static_cast<int>(ImportLines::kChunkLines) * 20; ++n) input += record(n) + "\n";
  std::istringstream in(input);
  PhoneDetector phones;
  {
    ImportLines lines(in, phones, 0, 2);
    const ParsedChunk *first = lines.next();
    REQUIRE(first != nullptr);
    CHECK(first->count == ImportLines::kChunkLines);
    CHECK(first->rows[0].it.platform_id == "c1");
  }
  SUCCEED("joined");
}

TEST_CASE("an import gives its connection back with foreign keys on", "[leads][import]") {
  // The import turns foreign key checks off and checkpoints less often on
  // its own connection while it runs; later writers must get both back.
  webox::store::Db db(":memory:");
  LeadsStore store(db, LeadsSettings{}, 1795000000);
  std::istringstream in(record(1) + "\n" + record(2) + "\n");
  std::vector<LineError> errors;
  import_jsonl(store, in, errors);
  CHECK(errors.empty());
  CHECK(store.counts().new_interactions == 2);
  CHECK(db.execAndGet("PRAGMA foreign_keys").getInt() == 1);
  CHECK(db.execAndGet("PRAGMA wal_autocheckpoint").getInt() == 1000);
  CHECK(db.execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt() == 0);
}
