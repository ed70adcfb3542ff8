// The DM campaign's rules with a scripted sender: ledger before send,
// quota, window, back-off and stop, never twice.
#include <catch2/catch.hpp>

#include <sstream>

#include "lib/store/db.hpp"

#include "lib/core/error.hpp"
#include "lib/leads/collect/collect.hpp"
#include "lib/leads/dm/campaign.hpp"
#include "lib/leads/dm/targets.hpp"

using namespace webox::leads;
using nlohmann::json;

namespace {

constexpr int64_t kNow = 1795000000;

// Five people on instagram who commented an hour ago (leads, score >= 15),
// and one whose last comment is three days old.
std::vector<DmTarget> seed(webox::store::Db &db) {
  LeadsStore store(db, LeadsSettings{}, kNow);
  std::ostringstream lines;
  for (int p = 1; p <= 6; ++p) {
    int64_t when = p == 6 ? kNow - 3 * 86400 : kNow - 3600;
    for (int k = 0; k < 4; ++k)
      lines << json{{"platform", "instagram"}, {"platform_id", std::to_string(p * 10 + k)}, {"kind", "comment"},
                    {"person", {{"id", "9900" + std::to_string(p)}, {"username", "client." + std::to_string(p)}}},
                    {"text", "prix ? dispo ?"}, {"timestamp", when - k}}.dump()
            << "\n";
  }
  std::istringstream in(lines.str());
  std::vector<LineError> errors;
  import_jsonl(store, in, errors);
  REQUIRE(errors.empty());
  LeadFilter f;
  auto targets = select_targets(db, f, "c1", [](const std::string &) { return std::string("17841400000000001"); });
  REQUIRE(targets.size() == 6);
  return targets;
}

CampaignOptions options(bool send, int quota = 50) {
  CampaignOptions o;
  o.campaign = "c1";
  o.send = send;
  o.now = kNow;
  o.settings.daily_quota = quota;
  o.settings.pace_min_ms = o.settings.pace_max_ms = 0;
  o.settings.backoff_ms = 1;
  // These cases are about the 24-hour window path; private replies to the
  // seeded comments have their own tests (test_leads_dm_private_reply.cpp).
  o.private_reply_platforms.clear();
  return o;
}

Composer hello = [](const DmTarget &t) { return "Bonjour " + t.context.value("username", "?"); };

int count(const DmReport &r, DmStatus s) {
  int n = 0;
  for (const auto &e : r.entries) n += e.status == s;
  return n;
}

int64_t ledger_rows(webox::store::Db &db, const char *state) {
  webox::store::Statement q(db, "SELECT count(*) FROM dm_ledger WHERE state = ?");
  q.bind(1, state);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

} // namespace

TEST_CASE("a dry run composes every message and writes nothing", "[leads][dm]") {
  webox::store::Db db(":memory:");
  auto targets = seed(db);
  Pacer pacer(0, 0, 1);
  int sends = 0;
  DmReport r = run_campaign(db, targets, options(false), hello, [&](const DmTarget &, const std::string &, const std::string &) { ++sends; return SendOutcome{}; },
                            pacer);
  CHECK(sends == 0);
  CHECK(count(r, DmStatus::would_send) == 5);
  CHECK(count(r, DmStatus::skipped) == 1); // outside the 24-hour window
  CHECK(ledger_rows(db, "intent") + ledger_rows(db, "sent") == 0);
}

TEST_CASE("the intent is in the ledger before the message leaves, and a rerun never resends", "[leads][dm]") {
  webox::store::Db db(":memory:");
  auto targets = seed(db);
  Pacer pacer(0, 0, 1);
  std::vector<std::string> sent_to;
  int n = 0;
  Sender send = [&](const DmTarget &t, const std::string &, const std::string &) {
    auto row = DmLedger(db).find("c1", t.platform, t.person_id); // written (and committed) before this call
    CHECK((row && row->state == "intent"));
    if (++n == 3) throw webox::Interrupted(); // "killed" while the third message is on its way
    sent_to.push_back(t.recipient_id);
    SendOutcome o;
    o.sent = true;
    o.message_id = "m" + std::to_string(n);
    return o;
  };
  CHECK_THROWS_AS(run_campaign(db, targets, options(true), hello, send, pacer), webox::Interrupted);
  CHECK(sent_to.size() == 2);
  CHECK(ledger_rows(db, "sent") == 2);
  CHECK(ledger_rows(db, "intent") == 1);

  DmReport again = run_campaign(db, targets, options(true), hello, send, pacer);
  CHECK(count(again, DmStatus::already_sent) == 2);
  CHECK(count(again, DmStatus::uncertain) == 1);
  CHECK(count(again, DmStatus::sent) == 2);
  std::sort(sent_to.begin(), sent_to.end());
  CHECK(std::adjacent_find(sent_to.begin(), sent_to.end()) == sent_to.end()); // nobody twice
  // Sent leads are contacted, with a history event.
  webox::store::Statement q(db, "SELECT count(*) FROM leads WHERE status = 'contacted'");
  q.executeStep();
  CHECK(q.getColumn(0).getInt() == 4);
  webox::store::Statement ev(db, "SELECT count(*) FROM lead_events WHERE kind = 'dm'");
  ev.executeStep();
  CHECK(ev.getColumn(0).getInt() == 4);
}

TEST_CASE("the daily quota is shared by runs and campaigns, and stops with the rest listed", "[leads][dm]") {
  webox::store::Db db(":memory:");
  auto targets = seed(db);
  Pacer pacer(0, 0, 1);
  Sender ok = [](const DmTarget &, const std::string &, const std::string &) { SendOutcome o; o.sent = true; return o; };
  DmReport first = run_campaign(db, targets, options(true, 3), hello, ok, pacer);
  CHECK(first.sent == 3);
  CHECK(first.stop == StopReason::quota);
  CHECK(count(first, DmStatus::not_reached) == 3); // the two left, and the one outside the window
  CampaignOptions other = options(true, 3);
  other.campaign = "c2";
  DmReport second = run_campaign(db, targets, other, hello, ok, pacer);
  CHECK(second.sent == 0);
  CHECK(second.stop == StopReason::quota);
  // The next UTC day has a fresh quota.
  other.now = kNow + 86400;
  other.settings.window_hours = 24 * 5;
  DmReport tomorrow = run_campaign(db, targets, other, hello, ok, pacer);
  CHECK(tomorrow.sent == 3);
}

TEST_CASE("throttling is backed off then stops; refusals are final for the person only", "[leads][dm]") {
  webox::store::Db db(":memory:");
  auto targets = seed(db);
  Pacer pacer(0, 0, 1);
  std::vector<std::string> script = {"recipient_unavailable", "rate_limited", "", "rate_limited", "rate_limited", "rate_limited"};
  size_t step = 0;
  Sender scripted = [&](const DmTarget &, const std::string &, const std::string &) {
    SendOutcome o;
    o.code = step < script.size() ? script[step] : "";
    o.sent = o.code.empty();
    o.message = o.code;
    ++step;
    return o;
  };
  DmReport r = run_campaign(db, targets, options(true), hello, scripted, pacer);
  CHECK(count(r, DmStatus::failed) == 1);      // recipient_unavailable
  CHECK(r.sent == 1);                          // the first rate limit was backed off, then it went
  CHECK(r.stop == StopReason::rate_limited);   // three in a row: stop (max_backoffs = 2)
  CHECK(ledger_rows(db, "intent") == 0);       // nothing uncertain: each refusal was definite
  CHECK(ledger_rows(db, "failed") == 2);
}

TEST_CASE("an ambiguous answer leaves the person uncertain and stops the campaign", "[leads][dm]") {
  webox::store::Db db(":memory:");
  auto targets = seed(db);
  Pacer pacer(0, 0, 1);
  Sender ambiguous = [](const DmTarget &, const std::string &, const std::string &) {
    SendOutcome o;
    o.code = "ambiguous";
    return o;
  };
  DmReport r = run_campaign(db, targets, options(true), hello, ambiguous, pacer);
  CHECK(r.stop == StopReason::ambiguous);
  CHECK(count(r, DmStatus::uncertain) == 1);
  CHECK(ledger_rows(db, "intent") == 1);
  // Resolved by hand as not sent, the person may be tried again.
  DmLedger ledger(db);
  auto open = ledger.uncertain("c1");
  REQUIRE(open.size() == 1);
  ledger.resolve(open[0].id, false);
  CHECK(ledger.uncertain("").empty());
}

TEST_CASE("a lead's template context holds only the fields it has", "[leads][dm]") {
  json lead = {{"id", 7}, {"score", 40}, {"status", "new"}, {"phones", {"+33612345678"}}, {"emails", json::array()},
               {"last_interaction_at", "2026-11-18T10:00:00Z"},
               {"platform", "instagram"}, {"username", "marie.d"}, {"name", "  Marie Dupont"}};
  json ctx = dm_context(lead, "bienvenue");
  CHECK(ctx["first_name"] == "Marie");
  CHECK(ctx["handle"] == "@marie.d");
  CHECK(ctx["phone"] == "+33612345678");
  CHECK(ctx["campaign"] == "bienvenue");
  CHECK_FALSE(ctx.contains("email"));
  lead["name"] = "";
  CHECK_FALSE(dm_context(lead, "c").contains("first_name"));
}

TEST_CASE("pacing draws waits within the configured range", "[leads][dm]") {
  Pacer p(100, 200, 42);
  for (int i = 0; i < 100; ++i) {
    int64_t d = p.next_delay_ms();
    CHECK(d >= 100);
    CHECK(d <= 200);
  }
  Pacer zero(0, 0, 1);
  CHECK(zero.next_delay_ms() == 0);
}
