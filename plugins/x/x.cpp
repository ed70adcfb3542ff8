// x.cpp: the X (Twitter) API v2 as a `social-collect` plugin.
//
// THE PROTOCOL (../shared/reference/social-apis.md §2). Base
// https://api.x.com (X_API_BASE_URL overrides), `Authorization: Bearer`.
//   GET /2/users/{id}/tweets?max_results=100&tweet.fields=created_at,public_metrics,conversation_id
//       own posts, newest first, paged by `pagination_token` = meta.next_token
//   GET /2/tweets/search/recent?query=conversation_id:{id}&expansions=author_id&user.fields=username,name
//       replies of one conversation, paged by `next_token`; covers the last 7 days only
//   GET /2/tweets/{id}/liking_users   who liked (user-context tokens only; 401/403 with an app token);
//       no time per like: a like is dated by the liked post's created_at
//   GET /2/users/{id}/mentions?since_id=...   mentions of us
// A page with no results has no `data` and `result_count: 0`; no
// `meta.next_token` = last page.
//
// INCREMENTAL. Own posts are listed every run (they carry like and reply
// counts). Edge `post:<id>` stores `{"likes": L, "replies": R}` after that
// post's likers and replies were read; unchanged counts are not read again.
// Edge `mentions` stores `{"since_id": S}`, the newest mention of the last
// complete sweep (mentions come newest first, so a sweep in progress keeps
// `{"since_id": old, "token": T, "top": newest}` to resume).
//
// DIRECT MESSAGES (social-send): see social_send below.
//
// TOKEN REFRESH. A user-context OAuth 2.0 token lives two hours. When the
// API answers 401 and X_REFRESH_TOKEN (or a refresh token stored by an
// earlier refresh) and X_CLIENT_ID are available, the plugin refreshes once
// (POST /2/oauth2/token) and retries. X rotates refresh tokens, so the new
// pair is handed back to the host as `rotated_secrets`
// {"X_OAUTH2_ACCESS_TOKEN", "X_OAUTH2_REFRESH_TOKEN"} in the result (or the
// error detail): the host stores both in the encrypted key store, and the
// next run reads them before X_BEARER_TOKEN / X_REFRESH_TOKEN.
//
// RATE LIMITS. 429 carries `x-rate-limit-reset` (Unix seconds): we sleep
// until then when it is within `max_wait_s` (default 120), polling for
// cancellation, and retry; beyond that → WEBOX_E_RATE_LIMITED with
// retry_after_ms (exit 75, the next run resumes), the reset said as a UTC
// time and a delay, not as X's bare number. The monthly usage cap is a 429
// too (problem title "UsageCapExceeded"): never slept on, named as such.
// 401 → WEBOX_E_AUTH.
#include <webox/plugin.hpp>

#include <nlohmann/json.hpp>

#include "plugins/common/descriptor.hpp"
#include "plugins/common/shared/bounded_json.hpp"

#include "plugins/common/oauth_kit.hpp"
#include "plugins/common/social_kit.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <vector>
#include <string>
#include <thread>

namespace sdk = webox::sdk;
using nlohmann::json;

// Where and how it connects (base URL, token variable, timeout).
struct webox_instance : webox::social_kit::Connection {};

namespace {

// The host must not retry a 429 itself: the wait is in x-rate-limit-reset,
// which only this plugin reads. 5xx are retried by the host.
int should_retry(void *, int32_t status, const char *, size_t) { return status >= 500; }
// A DM is never retried blindly: a 5xx may come after the message was stored.
int never_retry(void *, int32_t, const char *, size_t) { return 0; }

// What an RFC 7807 problem body says: its `detail`, else its `title`, else
// "" (also when either has another type: a hostile body is not a crash).
std::string problem_detail(const json &problem) {
  std::string detail = webox::social_kit::string_field(problem, "detail");
  return detail.empty() ? webox::social_kit::string_field(problem, "title") : detail;
}

// A public_metrics count; 0 when X omits it or sends something else.
int64_t metric(const json &metrics, const char *key) { return webox::social_kit::integer_at(metrics, key).value_or(0); }

// A count this plugin saved in a cursor last run; -1 (never seen) when absent.
int64_t seen_count(const json &seen, const char *key) { return webox::social_kit::integer_at(seen, key).value_or(-1); }

long long unix_now() { return static_cast<long long>(std::time(nullptr)); }

// JSON text that never throws on invalid UTF-8 in what X sent: replaced.
std::string dump_text(const json &doc) { return doc.dump(-1, ' ', false, json::error_handler_t::replace); }

// "2026-12-07 14:05 UTC": a reset time people can read (X gives Unix seconds).
std::string utc_time(long long unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  char text[32] = "?";
  if (gmtime_r(&t, &tm)) std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

// "45 s", "12 min", "3 h 5 min", "2 d 4 h": how long until a reset.
std::string duration_text(long long seconds) {
  if (seconds < 60) return std::to_string(std::max(seconds, 0LL)) + " s";
  const long long minutes = seconds / 60, hours = minutes / 60, days = hours / 24;
  if (hours == 0) return std::to_string(minutes) + " min";
  if (days == 0) return std::to_string(hours) + " h" + (minutes % 60 ? " " + std::to_string(minutes % 60) + " min" : "");
  return std::to_string(days) + " d" + (hours % 24 ? " " + std::to_string(hours % 24) + " h" : "");
}

// When a limit resets, for a message: "until 2026-12-07 14:05 UTC (in 3 h 5 min)".
std::string reset_text(long long reset_unix) {
  if (reset_unix <= 0) return "(X did not say until when)";
  return "until " + utc_time(reset_unix) + " (in " + duration_text(reset_unix - unix_now()) + ")";
}

// X's monthly usage cap answers 429 too, with a problem of this type.
bool is_usage_cap(const json &problem) {
  using webox::social_kit::string_field;
  return string_field(problem, "title") == "UsageCapExceeded" || string_field(problem, "type").ends_with("/usage-capped");
}

// Tweet ids are decimal strings growing with time: compare as numbers.
bool newer(const std::string &a, const std::string &b) { return a.size() != b.size() ? a.size() > b.size() : a > b; }

// Secrets this plugin reads, besides the instance's bearer token. The
// OAUTH2 pair is written back by the host (encrypted in the key store) after
// a refresh; it wins over the environment's pair, which the refresh rotated.
constexpr const char *kRotatedAccess = "X_OAUTH2_ACCESS_TOKEN";
constexpr const char *kRotatedRefresh = "X_OAUTH2_REFRESH_TOKEN";

std::string form_encode(const std::vector<std::pair<std::string, std::string>> &fields) {
  std::string out;
  for (const auto &[k, v] : fields) out += (out.empty() ? "" : "&") + webox::social_kit::percent_encode(k) + "=" + webox::social_kit::percent_encode(v);
  return out;
}

std::string base64(std::string_view in) {
  static const char *tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += {tbl[n >> 18], tbl[(n >> 12) & 63], tbl[(n >> 6) & 63], tbl[n & 63]};
  }
  if (i + 1 == in.size()) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    out += {tbl[n >> 18], tbl[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {tbl[n >> 18], tbl[(n >> 12) & 63], tbl[(n >> 6) & 63], '='};
  }
  return out;
}

struct Api {
  const webox_instance &inst;
  const webox_call *call;
  std::string token;
  int max_wait_s = 120;
  int requests = 0;
  bool refreshed = false;
  json rotated = json::object(); // secrets the host must store (after a refresh)

  // The user-context token: the one a previous refresh stored, else the instance's.
  static std::optional<std::string> initial_token(const webox_instance &inst, const webox_call *call) {
    if (auto t = sdk::secret(call, kRotatedAccess); t && !t->empty()) return t;
    return sdk::secret(call, inst.key_var);
  }

  // OAuth 2.0 refresh (social-apis.md §2.5): POST /2/oauth2/token, form
  // grant_type=refresh_token&refresh_token=..&client_id=..; a confidential
  // client (X_CLIENT_SECRET set) also authenticates with HTTP Basic. X
  // rotates the refresh token: the new one replaces the old, which no longer
  // works, so both go back to the host to be stored encrypted. Returns false
  // when no refresh token or client id is configured.
  bool refresh() {
    if (refreshed) return false;
    refreshed = true;
    auto refresh_token = sdk::secret(call, kRotatedRefresh);
    if (!refresh_token || refresh_token->empty()) refresh_token = sdk::secret(call, "X_REFRESH_TOKEN");
    auto client_id = sdk::secret(call, "X_CLIENT_ID");
    if (!refresh_token || refresh_token->empty() || !client_id || client_id->empty()) return false;
    sdk::HttpRequest r;
    r.method = "POST";
    r.url = inst.base_url + "/2/oauth2/token";
    r.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
    if (auto secret = sdk::secret(call, "X_CLIENT_SECRET"); secret && !secret->empty())
      r.headers.push_back("Authorization: Basic " + base64(*client_id + ":" + *secret));
    r.body = form_encode({{"grant_type", "refresh_token"}, {"refresh_token", *refresh_token}, {"client_id", *client_id}});
    r.timeout_ms = inst.timeout_ms;
    r.should_retry = should_retry;
    sdk::HttpResponse resp = sdk::http(call, r);
    ++requests;
    json doc = webox::bounded_json::parse_or_discarded(resp.body);
    if (resp.status != 200 || !doc.is_object() || webox::social_kit::string_field(doc, "access_token").empty()) {
      std::string why = webox::social_kit::string_field(doc, "error_description");
      if (why.empty()) why = webox::social_kit::string_field(doc, "error");
      throw sdk::Failure(WEBOX_E_AUTH, "x: the access token expired and refreshing it failed (HTTP " + std::to_string(resp.status) +
                                           (why.empty() ? "" : ": " + why) +
                                           "); authorise the app again and set X_BEARER_TOKEN and X_REFRESH_TOKEN",
                         resp.status);
    }
    token = webox::social_kit::string_field(doc, "access_token");
    rotated[kRotatedAccess] = token;
    if (!webox::social_kit::string_field(doc, "refresh_token").empty()) rotated[kRotatedRefresh] = webox::social_kit::string_field(doc, "refresh_token");
    sdk::log(call, WEBOX_LOG_INFO, "x: access token refreshed");
    return true;
  }

  // One request with the rate-limit and refresh rules. Returns the response
  // for 2xx and for the statuses the caller handles itself (`pass`); 401
  // first tries a refresh, once.
  sdk::HttpResponse send(const std::string &method, const std::string &path_query, const std::string &body,
                         const std::vector<int> &pass = {}) {
    for (int attempt = 0;; ++attempt) {
      if (sdk::host().is_cancelled(call)) throw sdk::Failure(WEBOX_E_CANCELLED, "x: cancelled");
      sdk::HttpRequest r;
      r.method = method;
      r.url = inst.base_url + path_query;
      r.headers = {"Authorization: Bearer " + token, "Accept: application/json"};
      if (!body.empty()) r.headers.push_back("Content-Type: application/json");
      r.body = body;
      r.timeout_ms = inst.timeout_ms;
      r.should_retry = method == "GET" ? should_retry : never_retry;
      if (method != "GET") r.flags = WEBOX_HTTP_ONCE; // a DM: never sent twice, even after a timeout
      sdk::HttpResponse resp = sdk::http(call, r);
      ++requests;
      if (resp.status >= 200 && resp.status < 300) return resp;
      if (resp.status == 401 && refresh()) continue;
      for (int p : pass)
        if (p == resp.status) return resp;
      json problem = webox::social_kit::parse_body(resp.body, "x", resp.status);
      std::string detail = problem_detail(problem);
      if (resp.status == 429) {
        long long reset = 0;
        try {
          reset = std::stoll(resp.header("x-rate-limit-reset"));
        } catch (...) {
        }
        long long wait = reset > 0 ? reset - unix_now() + 1 : 60;
        if (wait < 1) wait = 1;
        if (is_usage_cap(problem) || wait > max_wait_s || attempt >= 3) {
          const std::string what = is_usage_cap(problem) ? "usage cap reached (" + detail + ")" : "rate limited";
          throw sdk::Failure(WEBOX_E_RATE_LIMITED, "x: " + what + " " + reset_text(reset) +
                                                       "; what was done is kept, run again later",
                             429, wait * 1000, is_usage_cap(problem) ? "usage_capped" : "rate_limited");
        }
        sdk::log(call, WEBOX_LOG_INFO, "x: rate limited, waiting " + std::to_string(wait) + " s for the window to reset");
        for (long long i = 0; i < wait * 10; ++i) {
          if (sdk::host().is_cancelled(call)) throw sdk::Failure(WEBOX_E_CANCELLED, "x: cancelled");
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        continue;
      }
      if (resp.status == 401)
        throw sdk::Failure(WEBOX_E_AUTH, "x: 401 " + detail + ": the token is invalid or expired (no refresh token: set X_REFRESH_TOKEN and "
                                                              "X_CLIENT_ID to renew it automatically); set X_BEARER_TOKEN or run `webox keys set x`",
                           401);
      throw sdk::Failure(resp.status >= 500 ? WEBOX_E_UPSTREAM : WEBOX_E_INVALID, "x: " + std::to_string(resp.status) + " " + detail,
                         resp.status);
    }
  }

  // GET; returns the body, or nullopt for 401/403 when `soft_auth` (liking_users with an app token).
  std::optional<json> get(const std::string &path_query, bool soft_auth = false) {
    sdk::HttpResponse resp = send("GET", path_query, "", soft_auth ? std::vector<int>{401, 403} : std::vector<int>{});
    if (resp.status == 401 || resp.status == 403) return std::nullopt;
    json doc = webox::social_kit::parse_body(resp.body, "x", resp.status);
    if (!doc.is_object()) throw sdk::Failure(WEBOX_E_UPSTREAM, "x: answer is not a JSON object", resp.status);
    return doc;
  }
};

// A failure's detail with the rotated secrets attached, so that a refresh
// that happened before the failure is not lost (the old refresh token is dead).
sdk::Failure with_rotated(sdk::Failure f, const Api &api) {
  if (api.rotated.empty()) return f;
  json detail = webox::bounded_json::parse_or_discarded(f.detail_json);
  if (detail.is_object()) {
    detail["rotated_secrets"] = api.rotated;
    f.detail_json = dump_text(detail);
  }
  return f;
}

struct Run {
  Api &api;
  webox_sink_fn sink;
  void *user;
  std::string self;
  long long since = 0;
  int pages = 0;

  void emit(const json &e) { webox::social_kit::emit_event(sink, user, e); }
  void checkpoint(const std::string &edge, const json &cursor) {
    webox::social_kit::emit_checkpoint(sink, user, edge, cursor);
    ++pages;
  }
  std::map<std::string, json> users_of(const json &page) {
    std::map<std::string, json> users;
    if (page.contains("includes") && page["includes"].contains("users"))
      for (const auto &u : page["includes"]["users"]) users[webox::social_kit::string_field(u, "id")] = u;
    return users;
  }
  void emit_tweet(const json &t, const std::map<std::string, json> &users, const char *kind, const std::string &post) {
    std::string author = webox::social_kit::string_field(t, "author_id");
    if (author.empty() || author == self) return;
    json u = users.count(author) ? users.at(author) : json::object();
    json rec = {{"platform", "x"}, {"platform_id", webox::social_kit::string_field(t, "id")}, {"kind", kind},
                {"person", {{"id", author}, {"username", webox::social_kit::string_field(u, "username")}, {"name", webox::social_kit::string_field(u, "name")}}},
                {"text", webox::social_kit::string_field(t, "text")}, {"timestamp", webox::social_kit::string_field(t, "created_at")}};
    if (!post.empty()) rec["post"] = post;
    emit({{"type", "item"}, {"interaction", rec}});
  }

  void replies(const std::string &root) {
    std::string token;
    do {
      std::string q = "/2/tweets/search/recent?query=" + webox::social_kit::percent_encode("conversation_id:" + root) +
                      "&max_results=100&expansions=author_id&user.fields=username,name"
                      "&tweet.fields=created_at,author_id,conversation_id,referenced_tweets";
      if (!token.empty()) q += "&next_token=" + webox::social_kit::percent_encode(token);
      json page = *api.get(q);
      auto users = users_of(page);
      if (page.contains("data"))
        for (const auto &t : page["data"]) {
          bool direct = false;
          if (t.contains("referenced_tweets"))
            for (const auto &ref : t["referenced_tweets"]) direct = direct || (webox::social_kit::string_field(ref, "type") == "replied_to" && webox::social_kit::string_field(ref, "id") == root);
          emit_tweet(t, users, direct ? "comment" : "reply", root);
        }
      token = page.contains("meta") ? webox::social_kit::string_field(page["meta"], "next_token") : "";
      if (!token.empty()) checkpoint("", nullptr);
    } while (!token.empty());
  }

  // X gives no time for a like (liking_users lists users only). The liked
  // post's created_at is its lower bound, and stable: stamping the
  // collection time instead put every like read in one run on one day,
  // and scored a person by when we looked rather than what they did.
  bool likers(const std::string &post, const std::string &posted_at) {
    std::string token;
    do {
      std::string q = "/2/tweets/" + post + "/liking_users?max_results=100";
      if (!token.empty()) q += "&pagination_token=" + webox::social_kit::percent_encode(token);
      auto page = api.get(q, true);
      if (!page) {
        emit({{"type", "warning"}, {"message", "liking users need a user-context token (like.read); likes skipped"}});
        return false;
      }
      if (page->contains("data"))
        for (const auto &u : (*page)["data"]) {
          if (webox::social_kit::string_field(u, "id") == self) continue;
          emit({{"type", "item"},
                {"interaction",
                 {{"platform", "x"}, {"platform_id", "like:" + post + ":" + webox::social_kit::string_field(u, "id")}, {"kind", "like"},
                  {"person", {{"id", webox::social_kit::string_field(u, "id")}, {"username", webox::social_kit::string_field(u, "username")}, {"name", webox::social_kit::string_field(u, "name")}}},
                  {"text", ""}, {"timestamp", posted_at.empty() ? json(unix_now()) : json(posted_at)}, {"post", post}}}});
        }
      token = page->contains("meta") ? webox::social_kit::string_field((*page)["meta"], "next_token") : "";
      if (!token.empty()) checkpoint("", nullptr);
    } while (!token.empty());
    return true;
  }

  void mentions(const json &cursors) {
    json state = json::object();
    if (cursors.contains("mentions") && cursors["mentions"].is_string()) state = webox::bounded_json::parse_or_discarded(cursors["mentions"].get<std::string>());
    if (!state.is_object()) state = json::object();
    std::string since_id = webox::social_kit::string_field(state, "since_id"), token = webox::social_kit::string_field(state, "token"), top = webox::social_kit::string_field(state, "top");
    for (;;) {
      std::string q = "/2/users/" + self + "/mentions?max_results=100&expansions=author_id&user.fields=username,name"
                      "&tweet.fields=created_at,author_id,conversation_id";
      if (!since_id.empty()) q += "&since_id=" + since_id;
      if (!token.empty()) q += "&pagination_token=" + webox::social_kit::percent_encode(token);
      json page = *api.get(q);
      auto users = users_of(page);
      if (page.contains("data"))
        for (const auto &t : page["data"]) {
          if (top.empty() || newer(webox::social_kit::string_field(t, "id"), top)) top = webox::social_kit::string_field(t, "id");
          emit_tweet(t, users, "mention", "");
        }
      token = page.contains("meta") ? webox::social_kit::string_field(page["meta"], "next_token") : "";
      if (token.empty()) {
        checkpoint("mentions", json{{"since_id", top.empty() ? since_id : top}});
        return;
      }
      checkpoint("mentions", json{{"since_id", since_id}, {"token", token}, {"top", top}});
    }
  }
};

webox_status create(const char *config, size_t size, webox_instance **out, webox_buf *error) {
  return webox::social_kit::create_instance(config, size, out, error, "https://api.x.com", "X_BEARER_TOKEN");
}

void destroy(webox_instance *self) { webox::social_kit::destroy_instance(self); }

webox_status describe(webox_instance *, webox_buf *out) {
  return webox::kit::give_description({{"edges", {"tweets", "replies", "liking_users", "mentions"}}}, out);
}

void collect(Api &api, const json &request, webox_sink_fn sink, void *user, webox_result *out);

webox_status social_collect(webox_instance *self, const webox_call *call, const webox_request *req, webox_sink_fn sink, void *user,
                            webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = webox::social_kit::parse_request(req, "x");
    auto token = Api::initial_token(*self, call);
    if (!token || token->empty()) throw sdk::Failure(WEBOX_E_AUTH, "x: no bearer token: set X_BEARER_TOKEN or run `webox keys set x`");
    Api api{*self, call, *token};
    try {
      collect(api, request, sink, user, out);
    } catch (const sdk::Failure &f) {
      throw with_rotated(f, api);
    }
    return WEBOX_OK;
  });
}

void collect(Api &api, const json &request, webox_sink_fn sink, void *user, webox_result *out) {
    json options = request.value("options", json::object());
    if (options.is_object() && options.contains("max_wait_s")) {  // social.x.max_wait_s (config values arrive as text)
      const json &w = options["max_wait_s"];
      api.max_wait_s = w.is_number_integer() ? w.get<int>() : w.is_string() ? std::atoi(w.get<std::string>().c_str()) : api.max_wait_s;
    }
    Run run{api, sink, user, request.value("account_id", ""), 0, 0};
    if (request.contains("since") && request["since"].is_number_integer()) run.since = request["since"].get<long long>();
    if (run.self.empty()) run.self = webox::social_kit::string_field((*api.get("/2/users/me"))["data"], "id");
    const json cursors = request.value("cursors", json::object());

    std::string page_token;
    std::vector<json> tweets;
    do {
      std::string q = "/2/users/" + run.self + "/tweets?max_results=100&exclude=retweets&tweet.fields=created_at,public_metrics,conversation_id";
      if (run.since) {
        char buf[32];
        std::time_t t = static_cast<std::time_t>(run.since);
        std::tm tm{};
        ::gmtime_r(&t, &tm);
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        q += "&start_time=" + webox::social_kit::percent_encode(buf);
      }
      if (!page_token.empty()) q += "&pagination_token=" + webox::social_kit::percent_encode(page_token);
      json page = *api.get(q);
      if (page.contains("data"))
        for (const auto &t : page["data"]) {
          json m = webox::social_kit::object_at(t, "public_metrics");
          run.emit({{"type", "item"},
                    {"post", {{"id", webox::social_kit::string_field(t, "id")}, {"caption", webox::social_kit::string_field(t, "text")}, {"like_count", metric(m, "like_count")},
                              {"comments_count", metric(m, "reply_count")}, {"timestamp", webox::social_kit::string_field(t, "created_at")}}}});
          tweets.push_back(t);
        }
      run.checkpoint("", nullptr);
      page_token = page.contains("meta") ? webox::social_kit::string_field(page["meta"], "next_token") : "";
    } while (!page_token.empty());

    bool likes_ok = true;
    for (const auto &t : tweets) {
      const std::string id = webox::social_kit::string_field(t, "id"), edge = "post:" + id;
      json m = webox::social_kit::object_at(t, "public_metrics");
      json seen = json::object();
      if (cursors.contains(edge) && cursors[edge].is_string()) seen = webox::bounded_json::parse_or_discarded(cursors[edge].get<std::string>());
      if (!seen.is_object()) seen = json::object();
      json now = {{"likes", metric(m, "like_count")}, {"replies", metric(m, "reply_count")}};
      if (seen == now) continue;
      if (seen_count(seen, "replies") != now["replies"].get<int64_t>() && now["replies"].get<int64_t>() > 0) run.replies(id);
      if (likes_ok && seen_count(seen, "likes") != now["likes"].get<int64_t>() && now["likes"].get<int64_t>() > 0) likes_ok = run.likers(id, webox::social_kit::string_field(t, "created_at"));
      run.checkpoint(edge, now);
    }
    run.mentions(cursors);
    json result = {{"account", {{"id", run.self}}}, {"posts", tweets.size()}, {"pages", run.pages}, {"requests", api.requests}};
    if (!api.rotated.empty()) result["rotated_secrets"] = api.rotated;
    sdk::give(dump_text(result), &out->json);
}

// social_send (docs/ARCHITECTURE.md "social_send"): one DM.
//   POST /2/dm_conversations/with/{participant_id}/messages  {"text": "..."}
//   201 {"data": {"dm_conversation_id", "dm_event_id"}}
// 403 = the person does not accept DMs from us (not sent, final for them);
// 429 = rate limited (not sent; the host stops the campaign). A 5xx or a
// dropped connection may come after X stored the message, so it is never
// retried here and is reported as "ambiguous". `x-user-limit-24hour-remaining:
// 0` on a success means the platform's own daily cap is spent: reported as
// platform_remaining so the host stops before the next refusal.
sdk::Failure coded(webox_status status, const std::string &code, const std::string &message, int http_status = 0,
                   long long retry_after_ms = -1) {
  sdk::Failure f(status, message, http_status, retry_after_ms);
  json d = webox::bounded_json::parse_or_discarded(f.detail_json);
  d["code"] = code;
  f.detail_json = dump_text(d);
  return f;
}

bool digits_only(const std::string &s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

json send_dm(Api &api, const json &request) {
  const json recipient = request.value("recipient", json::object());
  std::string id = recipient.is_object() ? webox::social_kit::string_field(recipient, "id") : "";
  std::string text = request.value("text", std::string());
  if (!digits_only(id)) throw coded(WEBOX_E_INVALID, "recipient_unknown", "x: recipient id '" + id + "' is not an X user id");
  if (text.empty()) throw coded(WEBOX_E_INVALID, "invalid", "x: empty message");
  sdk::HttpResponse resp;
  try {
    resp = api.send("POST", "/2/dm_conversations/with/" + id + "/messages", json{{"text", text}}.dump(), {400, 403, 404});
  } catch (const sdk::Failure &f) {
    if (f.status == WEBOX_E_RATE_LIMITED) throw coded(f.status, "rate_limited", f.message, 429, 60000);
    if (f.status == WEBOX_E_AUTH || f.status == WEBOX_E_CANCELLED) throw;
    // No answer, a broken connection or a 5xx: X may have stored the message.
    throw coded(f.status == WEBOX_E_INVALID ? WEBOX_E_UPSTREAM : f.status, "ambiguous",
                f.message + " (the message may or may not have been delivered)", 0);
  }
  json problem = webox::bounded_json::parse_or_discarded(resp.body);
  std::string detail = problem_detail(problem);
  if (resp.status == 403)
    throw coded(WEBOX_E_UPSTREAM, "recipient_unavailable", "x: " + id + " does not accept direct messages from this account (403 " + detail + ")", 403);
  if (resp.status == 400 || resp.status == 404)
    throw coded(WEBOX_E_INVALID, "recipient_unknown", "x: " + std::to_string(resp.status) + " " + detail, resp.status);
  json doc = webox::bounded_json::parse_or_discarded(resp.body);
  json data = doc.is_object() && doc.contains("data") && doc["data"].is_object() ? doc["data"] : json::object();
  json result = {{"message_id", webox::social_kit::string_field(data, "dm_event_id")}, {"conversation_id", webox::social_kit::string_field(data, "dm_conversation_id")}, {"recipient_id", id}};
  std::string remaining = resp.header("x-user-limit-24hour-remaining");
  if (!remaining.empty()) result["platform_remaining"] = std::atoll(remaining.c_str());
  return result;
}

webox_status social_send(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = webox::social_kit::parse_request(req, "x");
    auto token = Api::initial_token(*self, call);
    if (!token || token->empty())
      throw sdk::Failure(WEBOX_E_AUTH, "x: no user token: DMs need an OAuth 2.0 user token with dm.write; set X_BEARER_TOKEN");
    Api api{*self, call, *token};
    api.max_wait_s = 0; // a DM campaign stops on the first 429 rather than sleeping inside one send
    json result;
    try {
      result = send_dm(api, request);
    } catch (const sdk::Failure &f) {
      throw with_rotated(f, api);
    }
    if (!api.rotated.empty()) result["rotated_secrets"] = api.rotated;
    sdk::give(dump_text(result), &out->json);
    return WEBOX_OK;
  });
}

// SIGN-IN (ABI 1.6 auth; X OAuth 2.0 Authorization Code Flow with PKCE):
//   authorize  X_AUTHORIZE_URL (https://x.com/i/oauth2/authorize)?response_type=code
//              &client_id&redirect_uri&scope=a%20b&state&code_challenge
//              &code_challenge_method=S256
//   exchange   POST <base>/2/oauth2/token form code, grant_type=authorization_code,
//              client_id, redirect_uri, code_verifier (HTTP Basic as well for a
//              confidential client, X_CLIENT_SECRET set)
//   refresh    POST <base>/2/oauth2/token form grant_type=refresh_token,
//              refresh_token, client_id (the refresh token rotates)
// -> {"token_type","expires_in":7200,"access_token","scope","refresh_token"}.
// offline.access among the scopes is what makes X issue a refresh token.
// Tokens are stored as X_OAUTH2_ACCESS_TOKEN / X_OAUTH2_REFRESH_TOKEN, the
// pair Api::initial_token and Api::refresh read.
namespace x_auth {

const std::vector<std::string> kDefaultScopes = {"tweet.read", "users.read", "like.read", "dm.read", "dm.write",
                                                 "offline.access"};

std::vector<std::string> client_headers(const webox_call *call, const std::string &client_id) {
  if (auto secret = sdk::secret(call, "X_CLIENT_SECRET"); secret && !secret->empty())
    return {"Authorization: Basic " + base64(client_id + ":" + *secret)};
  return {};
}

json token(const webox_instance &self, const webox_call *call, webox::oauth_kit::Fields fields, const std::string &client_id,
           const char *what) {
  fields.emplace_back("client_id", client_id);
  json doc = webox::oauth_kit::token_answer(
      webox::oauth_kit::post_form(call, self.base_url + "/2/oauth2/token", fields, client_headers(call, client_id), self.timeout_ms),
      "x", what);
  return webox::oauth_kit::token_result(doc, kRotatedAccess, kRotatedRefresh);
}

json run(const webox_instance &self, const webox_call *call, const json &request) {
  const std::string action = request.value("action", "");
  const std::string client_id = webox::oauth_kit::required_secret(call, "X_CLIENT_ID", "x");
  if (action == "authorize") {
    std::string url = webox::oauth_kit::url_setting(call, "X_AUTHORIZE_URL", "https://x.com/i/oauth2/authorize");
    url += (url.find('?') == std::string::npos ? "?" : "&") +
           webox::oauth_kit::form_encode({{"response_type", "code"},
                                          {"client_id", client_id},
                                          {"redirect_uri", request.value("redirect_uri", "")},
                                          {"scope", webox::oauth_kit::join(webox::oauth_kit::scopes_of(request, kDefaultScopes), " ")},
                                          {"state", request.value("state", "")},
                                          {"code_challenge", request.value("code_challenge", "")},
                                          {"code_challenge_method", "S256"}});
    return {{"url", url}, {"pkce", true}};
  }
  if (action == "exchange")
    return token(self, call,
                 {{"code", request.value("code", "")},
                  {"grant_type", "authorization_code"},
                  {"redirect_uri", request.value("redirect_uri", "")},
                  {"code_verifier", request.value("code_verifier", "")}},
                 client_id, "the code exchange");
  std::string refresh_token = request.value("refresh_token", "");
  if (refresh_token.empty()) throw sdk::Failure(WEBOX_E_AUTH, "x: no refresh token stored (sign in with the offline.access scope)");
  return token(self, call, {{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}}, client_id, "the token refresh");
}

} // namespace x_auth

webox_status auth(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = webox::oauth_kit::parse_request(req, "x");
    sdk::give(x_auth::run(*self, call, request).dump(), &out->json);
    return WEBOX_OK;
  });
}

} // namespace

// Id, version, capabilities and oldest host minor come from plugin.json.
WEBOX_DEFINE_PLUGIN(.create = create, .destroy = destroy, .describe = describe, .social_collect = social_collect, .social_send = social_send,
                    .auth = auth)
