// instagram.cpp: the Instagram Graph API as a `social-collect` plugin.
//
// THE PROTOCOL (facts in ../shared/reference/social-apis.md §1). Two hosts
// speak it: graph.instagram.com for apps using Instagram Login and
// graph.facebook.com for Facebook Login; the host hands us the one to use as
// `base_url` (instance config, or the request's `base_url` override). Paths
// carry a version prefix, /vNN.0/. The token travels as `Authorization:
// Bearer`, never in the URL, so it cannot end up in a log line.
//   GET /{v}/{ig-user}?fields=id,username                    who we are (and a token check)
//   GET /{v}/{ig-user}/media?fields=...&limit=50&after=      own media, newest first, like_count, comments_count
//   GET /{v}/{media}/comments?fields=...,replies{...}&after= comments, replies nested by field expansion
//   GET /{v}/{ig-user}/tags?fields=...&after=                media where we are tagged: "mentions"
// Pages carry `paging.cursors.after` and an absolute `paging.next` URL. We
// follow `after` against the configured host rather than the `next` URL: the
// URL embeds the token and Meta's host, and ignoring it keeps the token out
// of logs and the tests on loopback. No `next` = last page; a short or even
// empty page does not mean the end.
//
// WHAT IS COLLECTED. Own media become `post` items (like_count is a number
// only: the API has no list of who liked, §1.7). Comments and their replies
// become `comment` and `reply` interactions; the account's own comments are
// skipped. Tags become `mention` interactions identified by username (the
// tags edge gives no user id).
//
// INCREMENTAL AND RESUMABLE. Media are listed every run (cheap, and like
// counts change). For each media the cursor edge `comments:<media-id>`
// stores `{"count": N}` once a sweep of its comments completed, N being the
// comments_count at the start of the sweep: a media whose comments_count is
// unchanged is not fetched again. While a sweep is under way each page ends
// with a checkpoint `{"after": A, "count": N}`, so a run killed mid-sweep
// resumes at the next page; a cursor Meta no longer accepts restarts the
// sweep (the store ignores what it already has). Caveat: one comment deleted
// and another added between two runs leaves the count equal; such a comment
// waits until the count changes again.
//
// DIRECT MESSAGES: social_send, near the end of this file (§1.9). Two
// recipients: a comment (`recipient.comment_id`, a *private reply*, the only
// way to write to someone who merely commented: once per comment, within 7
// days of it) or a person (`recipient.id`, an IGSID, only within 24 hours of
// their last message). The host chooses which (lib/leads/dm_private_reply.hpp)
// and says so in the request; this file only builds the wire body. Instagram
// Login posts to /{ig-user or me}/messages; Facebook Login (the host sends
// `login: "facebook"` with the graph.facebook.com base URL) posts to
// /{page-id}/messages with the Page's token (INSTAGRAM_ACCESS_TOKEN then
// holds a Page token, which also serves collection on that host).
//
// ERRORS (§1.10, §1.11). Classified by `error.code`, not by HTTP status
// (throttling comes as 400): 4, 17, 32, 613, 80002 and the transient 1, 2
// are retried by the host with backoff (our should_retry); still throttled
// after that → WEBOX_E_RATE_LIMITED with the BUC header's
// estimated_time_to_regain_access (minutes) as retry_after_ms, so the CLI
// exits 75 and the next cron run resumes from the cursors. 190 (and 102,
// 2500) → WEBOX_E_AUTH with a message saying how to renew the token (exit
// 4). 10 and 200-299 (permissions) → WEBOX_E_AUTH as well. X-App-Usage or
// X-Business-Use-Case-Usage at 90 % or more → a pause of `slowdown_ms`
// before the next call, to stay under the limit rather than hit it.
#include <webox/plugin.hpp>

#include <nlohmann/json.hpp>

#include "plugins/common/descriptor.hpp"
#include "plugins/common/shared/bounded_json.hpp"

#include "plugins/common/oauth_kit.hpp"
#include "plugins/common/social_kit.hpp"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sdk = webox::sdk;
using nlohmann::json;

// Where and how it connects, and the instance's own options.
struct webox_instance : webox::social_kit::Connection {
  json options = json::object();
};

namespace {

constexpr const char *kMediaFields = "id,caption,media_type,timestamp,permalink,like_count,comments_count";
constexpr const char *kCommentFields =
    "id,text,timestamp,username,like_count,from,parent_id,replies{id,text,timestamp,username,from,parent_id}";
constexpr const char *kTagFields = "id,caption,timestamp,username,permalink";

bool is_throttle(int code) { return code == 4 || code == 17 || code == 32 || code == 613 || code == 80002; }

// A Graph error's code or subcode; 0 when absent, not an integer or outside
// int (a hostile body gets the generic message, not a type_error).
int graph_int(const json &err, const char *key) {
  const int64_t v = webox::social_kit::integer_at(err, key).value_or(0);
  return v >= INT32_MIN && v <= INT32_MAX ? static_cast<int>(v) : 0;
}

int error_code(std::string_view body) {
  json doc = webox::bounded_json::parse_or_discarded(body);
  return graph_int(webox::social_kit::object_at(doc, "error"), "code");
}

// The host retries what this accepts, with backoff: throttling and the
// transient codes, whatever the HTTP status; plus 429 and 5xx.
int should_retry(void *, int32_t status, const char *body, size_t size) {
  if (status == 429 || status >= 500) return 1;
  int code = error_code(std::string_view(body ? body : "", body ? size : 0));
  return is_throttle(code) || code == 1 || code == 2;
}

// Minutes to wait from X-Business-Use-Case-Usage, and the highest usage
// percentage of either usage header.
struct Usage {
  int max_percent = 0;
  long long regain_minutes = -1;
};

Usage read_usage(const sdk::HttpResponse &resp) {
  Usage u;
  auto consider = [&](const json &o) {
    if (!o.is_object()) return;
    for (const char *k : {"call_count", "total_cputime", "total_time"})
      if (o.contains(k) && o[k].is_number()) u.max_percent = std::max(u.max_percent, o[k].get<int>());
    if (o.contains("estimated_time_to_regain_access") && o["estimated_time_to_regain_access"].is_number())
      u.regain_minutes = std::max(u.regain_minutes, o["estimated_time_to_regain_access"].get<long long>());
  };
  consider(webox::bounded_json::parse_or_discarded(resp.header("x-app-usage")));
  json buc = webox::bounded_json::parse_or_discarded(resp.header("x-business-use-case-usage"));
  if (buc.is_object())
    for (auto &[id, list] : buc.items())
      if (list.is_array())
        for (const auto &o : list) consider(o);
  return u;
}

// Whether the token is a Facebook Page's (Facebook Login host): the host
// sends graph.facebook.com, and `auth login --via facebook` keeps
// INSTAGRAM_LOGIN=facebook. Only for saying how to sign in again.
bool facebook_login(const webox_call *call, const std::string &root) {
  return root.find("graph.facebook.com") != std::string::npos || sdk::setting(call, "INSTAGRAM_LOGIN").value_or("") == "facebook";
}

class Graph {
public:
  Graph(const webox_instance &inst, const webox_call *call, std::string root, std::string token)
      : m_inst(inst), m_call(call), m_root(std::move(root)), m_token(std::move(token)) {
    m_slowdown_ms = inst.options.is_object() ? inst.options.value("slowdown_ms", 1000) : 1000;
  }

  // GET {root}/{path}?{query}; returns the parsed body or throws a Failure.
  json get(const std::string &path, const std::string &query) {
    if (sdk::host().is_cancelled(m_call)) throw sdk::Failure(WEBOX_E_CANCELLED, "instagram: cancelled");
    if (m_pause_ms > 0) {
      sdk::log(m_call, WEBOX_LOG_INFO, "instagram: API usage above 90 %, pausing " + std::to_string(m_pause_ms) + " ms");
      std::this_thread::sleep_for(std::chrono::milliseconds(m_pause_ms));
      m_pause_ms = 0;
    }
    sdk::HttpRequest r;
    r.method = "GET";
    r.url = m_root + "/" + path + (query.empty() ? "" : "?" + query);
    r.headers = {"Authorization: Bearer " + m_token, "Accept: application/json"};
    r.timeout_ms = m_inst.timeout_ms;
    r.should_retry = should_retry;
    sdk::HttpResponse resp = sdk::http(m_call, r);
    ++requests;
    Usage usage = read_usage(resp);
    if (usage.max_percent >= 90) m_pause_ms = m_slowdown_ms;
    if (resp.status >= 200 && resp.status < 300) {
      json doc = webox::social_kit::parse_body(resp.body, "instagram: " + path, resp.status);
      if (!doc.is_object())
        throw sdk::Failure(WEBOX_E_UPSTREAM, "instagram: " + path + " answered something that is not a JSON object", resp.status);
      return doc;
    }
    fail(resp, usage, path);
  }

  int requests = 0;

private:
  [[noreturn]] void fail(const sdk::HttpResponse &resp, const Usage &usage, const std::string &path) {
    json doc = webox::social_kit::parse_body(resp.body, "instagram: " + path, resp.status);
    json err = doc.is_object() && doc.contains("error") && doc["error"].is_object() ? doc["error"] : json::object();
    int code = graph_int(err, "code");
    int sub = graph_int(err, "error_subcode");
    std::string message = webox::social_kit::string_field(err, "message");
    if (message.empty()) message = resp.status ? "HTTP " + std::to_string(resp.status) : "no answer";
    std::string code_text = std::to_string(code) + (sub ? "/" + std::to_string(sub) : "");
    if (code == 190 || code == 102 || code == 2500) {
      std::string why = sub == 463 ? "the access token has expired" : "the access token is not valid";
      throw sdk::Failure(WEBOX_E_AUTH,
                         "instagram: " + why + " (Graph error " + code_text + ": " + message +
                             "); sign in again with: webox auth login instagram" +
                             (facebook_login(m_call, m_root) ? " --via facebook" : "") +
                             " (or set INSTAGRAM_ACCESS_TOKEN, or run `webox keys set instagram`)",
                         resp.status, -1, code_text);
    }
    if (code == 10 || (code >= 200 && code <= 299))
      throw sdk::Failure(WEBOX_E_AUTH, "instagram: permission refused (Graph error " + code_text + ": " + message +
                                           "); the token needs instagram_business_basic and instagram_business_manage_comments",
                         resp.status, -1, code_text);
    if (is_throttle(code) || resp.status == 429) {
      long long wait_ms = usage.regain_minutes > 0 ? usage.regain_minutes * 60000 : 60000;
      throw sdk::Failure(WEBOX_E_RATE_LIMITED,
                         "instagram: throttled by Meta (Graph error " + code_text + ": " + message + "); what was collected is kept, retry in " +
                             std::to_string((wait_ms + 59999) / 60000) + " min to resume",
                         resp.status, wait_ms, code_text);
    }
    webox_status status = resp.status >= 500 || code == 1 || code == 2 ? WEBOX_E_UPSTREAM
                          : code == 100                              ? WEBOX_E_INVALID
                                                                     : WEBOX_E_UPSTREAM;
    throw sdk::Failure(status, "instagram: " + path + ": Graph error " + code_text + ": " + message, resp.status, -1, code_text);
  }

  const webox_instance &m_inst;
  const webox_call *m_call;
  std::string m_root;
  std::string m_token;
  int m_slowdown_ms = 1000;
  int m_pause_ms = 0;
};

// "2019-09-26T22:36:43+0000" → Unix seconds (days_from_civil, TZ-free).
long long parse_time(const std::string &s) {
  int y, mo, d, h, mi, se;
  char sign = '+';
  int oh = 0, om = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) != 6) return 0;
  if (s.size() >= 24) {
    sign = s[19];
    std::sscanf(s.c_str() + 20, "%2d%*[:]%2d", &oh, &om);
    if (s.size() == 24) std::sscanf(s.c_str() + 20, "%2d%2d", &oh, &om);
  }
  long long yy = y - (mo <= 2);
  long long era = (yy >= 0 ? yy : yy - 399) / 400;
  unsigned yoe = static_cast<unsigned>(yy - era * 400);
  unsigned doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  long long days = era * 146097 + doe - 719468;
  long long offset = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
  return days * 86400 + h * 3600 + mi * 60 + se - offset;
}

std::string next_after(const json &page) {
  const json &paging = page.contains("paging") && page["paging"].is_object() ? page["paging"] : json::object();
  if (!paging.contains("next")) return {};
  if (paging.contains("cursors") && paging["cursors"].is_object()) return webox::social_kit::string_field(paging["cursors"], "after");
  return {};
}

struct Run {
  Graph &graph;
  const webox_call *call;
  webox_sink_fn sink;
  void *user;
  std::string self_id, self_username;
  long long since = 0;
  int pages = 0;

  void emit(const json &event) { webox::social_kit::emit_event(sink, user, event); }
  void checkpoint(const std::string &edge, const json &cursor) {
    webox::social_kit::emit_checkpoint(sink, user, edge, cursor);
    ++pages;
  }

  bool is_self(const json &c) {
    std::string from_id = c.contains("from") && c["from"].is_object() ? webox::social_kit::string_field(c["from"], "id") : "";
    return (!from_id.empty() && from_id == self_id) || (!self_username.empty() && webox::social_kit::string_field(c, "username") == self_username);
  }

  void emit_comment(const json &c, const std::string &media_id, const char *kind) {
    long long ts = parse_time(webox::social_kit::string_field(c, "timestamp"));
    if (since && ts < since) return;
    if (is_self(c)) return;
    json person = {{"id", c.contains("from") && c["from"].is_object() ? webox::social_kit::string_field(c["from"], "id") : ""},
                   {"username", c.contains("from") && c["from"].is_object() && !webox::social_kit::string_field(c["from"], "username").empty()
                                    ? webox::social_kit::string_field(c["from"], "username")
                                    : webox::social_kit::string_field(c, "username")}};
    if (person["id"] == "" && person["username"] == "") return; // nobody to attach it to (permission case)
    emit({{"type", "item"},
          {"interaction",
           {{"platform", "instagram"}, {"platform_id", webox::social_kit::string_field(c, "id")}, {"kind", kind}, {"person", person},
            {"text", webox::social_kit::string_field(c, "text")}, {"timestamp", ts}, {"post", media_id}}}});
  }

  void comments(const json &media, const json &cursors) {
    const std::string id = webox::social_kit::string_field(media, "id");
    const long long count = webox::social_kit::integer_at(media, "comments_count").value_or(-1);
    const std::string edge = "comments:" + id;
    json state = json::object();
    if (auto it = cursors.find(edge); it != cursors.end() && it->is_string()) {
      state = webox::bounded_json::parse_or_discarded(it->get<std::string>());
      if (!state.is_object()) state = json::object();
    }
    std::string after = webox::social_kit::string_field(state, "after");
    if (after.empty() && state.contains("count") && count >= 0 && state["count"] == count) return; // nothing new
    long long target = after.empty() ? count : webox::social_kit::integer_at(state, "count").value_or(count);
    for (;;) {
      std::string query = std::string("fields=") + webox::social_kit::percent_encode(kCommentFields) + "&limit=50";
      if (!after.empty()) query += "&after=" + webox::social_kit::percent_encode(after);
      json page;
      try {
        page = graph.get(id + "/comments", query);
      } catch (const sdk::Failure &f) {
        if (f.status != WEBOX_E_INVALID || after.empty()) throw;
        // The stored cursor died (the comment it pointed to was deleted): sweep again.
        emit({{"type", "warning"}, {"message", "comments of media " + id + ": resume cursor refused, starting over"}});
        after.clear();
        continue;
      }
      if (page.contains("data") && page["data"].is_array()) {
        for (const auto &c : page["data"]) {
          if (!c.is_object()) continue;
          emit_comment(c, id, "comment");
          if (c.contains("replies") && c["replies"].is_object() && c["replies"].contains("data") && c["replies"]["data"].is_array())
            for (const auto &r : c["replies"]["data"])
              if (r.is_object()) emit_comment(r, id, "reply");
        }
      }
      after = next_after(page);
      if (after.empty()) {
        checkpoint(edge, json{{"count", target}});
        // A resumed sweep started before comments that arrived since (they
        // sit before the resume cursor, newest first): sweep again now rather
        // than leave them to the next run.
        if (target == count || count < 0) return;
        target = count;
        continue;
      }
      checkpoint(edge, json{{"after", after}, {"count", target}});
    }
  }

  void tags(const std::string &user_path) {
    std::string after;
    for (;;) {
      std::string query = std::string("fields=") + webox::social_kit::percent_encode(kTagFields) + "&limit=50";
      if (!after.empty()) query += "&after=" + webox::social_kit::percent_encode(after);
      json page;
      try {
        page = graph.get(user_path + "/tags", query);
      } catch (const sdk::Failure &f) {
        if (f.status != WEBOX_E_INVALID) throw;
        emit({{"type", "warning"}, {"message", "mentions (tags) are not available with this token or host; skipped"}});
        return;
      }
      if (page.contains("data") && page["data"].is_array())
        for (const auto &m : page["data"]) {
          if (!m.is_object() || webox::social_kit::string_field(m, "username").empty() || webox::social_kit::string_field(m, "username") == self_username) continue;
          long long ts = parse_time(webox::social_kit::string_field(m, "timestamp"));
          if (since && ts < since) continue;
          emit({{"type", "item"},
                {"interaction",
                 {{"platform", "instagram"}, {"platform_id", "tag:" + webox::social_kit::string_field(m, "id")}, {"kind", "mention"},
                  {"person", {{"username", webox::social_kit::string_field(m, "username")}}}, {"text", webox::social_kit::string_field(m, "caption")}, {"timestamp", ts}}}});
        }
      checkpoint("", nullptr);
      after = next_after(page);
      if (after.empty()) return;
    }
  }
};

webox_status create(const char *config, size_t size, webox_instance **out, webox_buf *error) {
  return sdk::guard(error, [&] {
    json cfg = webox::bounded_json::parse_or_discarded(std::string_view(config, size));
    if (!cfg.is_object()) throw sdk::Failure(WEBOX_E_INVALID, "instagram: instance configuration is not a JSON object");
    auto inst = std::make_unique<webox_instance>();
    inst->base_url = cfg.value("base_url", "https://graph.instagram.com");
    inst->key_var = cfg.value("api_key_name", "INSTAGRAM_ACCESS_TOKEN");
    inst->timeout_ms = cfg.value("timeout_ms", 0);
    if (cfg.contains("options") && cfg["options"].is_object()) inst->options = cfg["options"];
    *out = inst.release();
    return WEBOX_OK;
  });
}

void destroy(webox_instance *self) { delete self; }

webox_status describe(webox_instance *, webox_buf *out) {
  return webox::kit::give_description(
      {{"edges", {"media", "comments", "replies", "tags"}}, {"capabilities", {"social-collect", "social-send"}}}, out);
}

webox_status social_collect(webox_instance *self, const webox_call *call, const webox_request *req, webox_sink_fn sink,
                            void *user, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = webox::social_kit::parse_request(req, "instagram");
    const std::string token = webox::social_kit::require_token(
        call, *self, "instagram: no access token: set " + self->key_var + " or run `webox keys set instagram`");
    json options = webox::social_kit::options_of(request);
    std::string base = request.value("base_url", "");
    if (base.empty()) base = self->base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    std::string version = options.value("api_version", std::string("v23.0"));
    std::string account = request.value("account_id", "");
    std::string user_path = account.empty() ? "me" : account;

    Graph graph(*self, call, base + "/" + version, token);
    Run run{graph, call, sink, user, "", "", 0, 0};
    if (request.contains("since") && request["since"].is_number_integer()) run.since = request["since"].get<long long>();
    const json cursors = request.contains("cursors") && request["cursors"].is_object() ? request["cursors"] : json::object();

    json me = graph.get(user_path, "fields=id,username");
    run.self_id = webox::social_kit::string_field(me, "id");
    run.self_username = webox::social_kit::string_field(me, "username");

    // Own media first (posts and their like counts), one page per checkpoint.
    std::vector<json> media;
    std::string after;
    for (;;) {
      std::string query = std::string("fields=") + webox::social_kit::percent_encode(kMediaFields) + "&limit=50";
      if (run.since) query += "&since=" + std::to_string(run.since);
      if (!after.empty()) query += "&after=" + webox::social_kit::percent_encode(after);
      json page = graph.get(user_path + "/media", query);
      if (page.contains("data") && page["data"].is_array())
        for (const auto &m : page["data"]) {
          if (!m.is_object() || webox::social_kit::string_field(m, "id").empty()) continue;
          json post = {{"id", webox::social_kit::string_field(m, "id")}, {"caption", webox::social_kit::string_field(m, "caption")}, {"permalink", webox::social_kit::string_field(m, "permalink")}};
          if (m.contains("like_count") && m["like_count"].is_number_integer()) post["like_count"] = m["like_count"];
          if (m.contains("comments_count") && m["comments_count"].is_number_integer()) post["comments_count"] = m["comments_count"];
          if (!webox::social_kit::string_field(m, "timestamp").empty()) post["timestamp"] = parse_time(webox::social_kit::string_field(m, "timestamp"));
          run.emit({{"type", "item"}, {"post", post}});
          media.push_back(m);
        }
      run.checkpoint("", nullptr);
      after = next_after(page);
      if (after.empty()) break;
    }
    for (const auto &m : media) run.comments(m, cursors);
    // social.instagram.skip_tags: true, for tokens whose host has no tags edge.
    const json skip = options.value("skip_tags", json(nullptr));
    if (!(skip == true || skip == "true")) run.tags(user_path);

    sdk::give(json{{"account", {{"id", run.self_id}, {"username", run.self_username}}},
                   {"media", media.size()},
                   {"pages", run.pages},
                   {"requests", graph.requests}}
                  .dump(),
              &out->json);
    return WEBOX_OK;
  });
}

// ---- social_send: one direct message ---------------------------------------
//
//   POST /{v}/{ig-user or me}/messages   Authorization: Bearer      (Instagram Login)
//   POST /{v}/{page-id}/messages         Authorization: Bearer Page token (Facebook Login)
//   {"recipient":{"id":"<IGSID>"},"message":{"text":"..."}}          a direct message
//   {"recipient":{"comment_id":"<ID>"},"message":{"text":"..."}}     a private reply
//   200 {"recipient_id": "<IGSID>", "message_id": "<mid>"}
// (social-apis.md §1.9). Text is UTF-8, at most 1000 bytes. A business may
// only answer someone who messaged it in the last 24 hours, or answer one
// comment privately within 7 days of it; the host picks the path and skips
// people for whom neither is open, and the platform's own refusal
// (10/2534022) is reported as `outside_window` too. A comment whose private
// reply was already used (subcode 2534025; the top-level code is not
// documented, so the subcode alone decides) is `comment_used`: spent, not an
// error of the campaign. A private reply answered 100 (other than the
// subcodes below; 100/33 "object does not exist") names a comment that was
// deleted or hidden, or cannot take a private reply: `comment_gone`, spent
// the same way, so later runs do not try it again and again. The request's `login: "facebook"` (or a
// graph.facebook.com base URL) selects the Page path; the page id comes from
// the request's `page_id`, else the INSTAGRAM_PAGE_ID secret. Meta gives sends no
// idempotency key, so nothing here is retried blindly: throttling (4, 17,
// 32, 613, 80002, 613/2534040) means "not sent, stop"; 1/1357046 "invalid
// JSON reply", a 5xx or a dropped connection may come after the message
// left, and is reported as `ambiguous` so the host never resends it.
// The error detail's "code" tells the host what happened:
//   outside_window | recipient_unavailable | recipient_unknown | too_long |
//   comment_used | comment_gone (not sent, final for this person); rate_limited (not sent,
//   back off); blocked (the account is restricted from sending: stop); auth;
//   ambiguous.
sdk::Failure coded(webox_status status, const std::string &code, const std::string &message, int http_status = 0,
                   long long retry_after_ms = -1, const std::string &provider_code = {}) {
  sdk::Failure f(status, message, http_status, retry_after_ms, provider_code);
  json d = webox::bounded_json::parse_or_discarded(f.detail_json);
  d["code"] = code;
  f.detail_json = d.dump();
  return f;
}

int never_retry(void *, int32_t, const char *, size_t) { return 0; }

[[noreturn]] void send_failed(const sdk::HttpResponse &resp, bool private_reply) {
  json doc = webox::bounded_json::parse_or_discarded(resp.body);
  json err = doc.is_object() && doc.contains("error") && doc["error"].is_object() ? doc["error"] : json::object();
  int code = graph_int(err, "code");
  int sub = graph_int(err, "error_subcode");
  std::string message = webox::social_kit::string_field(err, "message");
  if (message.empty()) message = resp.status ? "HTTP " + std::to_string(resp.status) : std::string("no answer");
  std::string pc = std::to_string(code) + (sub ? "/" + std::to_string(sub) : "");
  std::string what = "instagram: Graph error " + pc + ": " + message;
  if (sub == 2534022) throw coded(WEBOX_E_UPSTREAM, "outside_window", what + " (outside the 24-hour messaging window)", resp.status, -1, pc);
  if (sub == 2534025)
    throw coded(WEBOX_E_UPSTREAM, "comment_used", what + " (this comment's one private reply was already used)", resp.status, -1, pc);
  if (code == 551) throw coded(WEBOX_E_UPSTREAM, "recipient_unavailable", what, resp.status, -1, pc);
  if (sub == 2534014) throw coded(WEBOX_E_INVALID, "recipient_unknown", what, resp.status, -1, pc);
  if (sub == 1893063 || sub == 2534029 || code == 368)
    throw coded(WEBOX_E_QUOTA, "blocked", what + " (the account may not send messages for now)", resp.status, -1, pc);
  if (is_throttle(code) || sub == 2534040 || resp.status == 429) {
    Usage usage = read_usage(resp);
    long long wait_ms = usage.regain_minutes > 0 ? usage.regain_minutes * 60000 : 60000;
    throw coded(WEBOX_E_RATE_LIMITED, "rate_limited", what, resp.status, wait_ms, pc);
  }
  if (code == 190 || code == 102 || code == 2500 || sub == 2534041 || code == 10 || (code >= 200 && code <= 299))
    throw coded(WEBOX_E_AUTH, "auth", what + "; the token needs instagram_business_manage_messages (set INSTAGRAM_ACCESS_TOKEN)", resp.status, -1, pc);
  if (code == 100 && private_reply)
    throw coded(WEBOX_E_INVALID, "comment_gone", what + " (the comment was deleted or hidden, or cannot take a private reply)", resp.status, -1, pc);
  if (code == 100) throw coded(WEBOX_E_INVALID, "recipient_unknown", what, resp.status, -1, pc);
  // 1/1357046, 2, 5xx and anything unknown: the message may have left.
  throw coded(WEBOX_E_UPSTREAM, "ambiguous", what + " (the message may or may not have been delivered)", resp.status, -1, pc);
}

webox_status social_send(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = webox::social_kit::parse_request(req, "instagram");
    auto token = sdk::secret(call, self->key_var);
    if (!token || token->empty())
      throw coded(WEBOX_E_AUTH, "auth", "instagram: no access token: set " + self->key_var + " or run `webox keys set instagram`");
    const json recipient = request.value("recipient", json::object());
    std::string to = recipient.is_object() ? webox::social_kit::string_field(recipient, "id") : "";
    std::string comment = recipient.is_object() ? webox::social_kit::string_field(recipient, "comment_id") : "";
    std::string text = request.value("text", std::string());
    if (comment.empty() && (to.empty() || to.starts_with("@")))
      throw coded(WEBOX_E_INVALID, "recipient_unknown", "instagram: no Instagram-scoped user id for this person (only a username is known)");
    if (text.empty()) throw coded(WEBOX_E_INVALID, "invalid", "instagram: empty message");
    if (text.size() > 1000)
      throw coded(WEBOX_E_INVALID, "too_long", "instagram: the message is " + std::to_string(text.size()) + " bytes; Instagram accepts at most 1000");
    json options = request.contains("options") && request["options"].is_object() ? request["options"] : json::object();
    std::string base = request.value("base_url", "");
    if (base.empty()) base = self->base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    std::string version = options.value("api_version", std::string("v23.0"));
    // Facebook Login: the Page sends (its id in the path, its token).
    const bool facebook = request.value("login", std::string()) == "facebook" || base.find("graph.facebook.com") != std::string::npos;
    std::string sender = request.value("account_id", "");
    if (sender.empty()) sender = "me";
    if (facebook) {
      sender = request.value("page_id", std::string());
      if (sender.empty()) sender = sdk::setting(call, "INSTAGRAM_PAGE_ID").value_or("");
      if (sender.empty())
        throw coded(WEBOX_E_AUTH, "auth", "instagram: with Facebook Login messages are sent by the Facebook Page: set INSTAGRAM_PAGE_ID");
    }
    sdk::HttpRequest r;
    r.method = "POST";
    r.url = base + "/" + version + "/" + sender + "/messages";
    r.headers = {"Authorization: Bearer " + *token, "Content-Type: application/json", "Accept: application/json"};
    // One recipient kind only: Meta reads comment_id as a private reply.
    json to_json = comment.empty() ? json{{"id", to}} : json{{"comment_id", comment}};
    r.body = json{{"recipient", to_json}, {"message", {{"text", text}}}}.dump();
    r.timeout_ms = self->timeout_ms;
    r.should_retry = never_retry;
    r.flags = WEBOX_HTTP_ONCE; // nor after a timeout or a lost connection: the message may have left
    sdk::HttpResponse resp;
    try {
      resp = sdk::http(call, r);
    } catch (const sdk::Failure &f) {
      if (f.status == WEBOX_E_CANCELLED) throw;
      throw coded(f.status, "ambiguous", "instagram: " + f.message + " (the message may or may not have been delivered)");
    }
    if (resp.status < 200 || resp.status >= 300) send_failed(resp, !comment.empty());
    json doc = webox::bounded_json::parse_or_discarded(resp.body);
    if (!doc.is_object()) throw coded(WEBOX_E_UPSTREAM, "ambiguous", "instagram: the send answer is not JSON; the message may have left", resp.status);
    sdk::give(json{{"message_id", webox::social_kit::string_field(doc, "message_id")}, {"recipient_id", webox::social_kit::string_field(doc, "recipient_id")}}.dump(), &out->json);
    return WEBOX_OK;
  });
}

// ---- webhook: one verified delivery (ABI 1.5) ------------------------------
//
// `webox serve` checked the X-Hub-Signature-256 and stored the body; here it
// becomes the interactions collection would give (§1.8). The envelope is
// {"object":"instagram","entry":[{"id": OUR_ID, "time": T, ...}]} and an
// entry carries `changes: [{field, value}]`, a flat `field` + `value`, or
// `messaging: [...]`:
//   comments, live_comments  value {id | comment_id, text, from{id,username},
//                            media{id}, parent_id?} -> comment or reply, the
//                            comment id as platform_id (as collect gives it)
//   mentions                 value {media_id, comment_id?}: ids only, so the
//                            text and author are read through the account's
//                            mentioned_comment / mentioned_media fields
//   messaging                {sender{id}, recipient{id}, timestamp,
//                            message{mid, text, is_echo?, is_deleted?}} -> dm
// Our own comments and our echoes are skipped; so are fields and events we
// do not read (reactions, reads, story_insights), counted in the result.
class WebhookDelivery {
public:
  WebhookDelivery(webox_instance &inst, const webox_call *call, webox_sink_fn sink, void *user, json request)
      : m_inst(inst), m_call(call), m_sink(sink), m_user(user), m_request(std::move(request)) {}

  json run() {
    const json &delivery = webox::social_kit::object_at(m_request, "delivery");
    if (webox::social_kit::string_field(delivery, "object") != "instagram" || !delivery.contains("entry") ||
        !delivery["entry"].is_array()) {
      ++m_skipped;
      return counts();
    }
    for (const auto &entry : delivery["entry"]) {
      if (!entry.is_object()) {
        ++m_skipped;
        continue;
      }
      m_account = id_text(entry, "id");
      m_entry_time = seconds_of(entry.contains("time") ? entry["time"] : json());
      if (entry.contains("changes") && entry["changes"].is_array()) {
        for (const auto &change : entry["changes"]) change_of(change);
      } else if (entry.contains("field")) {
        change_of(entry);
      }
      if (entry.contains("messaging") && entry["messaging"].is_array())
        for (const auto &m : entry["messaging"]) message_of(m);
    }
    return counts();
  }

private:
  // Meta sends ids as strings, but some samples show numbers.
  static std::string id_text(const json &o, const char *key) {
    if (!o.is_object() || !o.contains(key)) return "";
    const json &v = o[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    return "";
  }
  // Seconds or milliseconds (above 1e12) in the samples; 0 when absent.
  static long long seconds_of(const json &v) {
    if (!v.is_number()) return 0;
    double t = v.get<double>();
    if (t > 1e12) t /= 1000.0;
    return t > 0 && t < 1e11 ? static_cast<long long>(t) : 0;
  }
  long long when() const {
    return m_entry_time ? m_entry_time : static_cast<long long>(std::time(nullptr));
  }

  void emit_interaction(json record) {
    webox::social_kit::emit_event(m_sink, m_user, json{{"type", "item"}, {"interaction", std::move(record)}});
    ++m_items;
  }

  void change_of(const json &change) {
    const std::string field = webox::social_kit::string_field(change, "field");
    const json &value = webox::social_kit::object_at(change, "value");
    if (field == "comments" || field == "live_comments") comment_of(value);
    else if (field == "mentions") mention_of(value);
    else ++m_skipped;
  }

  void comment_of(const json &v) {
    std::string id = id_text(v, "id");
    if (id.empty()) id = id_text(v, "comment_id");
    const json &from = webox::social_kit::object_at(v, "from");
    json person = {{"id", id_text(from, "id")}, {"username", webox::social_kit::string_field(from, "username")}};
    if (id.empty() || (person["id"] == "" && person["username"] == "") ||
        (!m_account.empty() && person["id"] == m_account)) {
      ++m_skipped;
      return;
    }
    json record = {{"platform", "instagram"},
                   {"platform_id", id},
                   {"kind", id_text(v, "parent_id").empty() ? "comment" : "reply"},
                   {"person", person},
                   {"text", webox::social_kit::string_field(v, "text")},
                   {"timestamp", when()}};
    std::string media = id_text(webox::social_kit::object_at(v, "media"), "id");
    if (!media.empty()) record["post"] = media;
    emit_interaction(std::move(record));
  }

  // A mention brings ids only; its text and author are read from the Graph
  // API through our account's mentioned_comment / mentioned_media fields.
  void mention_of(const json &v) {
    const std::string comment = id_text(v, "comment_id"), media = id_text(v, "media_id");
    if (media.empty() && comment.empty()) {
      ++m_skipped;
      return;
    }
    const std::string fields = comment.empty()
                                   ? "mentioned_media.media_id(" + media + "){id,caption,username,timestamp}"
                                   : "mentioned_comment.comment_id(" + comment + "){id,text,username,timestamp}";
    json doc = graph().get(m_account.empty() ? "me" : m_account, "fields=" + webox::social_kit::percent_encode(fields));
    const json &found = webox::social_kit::object_at(doc, comment.empty() ? "mentioned_media" : "mentioned_comment");
    const std::string username = webox::social_kit::string_field(found, "username");
    if (username.empty()) {
      ++m_skipped;
      return;
    }
    long long ts = parse_time(webox::social_kit::string_field(found, "timestamp"));
    json record = {{"platform", "instagram"},
                   {"platform_id", "mention:" + (comment.empty() ? media : comment)},
                   {"kind", "mention"},
                   {"person", {{"username", username}}},
                   {"text", webox::social_kit::string_field(found, comment.empty() ? "caption" : "text")},
                   {"timestamp", ts ? ts : when()}};
    if (!media.empty()) record["post"] = media;
    emit_interaction(std::move(record));
  }

  void message_of(const json &m) {
    const json &message = webox::social_kit::object_at(m, "message");
    const std::string sender = id_text(webox::social_kit::object_at(m, "sender"), "id");
    const std::string mid = webox::social_kit::string_field(message, "mid");
    auto flag = [&](const char *k) { return message.contains(k) && message[k] == true; };
    if (mid.empty() || sender.empty() || flag("is_echo") || flag("is_deleted") || flag("is_self") ||
        (!m_account.empty() && sender == m_account)) {
      ++m_skipped; // reactions, reads, postbacks, our own echoes
      return;
    }
    long long ts = seconds_of(m.contains("timestamp") ? m["timestamp"] : json());
    emit_interaction({{"platform", "instagram"},
                      {"platform_id", "dm:" + mid},
                      {"kind", "dm"},
                      {"person", {{"id", sender}}},
                      {"text", webox::social_kit::string_field(message, "text")},
                      {"timestamp", ts ? ts : when()}});
  }

  Graph &graph() {
    if (!m_graph) {
      m_token = webox::social_kit::require_token(
          m_call, m_inst, "instagram: a mention needs the API to be read: set " + m_inst.key_var + " or run `webox keys set instagram`");
      std::string base = m_request.value("base_url", "");
      if (base.empty()) base = m_inst.base_url;
      while (!base.empty() && base.back() == '/') base.pop_back();
      const json options = webox::social_kit::options_of(m_request);
      m_graph = std::make_unique<Graph>(m_inst, m_call, base + "/" + options.value("api_version", std::string("v23.0")), m_token);
    }
    return *m_graph;
  }

  json counts() const { return {{"items", m_items}, {"skipped", m_skipped}}; }

  webox_instance &m_inst;
  const webox_call *m_call;
  webox_sink_fn m_sink;
  void *m_user;
  json m_request;
  std::string m_account, m_token;
  long long m_entry_time = 0;
  long long m_items = 0, m_skipped = 0;
  std::unique_ptr<Graph> m_graph;
};

webox_status webhook(webox_instance *self, const webox_call *call, const webox_request *req, webox_sink_fn sink, void *user,
                     webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = webox::social_kit::parse_request(req, "instagram");
    sdk::give(WebhookDelivery(*self, call, sink, user, std::move(request)).run().dump(), &out->json);
    return WEBOX_OK;
  });
}

// SIGN-IN (ABI 1.6 auth; Instagram API with Instagram Login). Three steps,
// three hosts, each overridable for tests and proxies:
//   authorize  INSTAGRAM_AUTHORIZE_URL (https://www.instagram.com/oauth/authorize)
//              ?client_id&redirect_uri&response_type=code&scope=a,b&state; no PKCE
//   exchange   POST INSTAGRAM_TOKEN_URL (https://api.instagram.com/oauth/access_token)
//              form client_id, client_secret, grant_type=authorization_code,
//              redirect_uri, code -> {"data":[{"access_token","user_id",
//              "permissions"}]} (older answers unwrapped): a token for one hour;
//              then GET <graph host>/access_token?grant_type=ig_exchange_token
//              &client_secret&access_token -> {"access_token","token_type",
//              "expires_in"}: the 60-day token
//   refresh    GET <graph host>/refresh_access_token?grant_type=ig_refresh_token
//              &access_token (a long-lived token at least 24 hours old, unexpired)
// The two GETs carry secrets in the query because Meta documents no other
// form; the host's logs redact access_token and client_secret parameters.
// The app's id is INSTAGRAM_APP_ID (a setting), its secret INSTAGRAM_APP_SECRET.
namespace ig_auth {

const std::vector<std::string> kDefaultScopes = {"instagram_business_basic", "instagram_business_manage_comments",
                                                 "instagram_business_manage_messages"};

std::string graph_host(const webox_instance &self, const json &request) {
  std::string base = request.value("base_url", "");
  if (base.empty()) base = self.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

json authorize(const webox_call *call, const json &request) {
  const std::string client_id = webox::oauth_kit::required_setting(call, "INSTAGRAM_APP_ID", "instagram");
  std::string url = webox::oauth_kit::url_setting(call, "INSTAGRAM_AUTHORIZE_URL", "https://www.instagram.com/oauth/authorize");
  url += (url.find('?') == std::string::npos ? "?" : "&") +
         webox::oauth_kit::form_encode({{"client_id", client_id},
                                        {"redirect_uri", request.value("redirect_uri", "")},
                                        {"response_type", "code"},
                                        {"scope", webox::oauth_kit::join(webox::oauth_kit::scopes_of(request, kDefaultScopes), ",")},
                                        {"state", request.value("state", "")}});
  return {{"url", url}, {"pkce", false}};
}

json long_lived(const webox_instance &self, const webox_call *call, const std::string &url, const std::string &what) {
  sdk::HttpRequest r;
  r.method = "GET";
  r.url = url;
  r.headers = {"Accept: application/json"};
  r.timeout_ms = self.timeout_ms;
  r.should_retry = webox::oauth_kit::never_retry_4xx;
  json doc = webox::oauth_kit::token_answer(sdk::http(call, r), "instagram", what);
  json out = webox::oauth_kit::token_result(doc, self.key_var, "");
  if (!out.contains("expires_in")) out["expires_in"] = 60LL * 24 * 3600; // documented: 60 days
  return out;
}

json exchange(const webox_instance &self, const webox_call *call, const json &request) {
  const std::string client_id = webox::oauth_kit::required_setting(call, "INSTAGRAM_APP_ID", "instagram");
  const std::string secret = webox::oauth_kit::required_secret(call, "INSTAGRAM_APP_SECRET", "instagram");
  std::string code = request.value("code", "");
  // Instagram appends "#_" to the redirect; it is not part of the code.
  if (code.size() >= 2 && code.compare(code.size() - 2, 2, "#_") == 0) code.resize(code.size() - 2);
  const std::string token_url =
      webox::oauth_kit::url_setting(call, "INSTAGRAM_TOKEN_URL", "https://api.instagram.com/oauth/access_token");
  json short_doc = webox::oauth_kit::token_answer(
      webox::oauth_kit::post_form(call, token_url,
                                  {{"client_id", client_id},
                                   {"client_secret", secret},
                                   {"grant_type", "authorization_code"},
                                   {"redirect_uri", request.value("redirect_uri", "")},
                                   {"code", code}},
                                  {}, self.timeout_ms),
      "instagram", "the code exchange");
  const std::string short_token = webox::social_kit::string_field(short_doc, "access_token");
  json out = long_lived(self, call,
                        graph_host(self, request) + "/access_token?" +
                            webox::oauth_kit::form_encode({{"grant_type", "ig_exchange_token"},
                                                           {"client_secret", secret},
                                                           {"access_token", short_token}}),
                        "the long-lived token exchange");
  if (short_doc.contains("user_id") && (short_doc["user_id"].is_number_integer() || short_doc["user_id"].is_string()))
    out["account"] = short_doc["user_id"].is_string() ? short_doc["user_id"].get<std::string>() : short_doc["user_id"].dump();
  if (auto p = short_doc.find("permissions"); p != short_doc.end()) {
    if (p->is_string()) out["scopes"] = webox::oauth_kit::split_scopes(p->get<std::string>());
    if (p->is_array()) out["scopes"] = *p;
  }
  return out;
}

json refresh(const webox_instance &self, const webox_call *call, const json &request) {
  std::string token = request.value("access_token", "");
  if (token.empty()) throw sdk::Failure(WEBOX_E_AUTH, "instagram: no stored token to refresh");
  return long_lived(self, call,
                    graph_host(self, request) + "/refresh_access_token?" +
                        webox::oauth_kit::form_encode({{"grant_type", "ig_refresh_token"}, {"access_token", token}}),
                    "the token refresh");
}

} // namespace ig_auth

// SIGN-IN WITH FACEBOOK LOGIN (`webox auth login instagram --via facebook`):
// the Instagram professional account linked to a Facebook Page, reached on
// graph.facebook.com with the Page's token. Same host protocol, the request's
// "method": "facebook"; every URL overridable like the others:
//   authorize  INSTAGRAM_FACEBOOK_DIALOG_URL (https://www.facebook.com/v23.0/dialog/oauth)
//              ?client_id&redirect_uri&state&response_type=code&scope=a,b; no PKCE
//   exchange   GET <META_GRAPH_BASE_URL>/v23.0/oauth/access_token?client_id
//              &redirect_uri&client_secret&code -> a user token for about an hour;
//              GET .../oauth/access_token?grant_type=fb_exchange_token&client_id
//              &client_secret&fb_exchange_token -> the long-lived user token (~60 days);
//              GET .../me/accounts?fields=id,name,access_token,instagram_business_account
//              (Bearer: that token; paged by cursors) -> each Page's token, which
//              does not expire when derived from a long-lived user token.
//   refresh    the same page list with the stored user token, the Page picked
//              again by its id: a new Page token while the user token lives.
// The app is the Meta app: FACEBOOK_APP_ID (a setting), FACEBOOK_APP_SECRET.
// The answer keeps the user token as the "refresh_token" (what the Page
// token is derived from again), says "never_expires" for the Page token, and
// hands the host the ids collection and messages need ("settings"). With
// several usable Pages and no "choice", it answers the list ("choices") and
// the host asks the user, then sends a refresh naming the Page.
namespace fb_auth {

constexpr const char *kVersion = "v23.0";
constexpr const char *kUserTokenName = "INSTAGRAM_FB_USER_TOKEN";
constexpr int kMaxPageLists = 20; // 100 Pages a list: 2000 Pages are plenty
const std::vector<std::string> kDefaultScopes = {"instagram_basic",      "instagram_manage_comments",
                                                 "instagram_manage_messages", "pages_show_list",
                                                 "pages_read_engagement", "pages_manage_metadata",
                                                 "business_management"};
const std::string kRelogin = "sign in again with: webox auth login instagram --via facebook";

std::string graph_root(const webox_call *call) {
  return webox::oauth_kit::url_setting(call, "META_GRAPH_BASE_URL", "https://graph.facebook.com") + "/" + kVersion;
}

// A refused token or code says how to start over, with the method.
template <class F> auto relogin_on_refusal(F &&step) {
  try {
    return step();
  } catch (const sdk::Failure &f) {
    if (f.status != WEBOX_E_AUTH || f.message.find("webox auth login") != std::string::npos) throw;
    sdk::Failure again(WEBOX_E_AUTH, f.message + "; " + kRelogin);
    again.detail_json = f.detail_json;
    json d = webox::bounded_json::parse_or_discarded(again.detail_json);
    if (d.is_object()) {
      d["message"] = again.message;
      again.detail_json = d.dump();
    }
    throw again;
  }
}

// GET on the Graph API: the parsed 2xx body, or a failure classed as a
// token endpoint's (Graph code 190: WEBOX_E_AUTH).
json graph_get(const webox_instance &self, const webox_call *call, const std::string &url, const std::string &bearer,
               const std::string &what) {
  sdk::HttpRequest r;
  r.method = "GET";
  r.url = url;
  r.headers = {"Accept: application/json"};
  if (!bearer.empty()) r.headers.push_back("Authorization: Bearer " + bearer);
  r.timeout_ms = self.timeout_ms;
  r.should_retry = webox::oauth_kit::never_retry_4xx;
  sdk::HttpResponse resp = sdk::http(call, r);
  if (resp.status < 200 || resp.status >= 300) webox::oauth_kit::token_answer(resp, "instagram", what); // throws
  json doc = webox::bounded_json::parse_or_discarded(resp.body);
  if (!doc.is_object()) throw sdk::Failure(WEBOX_E_UPSTREAM, "instagram: " + what + " answered something that is not a JSON object", resp.status);
  return doc;
}

struct Page {
  std::string id, name, token, ig_user;
};

std::vector<Page> list_pages(const webox_instance &self, const webox_call *call, const std::string &user_token) {
  std::vector<Page> pages;
  std::string after;
  for (int n = 0; n < kMaxPageLists; ++n) {
    std::string query = webox::oauth_kit::form_encode(
        {{"fields", "id,name,access_token,instagram_business_account"}, {"limit", "100"}});
    if (!after.empty()) query += "&" + webox::oauth_kit::form_encode({{"after", after}});
    json doc = graph_get(self, call, graph_root(call) + "/me/accounts?" + query, user_token, "the list of Facebook Pages");
    if (doc.contains("data") && doc["data"].is_array())
      for (const auto &p : doc["data"]) {
        Page page{webox::social_kit::string_field(p, "id"), webox::social_kit::string_field(p, "name"),
                  webox::social_kit::string_field(p, "access_token"),
                  webox::social_kit::string_field(webox::social_kit::object_at(p, "instagram_business_account"), "id")};
        if (!page.id.empty()) pages.push_back(std::move(page));
      }
    after = next_after(doc);
    if (after.empty()) return pages;
  }
  throw sdk::Failure(WEBOX_E_UPSTREAM, "instagram: more than " + std::to_string(kMaxPageLists * 100) +
                                           " Facebook Pages: choose the one to use with --page ID");
}

std::string page_label(const Page &p) { return "'" + p.name + "' (" + p.id + ")"; }

std::string labels(const std::vector<Page> &pages) {
  std::string out;
  for (const auto &p : pages) out += (out.empty() ? "" : ", ") + page_label(p);
  return out;
}

// A Page token document: the Page's token in INSTAGRAM_ACCESS_TOKEN, no
// expiry, and the ids the host keeps beside it.
json page_answer(const webox_instance &self, const Page &p) {
  if (p.token.empty())
    throw webox::oauth_kit::missing_setting("instagram: the Facebook Page " + page_label(p) +
                                            " gave no access token: the signed-in user needs a task on it (Page roles)");
  if (p.ig_user.empty())
    throw webox::oauth_kit::missing_setting("instagram: the Facebook Page " + page_label(p) +
                                            " has no Instagram professional account linked (link one in the Page's "
                                            "settings, then sign in again); nothing stored");
  return {{"access_token", p.token},
          {"store_as", {{"access_token", self.key_var}}},
          {"never_expires", true},
          {"method", "facebook"},
          {"choice", p.id},
          {"account", p.ig_user + " via Facebook Page " + page_label(p)},
          {"settings", {{"INSTAGRAM_LOGIN", "facebook"}, {"INSTAGRAM_PAGE_ID", p.id}, {"INSTAGRAM_USER_ID", p.ig_user}}}};
}

// The Page the user named (id or name), or the only usable one; else the
// list for the host to ask from.
json choose_page(const webox_instance &self, const std::vector<Page> &pages, const std::string &choice) {
  if (pages.empty())
    throw webox::oauth_kit::missing_setting("instagram: this Facebook sign-in manages no Facebook Page (grant "
                                            "pages_show_list and select the Page in the dialog); nothing stored");
  if (!choice.empty()) {
    for (const auto &p : pages)
      if (p.id == choice || p.name == choice) return page_answer(self, p);
    throw sdk::Failure(WEBOX_E_INVALID, "instagram: no Facebook Page '" + choice + "' among those this sign-in manages: " +
                                            labels(pages) + "; nothing stored");
  }
  std::vector<Page> usable;
  for (const auto &p : pages)
    if (!p.ig_user.empty() && !p.token.empty()) usable.push_back(p);
  if (usable.empty() && pages.size() == 1) return page_answer(self, pages[0]); // says why not
  if (usable.empty())
    throw webox::oauth_kit::missing_setting("instagram: none of the Facebook Pages " + labels(pages) +
                                            " has an Instagram professional account linked; nothing stored");
  if (usable.size() == 1) return page_answer(self, usable[0]);
  json choices = json::array();
  for (const auto &p : usable) choices.push_back({{"id", p.id}, {"name", p.name}});
  return {{"choices", choices}, {"choice_kind", "Facebook Page"}, {"choice_option", "--page"}};
}

json authorize(const webox_call *call, const json &request) {
  const std::string client_id = webox::oauth_kit::required_setting(call, "FACEBOOK_APP_ID", "instagram");
  std::string url = webox::oauth_kit::url_setting(call, "INSTAGRAM_FACEBOOK_DIALOG_URL",
                                                  std::string("https://www.facebook.com/") + kVersion + "/dialog/oauth");
  url += (url.find('?') == std::string::npos ? "?" : "&") +
         webox::oauth_kit::form_encode({{"client_id", client_id},
                                        {"redirect_uri", request.value("redirect_uri", "")},
                                        {"state", request.value("state", "")},
                                        {"response_type", "code"},
                                        {"scope", webox::oauth_kit::join(webox::oauth_kit::scopes_of(request, kDefaultScopes), ",")}});
  return {{"url", url}, {"pkce", false}};
}

json exchange(const webox_instance &self, const webox_call *call, const json &request) {
  const std::string client_id = webox::oauth_kit::required_setting(call, "FACEBOOK_APP_ID", "instagram");
  const std::string secret = webox::oauth_kit::required_secret(call, "FACEBOOK_APP_SECRET", "instagram");
  return relogin_on_refusal([&] {
    json short_doc;
    try {
      short_doc = graph_get(self, call,
                            graph_root(call) + "/oauth/access_token?" +
                                webox::oauth_kit::form_encode({{"client_id", client_id},
                                                               {"redirect_uri", request.value("redirect_uri", "")},
                                                               {"client_secret", secret},
                                                               {"code", request.value("code", "")}}),
                            "", "the code exchange");
    } catch (const sdk::Failure &f) {
      // Graph says 100 for a code that is malformed, used or expired: refused.
      if (f.status != WEBOX_E_UPSTREAM || f.detail_json.find("\"provider_code\":\"code 100\"") == std::string::npos) throw;
      std::string message = f.message;
      if (auto at = message.find(" failed ("); at != std::string::npos) message.replace(at, 9, " was refused (");
      throw sdk::Failure(WEBOX_E_AUTH, message + " (a code is single-use and expires within minutes)", 400, -1, "code 100");
    }
    const std::string short_token = webox::social_kit::string_field(short_doc, "access_token");
    if (short_token.empty()) throw sdk::Failure(WEBOX_E_UPSTREAM, "instagram: the code exchange answered without an access_token");
    json long_doc = graph_get(self, call,
                              graph_root(call) + "/oauth/access_token?" +
                                  webox::oauth_kit::form_encode({{"grant_type", "fb_exchange_token"},
                                                                 {"client_id", client_id},
                                                                 {"client_secret", secret},
                                                                 {"fb_exchange_token", short_token}}),
                              "", "the long-lived token exchange");
    const std::string user_token = webox::social_kit::string_field(long_doc, "access_token");
    if (user_token.empty())
      throw sdk::Failure(WEBOX_E_UPSTREAM, "instagram: the long-lived token exchange answered without an access_token");
    json out = choose_page(self, list_pages(self, call, user_token), request.value("choice", ""));
    // The grant the Page token is derived from again (refresh), with its life.
    out["refresh_token"] = user_token;
    out["store_as"]["refresh_token"] = kUserTokenName;
    if (!out["store_as"].contains("access_token")) out["store_as"]["access_token"] = self.key_var;
    if (auto e = webox::social_kit::integer_at(long_doc, "expires_in")) out["refresh_token_expires_in"] = *e;
    else out["refresh_token_expires_in"] = 60LL * 24 * 3600; // documented: about 60 days
    return out;
  });
}

json refresh(const webox_instance &self, const webox_call *call, const json &request) {
  const std::string user_token = request.value("refresh_token", "");
  const std::string page = request.value("choice", "");
  if (user_token.empty() || page.empty())
    throw sdk::Failure(WEBOX_E_AUTH, "instagram: no stored Facebook sign-in to derive the Page token from; " + kRelogin);
  return relogin_on_refusal([&] {
    const std::vector<Page> pages = list_pages(self, call, user_token);
    for (const auto &p : pages)
      if (p.id == page) return page_answer(self, p);
    throw sdk::Failure(WEBOX_E_AUTH, "instagram: the Facebook Page " + page +
                                         " is no longer among those the signed-in user manages; " + kRelogin);
  });
}

} // namespace fb_auth

webox_status auth(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = webox::oauth_kit::parse_request(req, "instagram", {"facebook"});
    const std::string action = request.value("action", "");
    json answer;
    if (request.value("method", "") == "facebook")
      answer = action == "authorize" ? fb_auth::authorize(call, request)
               : action == "exchange" ? fb_auth::exchange(*self, call, request)
                                      : fb_auth::refresh(*self, call, request);
    else
      answer = action == "authorize" ? ig_auth::authorize(call, request)
               : action == "exchange" ? ig_auth::exchange(*self, call, request)
                                      : ig_auth::refresh(*self, call, request);
    sdk::give(answer.dump(), &out->json);
    return WEBOX_OK;
  });
}

} // namespace

// Id, version, capabilities and oldest host minor come from plugin.json.
WEBOX_DEFINE_PLUGIN(.create = create, .destroy = destroy, .describe = describe, .social_collect = social_collect, .social_send = social_send,
                    .webhook = webhook, .auth = auth)
