// Instagram private replies: which comment a DM answers (the 7-day boundary,
// newest first, never a used one), and the ledger keeping each comment to a
// single private reply across campaigns.
#include <catch2/catch.hpp>

#include <sstream>

#include "lib/store/db.hpp"

#include "lib/leads/collect/collect.hpp"
#include "lib/leads/dm/campaign.hpp"
#include "lib/leads/dm/private_reply.hpp"
#include "lib/leads/dm/targets.hpp"

using namespace webox::leads;
using nlohmann::json;

namespace {

constexpr int64_t kPrNow = 1795000000;
constexpr int64_t kPrDay = 86400;

// One Instagram person with these comments (id, age in seconds); their last
// interaction is the youngest comment.
std::vector<DmTarget> pr_seed(webox::store::Db &db, const std::vector<std::pair<std::string, int64_t>> &comments) {
  LeadsStore store(db, LeadsSettings{}, kPrNow);
  std::ostringstream lines;
  for (const auto &[id, age] : comments)
    lines << json{{"platform", "instagram"}, {"platform_id", id}, {"kind", "comment"},
                  {"person", {{"id", "99000001"}, {"username", "client.1"}}}, {"text", "prix ? dispo ?"},
                  {"timestamp", kPrNow - age}}.dump()
          << "\n";
  std::istringstream in(lines.str());
  std::vector<LineError> errors;
  import_jsonl(store, in, errors);
  REQUIRE(errors.empty());
  auto targets = select_targets(db, LeadFilter{}, "c", [](const std::string &) { return std::string("17841400000000001"); });
  REQUIRE(targets.size() == 1);
  return targets;
}

CampaignOptions pr_options(const std::string &campaign, bool send) {
  CampaignOptions o;
  o.campaign = campaign;
  o.send = send;
  o.now = kPrNow;
  o.settings.pace_min_ms = o.settings.pace_max_ms = 0;
  o.settings.backoff_ms = 1;
  return o;
}

Composer pr_hello = [](const DmTarget &) { return std::string("Bonjour"); };

} // namespace

TEST_CASE("the newest comment younger than 7 days is answered, a used one never", "[leads][dm]") {
  std::vector<DmComment> cs = {{"old", kPrNow - 8 * kPrDay}, {"two", kPrNow - 2 * kPrDay}, {"one", kPrNow - kPrDay}};
  auto c = choose_private_reply(cs, {}, kPrNow);
  REQUIRE(c);
  CHECK(c->id == "one");
  c = choose_private_reply(cs, {"one"}, kPrNow);
  REQUIRE(c);
  CHECK(c->id == "two");
  CHECK_FALSE(choose_private_reply(cs, {"one", "two"}, kPrNow)); // "old" is past 7 days
  CHECK_FALSE(choose_private_reply({}, {}, kPrNow));
}

TEST_CASE("the 7-day boundary: one second before is in, exactly 7 days is out", "[leads][dm]") {
  const int64_t week = kPrivateReplyMaxAgeSeconds;
  CHECK(week == 7 * kPrDay);
  CHECK(choose_private_reply({{"c", kPrNow - week + 1}}, {}, kPrNow));
  CHECK_FALSE(choose_private_reply({{"c", kPrNow - week}}, {}, kPrNow));
  CHECK_FALSE(choose_private_reply({{"c", kPrNow - week - 1}}, {}, kPrNow));
  CHECK(choose_private_reply({{"c", kPrNow + 30}}, {}, kPrNow)); // a clock a little ahead
  CHECK_FALSE(choose_private_reply({{"", kPrNow}}, {}, kPrNow)); // no id, nothing to answer
}

TEST_CASE("a campaign answers a comment once; the next campaign takes the next one, then the window rules", "[leads][dm]") {
  webox::store::Db db(":memory:");
  // Last interaction a day and an hour ago: outside the 24-hour window, so only private replies reach them.
  auto targets = pr_seed(db, {{"c-old", 8 * kPrDay}, {"c-two", 2 * kPrDay}, {"c-one", kPrDay + 3600}});
  Pacer pacer(0, 0, 1);
  std::vector<std::string> answered;
  Sender send = [&](const DmTarget &, const std::string &, const std::string &comment) {
    answered.push_back(comment);
    SendOutcome o;
    o.sent = !comment.empty();
    o.code = comment.empty() ? "outside_window" : "";
    return o;
  };
  DmReport dry = run_campaign(db, targets, pr_options("a", false), pr_hello, send, pacer);
  REQUIRE(dry.entries.size() == 1);
  CHECK(dry.entries[0].status == DmStatus::would_send);
  CHECK(dry.entries[0].comment_id == "c-one");
  CHECK(answered.empty());

  DmReport a = run_campaign(db, targets, pr_options("a", true), pr_hello, send, pacer);
  CHECK(a.sent == 1);
  CHECK(DmLedger(db).find("a", "instagram", targets[0].person_id)->comment_id == "c-one");
  DmReport b = run_campaign(db, targets, pr_options("b", true), pr_hello, send, pacer);
  CHECK(b.sent == 1);
  DmReport c = run_campaign(db, targets, pr_options("c", true), pr_hello, send, pacer);
  REQUIRE(c.entries.size() == 1);
  CHECK(c.entries[0].status == DmStatus::skipped); // only an 8-day-old comment left, window closed
  CHECK(c.entries[0].reason == "outside_window");
  CHECK(answered == std::vector<std::string>{"c-one", "c-two"});
}

TEST_CASE("a comment the platform says was already answered, or is gone, is spent, and a later run takes another",
          "[leads][dm]") {
  const std::string refusal = GENERATE(as<std::string>{}, "comment_used", "comment_gone");
  webox::store::Db db(":memory:");
  auto targets = pr_seed(db, {{"c-two", 2 * kPrDay}, {"c-one", kPrDay}});
  Pacer pacer(0, 0, 1);
  std::vector<std::string> answered;
  Sender send = [&](const DmTarget &, const std::string &, const std::string &comment) {
    answered.push_back(comment);
    SendOutcome o;
    o.sent = comment != "c-one";
    o.code = o.sent ? "" : refusal;
    return o;
  };
  DmReport first = run_campaign(db, targets, pr_options("a", true), pr_hello, send, pacer);
  REQUIRE(first.entries.size() == 1);
  CHECK(first.entries[0].status == DmStatus::failed);
  CHECK(first.entries[0].reason == refusal);
  CHECK(first.stop == StopReason::none);
  CHECK(DmLedger(db).used_comments("instagram", {"c-one", "c-two"}) == std::set<std::string>{"c-one"});
  // Same campaign again: the failed row is retried with the other comment,
  // and c-one stays spent although the row no longer names it.
  DmReport again = run_campaign(db, targets, pr_options("a", true), pr_hello, send, pacer);
  CHECK(again.sent == 1);
  CHECK(answered == std::vector<std::string>{"c-one", "c-two"});
  CHECK(DmLedger(db).used_comments("instagram", {"c-one", "c-two"}) == std::set<std::string>{"c-one", "c-two"});
}

TEST_CASE("two rows can never hold the same comment", "[leads][dm]") {
  webox::store::Db db(":memory:");
  auto targets = pr_seed(db, {{"c-one", kPrDay}});
  DmLedger ledger(db);
  LedgerRow r;
  r.campaign = "a";
  r.platform = "instagram";
  r.account = "me";
  r.person_id = targets[0].person_id;
  r.text = "x";
  r.day = "2026-11-18";
  r.comment_id = "c-one";
  REQUIRE(ledger.record_intent(r));
  r.campaign = "b"; // another campaign racing for the same comment
  CHECK_FALSE(ledger.record_intent(r));
  CHECK_FALSE(ledger.find("b", "instagram", r.person_id));
}
