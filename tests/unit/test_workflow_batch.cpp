// Provider batches: the batch price table, the store's record-once claim,
// adoption by request hash (lib/workflow/batch_store, lib/chat/prices).
#include <catch2/catch.hpp>

#include <fstream>

#include "lib/store/db.hpp"

#include "lib/chat/prices.hpp"
#include "lib/workflow/batch_store.hpp"
#include "tests/unit/temp_dir.hpp"

namespace wf = webox::workflow;

TEST_CASE("batch prices come from the table's batch entries, never from the normal ones", "[batch]") {
  TempDir dir;
  std::ofstream(dir.path / "prices.json")
      << R"({"prices": {"openai:m": {"input": 1.0, "output": 4.0, "batch": {"input": 0.5, "output": 2.0}},
                        "groq:x": {"input": 1.0, "output": 1.0}}})";
  webox::chat::PriceTable prices(dir.path / "prices.json", {});
  const webox::chat::PriceTable batch = prices.for_batch();
  CHECK(*prices.cost("openai", "m", 1000000, 1000000) == Approx(5.0));
  CHECK(*batch.cost("openai", "m", 1000000, 1000000) == Approx(2.5));
  CHECK_FALSE(batch.cost("groq", "x", 10, 10).has_value()); // unknown, not the normal price
}

TEST_CASE("a batch price needs both numbers", "[batch]") {
  TempDir dir;
  std::ofstream(dir.path / "prices.json") << R"({"prices": {"openai:m": {"input": 1, "output": 4, "batch": {"input": 0.5}}}})";
  CHECK_THROWS_WITH(webox::chat::PriceTable(dir.path / "prices.json", {}),
                    Catch::Contains("batch price of 'openai:m'"));
}

TEST_CASE("a batch result is recorded once, its call logged once", "[batch]") {
  TempDir dir;
  webox::store::Db db(dir.path / "webox.db");
  wf::BatchStore store(db);
  wf::BatchRow row;
  row.provider = "openai";
  row.model = "m";
  row.run_id = "run1";
  wf::BatchItemRow a;
  a.custom_id = "t0";
  a.step_id = "s";
  a.request_hash = "h0";
  a.prompt = "p";
  a.options_json = "{}";
  wf::BatchItemRow b = a;
  b.custom_id = "t1";
  b.request_hash = "h1";
  const int64_t id = store.create(row, {a, b});
  CHECK(store.find(std::to_string(id))->state == "submitting");
  CHECK(store.adoptable("openai", "m", "h0").empty()); // not submitted: nothing runs at the provider
  store.submitted(id, {"batch_x", "in_progress", "in_progress", "", 2, 0, 0});
  CHECK(store.find("batch_x")->id == id);
  REQUIRE(store.adoptable("openai", "m", "h0").size() == 1);

  webox::store::CallRecord call;
  call.provider = "openai";
  call.model = "m";
  call.response = "answer";
  call.status = "ok";
  call.input_tokens = 3;
  call.output_tokens = 4;
  call.cost = 0.5;
  CHECK(store.record(id, {"t0", "ok", "", &call}));
  CHECK_FALSE(store.record(id, {"t0", "ok", "", &call})); // a second collect
  CHECK_FALSE(store.record(id, {"nobody", "ok", "", &call}));
  CHECK(store.mark_missing(id) == 1);
  int calls = 0;
  store.each_item(id, [&](const wf::BatchItemRow &it) {
    if (it.custom_id == "t0") {
      CHECK(it.result_status == "ok");
      CHECK(it.answer == "answer");
      CHECK(*it.output_tokens == 4);
      CHECK(*it.cost == Approx(0.5));
    } else {
      CHECK(it.result_status == "missing");
    }
    ++calls;
  });
  CHECK(calls == 2);
  store::Statement n(db, "SELECT COUNT(*) FROM calls");
  n.executeStep();
  CHECK(n.getColumn(0).getInt() == 1);
  store.mark_consumed(id);
  CHECK(store.adoptable("openai", "m", "h0").empty());
}
