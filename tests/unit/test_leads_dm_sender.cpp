// lib/leads/dm/platform_sender: the request a social-send plugin is given and
// its failures in the ledger's vocabulary (moved out of cli/cmd_leads_dm.cpp).
#include <catch2/catch.hpp>

#include "lib/leads/dm/platform_sender.hpp"

using namespace webox;
using nlohmann::json;

namespace {

leads::DmTarget instagram_lead() {
  leads::DmTarget t;
  t.lead_id = 7;
  t.platform = "instagram";
  t.account = "me";
  t.recipient_id = "9001";
  t.handle = "@marie";
  t.context = {{"username", "marie"}};
  return t;
}

} // namespace

TEST_CASE("dm sender: the request of a direct message and of a private reply", "[leads][dm]") {
  leads::DmTarget t = instagram_lead();
  json dm = leads::send_request(t, "Bonjour", "", {{"api_version", "v23.0"}}, {});
  CHECK(dm == json{{"account_id", ""},
                   {"recipient", {{"id", "9001"}, {"username", "marie"}}},
                   {"text", "Bonjour"},
                   {"options", {{"api_version", "v23.0"}}}});
  t.account = "1784";
  json reply = leads::send_request(t, "Bonjour", "c-1", {}, {});
  CHECK(reply["account_id"] == "1784");
  CHECK(reply["recipient"]["comment_id"] == "c-1");
  CHECK_FALSE(reply.contains("login"));
}

TEST_CASE("dm sender: Facebook Login sends from the Page, and says when its id is missing", "[leads][dm]") {
  leads::DmTarget t = instagram_lead();
  leads::InstagramHost fb{"https://graph.facebook.com", "555"};
  json r = leads::send_request(t, "Bonjour", "", {}, fb);
  CHECK(r["login"] == "facebook");
  CHECK(r["base_url"] == "https://graph.facebook.com");
  CHECK(r["page_id"] == "555");
  CHECK_FALSE(leads::missing_page_id(fb, {t}));
  leads::InstagramHost no_page{"https://graph.facebook.com", ""};
  auto why = leads::missing_page_id(no_page, {t});
  REQUIRE(why);
  CHECK(why->find("INSTAGRAM_PAGE_ID") != std::string::npos);
  t.platform = "x";
  CHECK_FALSE(leads::missing_page_id(no_page, {t}));
  CHECK(leads::send_request(t, "hi", "", {}, no_page).count("login") == 0);
}

TEST_CASE("dm sender: a plugin's failure in the ledger's vocabulary", "[leads][dm]") {
  auto code = [](webox_status s, json detail) { return leads::outcome_of(plugin::ProviderError(s, "m", detail)); };
  CHECK(code(WEBOX_E_AUTH, nullptr).code == "auth");
  CHECK(code(WEBOX_E_RATE_LIMITED, nullptr).code == "rate_limited");
  CHECK(code(WEBOX_E_QUOTA, nullptr).code == "blocked");
  CHECK(code(WEBOX_E_INVALID, nullptr).code == "invalid");
  CHECK(code(WEBOX_E_UPSTREAM, nullptr).code == "ambiguous"); // it may have left
  leads::SendOutcome told = code(WEBOX_E_INVALID, {{"code", "outside_window"}, {"retry_after_ms", 1500}});
  CHECK(told.code == "outside_window");
  CHECK(told.retry_after_ms == 1500);
  CHECK_FALSE(told.sent);
}
