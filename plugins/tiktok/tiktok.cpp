// tiktok.cpp: the TikTok API for Business as a `social-collect` plugin:
// comments on the account's own videos.
//
// THE PROTOCOL (../shared/reference/social-apis.md §4.1). Base
// https://business-api.tiktok.com (TIKTOK_BASE_URL overrides), paths under
// /open_api/v1.3/. The token travels in an `Access-Token` header (not
// Authorization); the business account id in `business_id`.
//   GET /open_api/v1.3/business/video/list/?business_id=B&fields=["item_id","create_time"]&cursor=&max_count=20
//   GET /open_api/v1.3/business/comment/list/?business_id=B&video_id=V&cursor=C&max_count=30
//       &sort_field=create_time&sort_order=asc&include_replies=true
// Every answer is an envelope {"code", "message", "request_id", "data"}:
// errors usually come as HTTP 200 with a non-zero `code`, so the code is
// checked, not only the status. Lists page by `cursor` (an integer to send
// back) while `data.has_more` is true. `create_time` is epoch seconds, often
// written as a string. A comment with `owner: true` is the account's own.
//
// INCREMENTAL. Comments are read oldest first, so new ones arrive after
// the last page: edge `comments:<video>` stores `{"cursor": C}` after each
// page and the next run resumes there.
//
// ERRORS. code 40104/40105 (token missing/invalid/expired) → WEBOX_E_AUTH;
// 40100 (too many requests) and HTTP 429 → retried a few times with a
// growing wait, then WEBOX_E_RATE_LIMITED (exit 75, the next run resumes);
// other codes → WEBOX_E_UPSTREAM with the code and request_id. The exact
// list of codes is not published in full [social-apis.md §4.1: unverified].
#include <webox/plugin.hpp>

#include <nlohmann/json.hpp>

#include "plugins/common/descriptor.hpp"
#include "plugins/common/shared/bounded_json.hpp"

#include "plugins/common/social_kit.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sdk = webox::sdk;
using nlohmann::json;

// Where and how it connects (base URL, token variable, timeout).
struct webox_instance : webox::social_kit::Connection {};

namespace {

constexpr const char *kRoot = "/open_api/v1.3";

// TikTok sends some ids as numbers and some as strings: both read as text.
std::string text_or_id(const json &o, const char *k) {
  auto it = o.find(k);
  if (it == o.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  return {};
}

struct Api {
  const webox_instance &inst;
  const webox_call *call;
  std::string token, business;
  int requests = 0;
  int backoff_ms = 1000;

  // GET; returns `data` of a code-0 envelope, or throws.
  json get(const std::string &path, const std::string &query) {
    for (int attempt = 0;; ++attempt) {
      if (sdk::host().is_cancelled(call)) throw sdk::Failure(WEBOX_E_CANCELLED, "tiktok: cancelled");
      sdk::HttpRequest r;
      r.method = "GET";
      r.url = inst.base_url + kRoot + path + "?business_id=" + webox::social_kit::percent_encode(business) + (query.empty() ? "" : "&" + query);
      r.headers = {"Access-Token: " + token, "Accept: application/json"};
      r.timeout_ms = inst.timeout_ms;
      sdk::HttpResponse resp = sdk::http(call, r);
      ++requests;
      json doc = webox::social_kit::parse_body(resp.body, "tiktok", resp.status);
      long long code = doc.is_object() && doc.contains("code") && doc["code"].is_number() ? doc["code"].get<long long>() : -1;
      std::string message = doc.is_object() ? text_or_id(doc, "message") : std::string();
      std::string request_id = doc.is_object() ? text_or_id(doc, "request_id") : std::string();
      if (resp.status == 200 && code == 0) {
        return webox::social_kit::object_at(doc, "data");
      }
      std::string what = "tiktok: " + (resp.status != 200 ? "HTTP " + std::to_string(resp.status) + " " : std::string()) +
                         (code >= 0 ? "code " + std::to_string(code) : std::string("no envelope")) +
                         (message.empty() ? "" : ": " + message) + (request_id.empty() ? "" : " (request_id " + request_id + ")");
      if (code == 40104 || code == 40105 || resp.status == 401)
        throw sdk::Failure(WEBOX_E_AUTH, what + "; set TIKTOK_ACCESS_TOKEN (a Business API token of the account)", resp.status,
                           -1, std::to_string(code));
      if (code == 40100 || resp.status == 429) {
        if (attempt < 3) {
          long long wait = static_cast<long long>(backoff_ms) << attempt;
          sdk::log(call, WEBOX_LOG_INFO, "tiktok: too many requests, waiting " + std::to_string(wait) + " ms");
          for (long long waited = 0; waited < wait; waited += 50) {
            if (sdk::host().is_cancelled(call)) throw sdk::Failure(WEBOX_E_CANCELLED, "tiktok: cancelled");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
          continue;
        }
        throw sdk::Failure(WEBOX_E_RATE_LIMITED, what + "; what was collected is kept, run again later", resp.status, 60000,
                           std::to_string(code));
      }
      throw sdk::Failure(resp.status >= 500 ? WEBOX_E_UPSTREAM : code == 40002 ? WEBOX_E_INVALID : WEBOX_E_UPSTREAM, what,
                         resp.status, -1, std::to_string(code));
    }
  }
};

webox_status create(const char *config, size_t size, webox_instance **out, webox_buf *error) {
  return webox::social_kit::create_instance(config, size, out, error, "https://business-api.tiktok.com", "TIKTOK_ACCESS_TOKEN");
}

void destroy(webox_instance *self) { webox::social_kit::destroy_instance(self); }

webox_status describe(webox_instance *, webox_buf *out) {
  return webox::kit::give_description({{"edges", {"videos", "comments"}}, {"capabilities", {"social-collect"}}}, out);
}

webox_status social_collect(webox_instance *self, const webox_call *call, const webox_request *req, webox_sink_fn sink, void *user,
                            webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = webox::social_kit::parse_request(req, "tiktok");
    const std::string token = webox::social_kit::require_token(
        call, *self, "tiktok: no access token: set TIKTOK_ACCESS_TOKEN or run `webox keys set tiktok`");
    json options = webox::social_kit::options_of(request);
    std::string business = webox::social_kit::require_account(call, request, options, "business_id", "TIKTOK_BUSINESS_ID",
                                                              "tiktok: which account? set TIKTOK_BUSINESS_ID");
    Api api{*self, call, token, business};
    if (options.contains("backoff_ms")) {
      const json &b = options["backoff_ms"];
      api.backoff_ms = b.is_number_integer() ? b.get<int>() : b.is_string() ? std::atoi(b.get<std::string>().c_str()) : api.backoff_ms;
    }
    long long since = request.contains("since") && request["since"].is_number_integer() ? request["since"].get<long long>() : 0;
    const json cursors = request.value("cursors", json::object());
    int pages = 0;
    auto emit = [&](const json &e) { webox::social_kit::emit_event(sink, user, e); };
    auto checkpoint = [&](const std::string &edge, const json &cursor) {
      webox::social_kit::emit_checkpoint(sink, user, edge, cursor);
      ++pages;
    };

    std::vector<std::string> videos;
    std::string cursor;
    for (;;) {
      json data = api.get("/business/video/list/", "fields=" + webox::social_kit::percent_encode(R"(["item_id","create_time","caption"])") + "&max_count=20" +
                                                       (cursor.empty() ? "" : "&cursor=" + webox::social_kit::percent_encode(cursor)));
      if (data.contains("videos") && data["videos"].is_array())
        for (const auto &v : data["videos"]) {
          std::string id = text_or_id(v, "item_id");
          if (id.empty()) continue;
          json post = {{"id", id}, {"caption", text_or_id(v, "caption")}};
          if (!text_or_id(v, "create_time").empty()) post["timestamp"] = std::atoll(text_or_id(v, "create_time").c_str());
          emit({{"type", "item"}, {"post", post}});
          videos.push_back(id);
        }
      checkpoint("", nullptr);
      if (!webox::social_kit::flag_at(data, "has_more")) break;
      cursor = text_or_id(data, "cursor");
      if (cursor.empty()) break;
    }

    for (const auto &video : videos) {
      const std::string edge = "comments:" + video;
      json state = json::object();
      if (cursors.contains(edge) && cursors[edge].is_string()) state = webox::bounded_json::parse_or_discarded(cursors[edge].get<std::string>());
      std::string at = state.is_object() ? text_or_id(state, "cursor") : "";
      for (;;) {
        json data = api.get("/business/comment/list/", "video_id=" + webox::social_kit::percent_encode(video) + "&max_count=30&sort_field=create_time&sort_order=asc"
                                                       "&include_replies=true" + (at.empty() ? "" : "&cursor=" + webox::social_kit::percent_encode(at)));
        if (data.contains("comments") && data["comments"].is_array())
          for (const auto &c : data["comments"]) {
            if (!c.is_object() || webox::social_kit::flag_at(c, "owner")) continue;
            long long ts = std::atoll(text_or_id(c, "create_time").c_str());
            if (since && ts < since) continue;
            std::string parent = text_or_id(c, "parent_comment_id");
            emit({{"type", "item"},
                  {"interaction",
                   {{"platform", "tiktok"},
                    {"platform_id", text_or_id(c, "comment_id")},
                    {"kind", parent.empty() || parent == "0" ? "comment" : "reply"},
                    {"person", {{"id", text_or_id(c, "user_id")}, {"username", text_or_id(c, "unique_identifier")}, {"name", text_or_id(c, "display_name")}}},
                    {"text", text_or_id(c, "text")},
                    {"timestamp", ts},
                    {"post", video}}}});
          }
        std::string next = text_or_id(data, "cursor");
        if (!next.empty()) at = next;
        checkpoint(edge, json{{"cursor", at}});
        if (!webox::social_kit::flag_at(data, "has_more") || next.empty()) break;
      }
    }
    sdk::give(json{{"account", {{"id", business}}}, {"videos", videos.size()}, {"pages", pages}, {"requests", api.requests}}.dump(),
              &out->json);
    return WEBOX_OK;
  });
}

} // namespace

// Id, version, capabilities and oldest host minor come from plugin.json.
WEBOX_DEFINE_PLUGIN(.create = create, .destroy = destroy, .describe = describe, .social_collect = social_collect)
