#include <catch2/catch.hpp>


#include "lib/chat/budget.hpp"
#include "lib/chat/prices.hpp"
#include "lib/core/error.hpp"
#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox;

namespace {

chat::PriceTable table(const TempDir &dir) {
  auto file = dir.write("prices.json", R"({"prices": {"p:m": {"input": 1.0, "output": 2.0}, "free:*": {"input": 0, "output": 0}}})");
  return chat::PriceTable(file, {{"p:cheap", {0.1, 0.1}}});
}

const nlohmann::json kMessages = nlohmann::json::array({{{"role", "user"}, {"content", std::string(300, 'x')}}});

} // namespace

TEST_CASE("prices: exact, wildcard, overrides, unknown", "[chat][prices]") {
  TempDir dir;
  auto prices = table(dir);
  CHECK(prices.price("p", "m")->output_per_million == 2.0);
  CHECK(prices.price("free", "anything")->input_per_million == 0.0);
  CHECK(prices.price("p", "cheap")->input_per_million == 0.1);
  CHECK_FALSE(prices.price("p", "other"));
  CHECK(prices.cost("p", "m", 1'000'000, 500'000) == Approx(2.0));
  CHECK_FALSE(prices.cost("p", "other", 10, 10));
  CHECK_FALSE(prices.cost("p", "m", std::nullopt, 10)); // unknown tokens: unknown cost
  CHECK(chat::format_cost(std::nullopt) == "unknown");
  CHECK(chat::format_cost(1.5) == "$1.5000");
}

TEST_CASE("prices: an invalid table is refused naming the file", "[chat][prices]") {
  TempDir dir;
  auto bad = dir.write("bad.json", R"({"prices": {"p:m": {"input": -1, "output": 2}}})");
  CHECK_THROWS_WITH(chat::PriceTable(bad, {}), Catch::Contains("bad.json: price of 'p:m'"));
  auto garbage = dir.write("garbage.json", "not json");
  CHECK_THROWS_WITH(chat::PriceTable(garbage, {}), Catch::Contains("not a price table"));
}

TEST_CASE("the worst case uses max_tokens or 4096 answer tokens", "[chat][budget]") {
  TempDir dir;
  auto prices = table(dir);
  auto e = chat::estimate_call(prices, {"p", "m"}, kMessages, {{"max_tokens", 100}});
  CHECK(e.max_output_tokens == 100);
  CHECK(e.prompt_tokens >= 100); // 300 bytes, high-side estimate
  auto e2 = chat::estimate_call(prices, {"p", "m"}, kMessages, nlohmann::json::object());
  CHECK(e2.max_output_tokens == chat::kAssumedMaxOutputTokens);
  CHECK_FALSE(chat::estimate_call(prices, {"p", "unknown"}, kMessages, {}).worst_case_usd);
}

TEST_CASE("budget: --max-cost, daily caps from the log, unknown prices refused", "[chat][budget]") {
  TempDir dir;
  auto prices = table(dir);
  store::Db db(dir.path / "webox.db");
  Config cfg;
  auto estimate = chat::estimate_call(prices, {"p", "m"}, kMessages, {{"max_tokens", 1000}}); // ~$0.0022

  chat::Budget none(cfg, &db, std::nullopt);
  CHECK_FALSE(none.active());
  CHECK_NOTHROW(none.check({estimate}));

  chat::Budget tight(cfg, &db, 0.001);
  try {
    tight.check({estimate});
    FAIL("over --max-cost accepted");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::quota);
    CHECK_THAT(e.what(), Catch::Contains("over --max-cost") && Catch::Contains("nothing was sent"));
  }
  CHECK_NOTHROW(chat::Budget(cfg, &db, 1.0).check({estimate}));

  cfg.budgets.overall.daily = 0.01;
  store::CallRecord spent;
  spent.provider = "p";
  spent.model = "m";
  spent.status = "ok";
  spent.cost = 0.009;
  store::Calls(db).record(spent, "p:m");
  CHECK_THROWS_WITH(chat::Budget(cfg, &db, std::nullopt).check({estimate}), Catch::Contains("daily budget"));
  cfg.budgets.overall.daily = 1;
  cfg.budgets.providers["p"].monthly = 0.005;
  CHECK_THROWS_WITH(chat::Budget(cfg, &db, std::nullopt).check({estimate}), Catch::Contains("monthly budget of p"));
  cfg.budgets.providers.clear();
  auto unpriced = chat::estimate_call(prices, {"p", "unknown"}, kMessages, {});
  CHECK_THROWS_WITH(chat::Budget(cfg, &db, std::nullopt).check({unpriced}), Catch::Contains("no known price"));
}

TEST_CASE("a fallback chain is estimated at its dearest model, or refused at an unpriced one", "[chat][budget]") {
  TempDir dir;
  auto prices = table(dir);
  auto dear = chat::estimate_chain(prices, {{"p", "cheap"}, {"p", "m"}}, kMessages, {{"max_tokens", 10}});
  CHECK(dear.model.model == "m");
  CHECK(*dear.worst_case_usd == Approx(*chat::estimate_call(prices, {"p", "m"}, kMessages, {{"max_tokens", 10}}).worst_case_usd));
  auto unpriced = chat::estimate_chain(prices, {{"p", "m"}, {"p", "unknown"}, {"p", "cheap"}}, kMessages, {});
  CHECK(unpriced.model.model == "unknown");
  CHECK_FALSE(unpriced.worst_case_usd);
}

TEST_CASE("budget: what a command already spent counts against --max-cost", "[chat][budget]") {
  TempDir dir;
  auto prices = table(dir);
  store::Db db(dir.path / "webox.db");
  Config cfg;
  auto estimate = chat::estimate_call(prices, {"p", "m"}, kMessages, {{"max_tokens", 1000}}); // ~$0.0022
  chat::Budget cap(cfg, &db, 0.003);
  CHECK_NOTHROW(cap.check({estimate}, 0.0005));
  try {
    cap.check({estimate}, 0.001);
    FAIL("spent + worst case over --max-cost accepted");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::quota);
    CHECK_THAT(e.what(), Catch::Contains("$0.001000 spent") && Catch::Contains("more; nothing was sent"));
  }
}
