// Opt-out words (lib/leads/optout/optout_words.hpp): whole words, any case,
// any accents; and what collection and a DM campaign do with them.
#include <catch2/catch.hpp>

#include <sstream>

#include "lib/leads/collect/collect.hpp"
#include "lib/leads/dm/campaign.hpp"
#include "lib/leads/dm/ledger.hpp"
#include "lib/leads/dm/targets.hpp"
#include "lib/leads/optout/optout_words.hpp"
#include "lib/leads/optout/optouts.hpp"

using namespace webox::leads;
using nlohmann::json;

TEST_CASE("opt-out words: whole words, case and accents folded", "[leads][optout]") {
  OptoutWords words(default_optout_words());
  CHECK(words.find("STOP") == "stop");
  CHECK(words.find("Stop !!") == "stop");
  CHECK(words.find("merci de me DESINSCRIRE svp") == "désinscrire");
  CHECK(words.find("me désinscrire") == "désinscrire");
  CHECK(words.find("Ne  plus\tme CONTACTER") == "ne plus me contacter");
  CHECK(words.find("ne m\xE2\x80\x99" "écrivez plus") == "ne m'écrivez plus");
  CHECK(words.find("please unsubscribe me") == "unsubscribe");
  CHECK(words.find("stopper").empty());
  CHECK(words.find("nonstop").empty());
  CHECK(words.find("désinscrit").empty());
  CHECK(words.find("prix ? dispo ?").empty());
  CHECK(words.find("").empty());
  CHECK(words.find("stopé").empty()); // an accented letter continues the word
}

TEST_CASE("opt-out words: a configured language replaces its defaults", "[leads][optout]") {
  OptoutWordLists lists = default_optout_words();
  lists["fr"] = {"Arrêt"};
  lists["en"] = {};
  OptoutWords words(lists);
  CHECK(words.find("ARRET") == "Arrêt");
  CHECK(words.find("stop").empty());
}

TEST_CASE("fold_for_optout", "[leads][optout]") {
  CHECK(fold_for_optout("  Élève   Œuvre ") == "eleve oeuvre");
  CHECK(fold_for_optout("\xFF" "abc") == "\xFF" "abc"); // broken UTF-8 kept, not read past
}

namespace {

constexpr int64_t kOptoutNow = 1795000000;

void collect_lines(webox::store::Db &db, const std::vector<json> &rows) {
  LeadsStore store(db, LeadsSettings{}, kOptoutNow);
  std::ostringstream lines;
  for (const auto &r : rows) lines << r.dump() << "\n";
  std::istringstream in(lines.str());
  std::vector<LineError> errors;
  import_jsonl(store, in, errors);
  REQUIRE(errors.empty());
}

json comment(const std::string &person, int n, const std::string &text, const std::string &platform = "instagram") {
  return {{"platform", platform}, {"platform_id", person + std::to_string(n)}, {"kind", "comment"},
          {"person", {{"id", person}, {"username", person}}}, {"text", text}, {"timestamp", kOptoutNow - 3600 - n}};
}

} // namespace

TEST_CASE("collection opts out who writes STOP, and linked people with them; campaigns skip them", "[leads][optout]") {
  webox::store::Db db(":memory:");
  std::vector<json> rows;
  for (int k = 0; k < 4; ++k) {
    rows.push_back(comment("anna", k, "prix ? dispo ?"));
    rows.push_back(comment("bob", k, "prix ? dispo ? 06 12 34 56 78"));
    rows.push_back(comment("bob_x", k, "tarif ? 06 12 34 56 78", "x"));
  }
  rows.push_back(comment("anna", 9, "STOP merci"));
  collect_lines(db, rows);
  auto anna = covering_optout(db, resolve_person(db, "@anna", ""));
  REQUIRE(anna);
  CHECK(anna->source == "comment");
  CHECK(anna->reason == "wrote \"stop\"");
  CHECK_FALSE(covering_optout(db, resolve_person(db, "@bob", "")));

  // bob says it by hand on instagram: bob_x on x shares his phone.
  CHECK(record_optout(db, resolve_person(db, "@bob", "instagram"), "asked by phone", "manual"));
  auto bob_x = covering_optout(db, resolve_person(db, "@bob_x", "x"));
  REQUIRE(bob_x);
  CHECK(bob_x->handle == "@bob");

  LeadFilter all;
  auto targets = select_targets(db, all, "c1", [](const std::string &) { return std::string("acct"); });
  CHECK(targets.empty());
  LeadFilter only;
  only.opted_out = true;
  CHECK(list_leads(db, only).size() == 3);
}

TEST_CASE("a person who opts out while a campaign runs is not written to, and the ledger refuses the claim", "[leads][optout]") {
  webox::store::Db db(":memory:");
  std::vector<json> rows;
  for (int k = 0; k < 4; ++k) rows.push_back(comment("carla", k, "prix ? dispo ?", "x")), rows.push_back(comment("dan", k, "prix ?", "x"));
  collect_lines(db, rows);
  LeadFilter all;
  auto targets = select_targets(db, all, "c1", [](const std::string &) { return std::string("acct"); });
  REQUIRE(targets.size() == 2);
  const int64_t carla = resolve_person(db, "@carla", "x");
  CampaignOptions o;
  o.campaign = "c1";
  o.send = true;
  o.now = kOptoutNow;
  o.settings.pace_min_ms = o.settings.pace_max_ms = 0;
  std::vector<std::string> written;
  Pacer pacer(0, 0, 1);
  // carla writes STOP (collected by another process) after the targets were chosen.
  CHECK(record_optout(db, carla, "wrote \"stop\"", "dm"));
  DmReport r = run_campaign(db, targets, o, [](const DmTarget &) { return std::string("hi"); },
                            [&](const DmTarget &t, const std::string &, const std::string &) {
                              written.push_back(t.handle);
                              SendOutcome s;
                              s.sent = true;
                              s.message_id = "m";
                              return s;
                            },
                            pacer);
  CHECK(written == std::vector<std::string>{"@dan"});
  for (const auto &e : r.entries)
    if (e.target->person_id == carla) CHECK((e.status == DmStatus::skipped && e.reason == "opted_out"));

  DmLedger ledger(db);
  LedgerRow intent;
  intent.campaign = "c2";
  intent.platform = "x";
  intent.account = "acct";
  intent.person_id = carla;
  intent.text = "hi";
  intent.day = "2026-11-18";
  CHECK_FALSE(ledger.record_intent(intent));
}
