// linkedin.cpp: LinkedIn's Community Management API as a `social-collect`
// plugin: comments and reactions on the organisation's own posts.
//
// THE PROTOCOL (../shared/reference/social-apis.md §3). Versioned REST under
// {base}/rest/ (base https://api.linkedin.com, LINKEDIN_BASE_URL overrides).
// Every call carries three headers or is refused: `Authorization: Bearer`,
// `LinkedIn-Version: YYYYMM` (monthly versions, each supported about a year;
// a missing one is a 400, a sunset one a 426) and
// `X-Restli-Protocol-Version: 2.0.0`.
//   GET /rest/posts?author={org urn}&q=author&start=S&count=C           the organisation's posts
//   GET /rest/socialActions/{post urn}/comments?start=S&count=C         comments (replies carry parentComment)
//   GET /rest/reactions/(entity:{post urn})?q=entity&start=S&count=C    reactions: LIKE, PRAISE, EMPATHY, ...
// A URN in a path segment must be fully percent-encoded (urn:li:share:1 →
// urn%3Ali%3Ashare%3A1); the Rest.li parentheses of (entity:...) stay as
// they are. Paging is by offset: `paging {start, count, total?}`; we advance
// start by the number of elements until a short page or start >= total.
// Times are epoch milliseconds. A comment names its author only by URN
// (`actor`): names need a profile lookup the organisation scopes do not
// allow, so people are identified by URN.
//
// INCREMENTAL. Posts are listed every run. Edge `post:<urn>` stores
// `{"comments": N, "reactions": M}`, the totals when that post was last
// read in full; a post whose first page shows the same totals is skipped.
//
// ERRORS. Bodies are `{"status", "serviceErrorCode", "code"?, "message"}`.
// 401 → WEBOX_E_AUTH (tokens last 60 days: re-authorise). 429 comes with no
// Retry-After: the host retries with its backoff; still throttled →
// WEBOX_E_RATE_LIMITED (exit 75, the next run resumes). 426 → the configured
// version is sunset (social.linkedin.version). There is no DM API for
// organisations (§3.3): this plugin has no social-send.
#include <webox/plugin.hpp>

#include <nlohmann/json.hpp>

#include "plugins/common/descriptor.hpp"
#include "plugins/common/shared/bounded_json.hpp"

#include "plugins/common/oauth_kit.hpp"
#include "plugins/common/social_kit.hpp"

#include <memory>
#include <string>
#include <vector>

namespace sdk = webox::sdk;
using nlohmann::json;

// Where and how it connects (base URL, token variable, timeout).
struct webox_instance : webox::social_kit::Connection {};

namespace {

constexpr const char *kDefaultVersion = "202510";
constexpr int kPage = 50;

long long millis(const json &o, const char *k) {
  if (!o.contains(k) || !o[k].is_object()) return 0;
  const json &t = o[k];
  return t.contains("time") && t["time"].is_number() ? t["time"].get<long long>() : 0;
}

struct Api {
  const webox_instance &inst;
  const webox_call *call;
  std::string token, version;
  int requests = 0;

  json get(const std::string &path_query) {
    if (sdk::host().is_cancelled(call)) throw sdk::Failure(WEBOX_E_CANCELLED, "linkedin: cancelled");
    sdk::HttpRequest r;
    r.method = "GET";
    r.url = inst.base_url + path_query;
    r.headers = {"Authorization: Bearer " + token, "LinkedIn-Version: " + version, "X-Restli-Protocol-Version: 2.0.0",
                 "Accept: application/json"};
    r.timeout_ms = inst.timeout_ms;
    sdk::HttpResponse resp = sdk::http(call, r);
    ++requests;
    json doc = webox::social_kit::parse_body(resp.body, "linkedin", resp.status);
    if (resp.status >= 200 && resp.status < 300) {
      if (!doc.is_object()) throw sdk::Failure(WEBOX_E_UPSTREAM, "linkedin: answer is not a JSON object", resp.status);
      return doc;
    }
    std::string message = doc.is_object() ? webox::social_kit::string_field(doc, "message") : std::string();
    std::string code = doc.is_object() && doc.contains("serviceErrorCode") ? doc["serviceErrorCode"].dump() : std::string();
    std::string what = "linkedin: HTTP " + std::to_string(resp.status) + (code.empty() ? "" : " (serviceErrorCode " + code + ")") +
                       (message.empty() ? "" : ": " + message);
    if (resp.status == 401)
      throw sdk::Failure(WEBOX_E_AUTH, what + "; the access token is invalid or expired (they last 60 days): set LINKEDIN_ACCESS_TOKEN",
                         401, -1, code);
    if (resp.status == 403)
      throw sdk::Failure(WEBOX_E_AUTH, what + "; the token needs r_organization_social with an administrator role", 403, -1, code);
    if (resp.status == 429)
      throw sdk::Failure(WEBOX_E_RATE_LIMITED, what + "; LinkedIn's daily limits reset at midnight UTC, run again later", 429, 3600000,
                         code);
    if (resp.status == 426)
      throw sdk::Failure(WEBOX_E_INVALID, what + "; LinkedIn-Version " + version + " is no longer served: set social.linkedin.version",
                         426, -1, code);
    throw sdk::Failure(resp.status >= 500 ? WEBOX_E_UPSTREAM : WEBOX_E_INVALID, what, resp.status, -1, code);
  }
};

// Walks an offset-paged collection, handing each page's elements to `each`;
// stops early when `keep_going` (given the first page) says so.
template <class Each, class First>
void paged(Api &api, const std::string &path, const std::string &query, Each &&each, First &&keep_going) {
  for (int start = 0;;) {
    json page = api.get(path + "?" + query + (query.empty() ? "" : "&") + "start=" + std::to_string(start) + "&count=" +
                        std::to_string(kPage));
    const json elements = page.contains("elements") && page["elements"].is_array() ? page["elements"] : json::array();
    const json paging = webox::social_kit::object_at(page, "paging");
    if (start == 0 && !keep_going(paging)) return;
    for (const auto &e : elements)
      if (e.is_object()) each(e);
    start += static_cast<int>(elements.size());
    long long total = paging.is_object() && paging.contains("total") && paging["total"].is_number() ? paging["total"].get<long long>() : -1;
    if (elements.empty() || static_cast<int>(elements.size()) < kPage || (total >= 0 && start >= total)) return;
  }
}

long long total_of(const json &paging) {
  return paging.is_object() && paging.contains("total") && paging["total"].is_number() ? paging["total"].get<long long>() : -1;
}

webox_status create(const char *config, size_t size, webox_instance **out, webox_buf *error) {
  return webox::social_kit::create_instance(config, size, out, error, "https://api.linkedin.com", "LINKEDIN_ACCESS_TOKEN");
}

void destroy(webox_instance *self) { webox::social_kit::destroy_instance(self); }

webox_status describe(webox_instance *, webox_buf *out) {
  return webox::kit::give_description({{"edges", {"posts", "comments", "reactions"}}, {"capabilities", {"social-collect"}}}, out);
}

webox_status social_collect(webox_instance *self, const webox_call *call, const webox_request *req, webox_sink_fn sink, void *user,
                            webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = webox::social_kit::parse_request(req, "linkedin");
    const std::string token = webox::social_kit::require_token(
        call, *self, "linkedin: no access token: set LINKEDIN_ACCESS_TOKEN or run `webox keys set linkedin`");
    json options = webox::social_kit::options_of(request);
    // The organisation: --account / LINKEDIN_USER_ID / social.linkedin.user_id, else LINKEDIN_ORG_ID.
    std::string org = webox::social_kit::require_account(
        call, request, options, "org_id", "LINKEDIN_ORG_ID", "linkedin: which organisation? set LINKEDIN_ORG_ID (the number in its admin URL)");
    if (org.rfind("urn:li:", 0) != 0) org = "urn:li:organization:" + org;
    Api api{*self, call, token, options.value("version", std::string(kDefaultVersion))};
    long long since_ms = request.contains("since") && request["since"].is_number_integer() ? request["since"].get<long long>() * 1000 : 0;
    const json cursors = request.value("cursors", json::object());
    int pages = 0;

    auto emit = [&](const json &e) { webox::social_kit::emit_event(sink, user, e); };
    auto checkpoint = [&](const std::string &edge, const json &cursor) {
      webox::social_kit::emit_checkpoint(sink, user, edge, cursor);
      ++pages;
    };

    std::vector<json> posts;
    paged(api, "/rest/posts", "author=" + webox::social_kit::percent_encode(org) + "&q=author", [&](const json &p) {
      if (webox::social_kit::string_field(p, "id").empty()) return;
      json post = {{"id", webox::social_kit::string_field(p, "id")}, {"caption", webox::social_kit::string_field(p, "commentary")}};
      if (p.contains("createdAt") && p["createdAt"].is_number()) post["timestamp"] = p["createdAt"].get<long long>() / 1000;
      emit({{"type", "item"}, {"post", post}});
      posts.push_back(p);
    }, [](const json &) { return true; });
    checkpoint("", nullptr);

    for (const auto &p : posts) {
      const std::string urn = webox::social_kit::string_field(p, "id"), edge = "post:" + urn;
      json seen = json::object();
      if (cursors.contains(edge) && cursors[edge].is_string()) seen = webox::bounded_json::parse_or_discarded(cursors[edge].get<std::string>());
      if (!seen.is_object()) seen = json::object();
      json now = json::object();
      auto interaction = [&](const std::string &id, const char *kind, const std::string &actor, const std::string &text, long long ms) {
        if (actor.empty() || actor == org || (since_ms && ms < since_ms)) return;
        emit({{"type", "item"},
              {"interaction",
               {{"platform", "linkedin"}, {"platform_id", id}, {"kind", kind}, {"person", {{"id", actor}}}, {"text", text},
                {"timestamp", ms / 1000}, {"post", urn}}}});
      };
      paged(api, "/rest/socialActions/" + webox::social_kit::percent_encode(urn) + "/comments", "",
            [&](const json &c) {
              std::string id = webox::social_kit::string_field(c, "commentUrn");
              if (id.empty()) id = webox::social_kit::string_field(c, "$URN");
              if (id.empty()) id = "comment:" + webox::social_kit::string_field(c, "id");
              std::string actor = webox::social_kit::string_field(c, "actor");
              if (actor.empty() && c.contains("created") && c["created"].is_object()) actor = webox::social_kit::string_field(c["created"], "actor");
              std::string text = c.contains("message") && c["message"].is_object() ? webox::social_kit::string_field(c["message"], "text") : "";
              interaction(id, c.contains("parentComment") ? "reply" : "comment", actor, text, millis(c, "created"));
            },
            [&](const json &paging) {
              now["comments"] = total_of(paging);
              return !(seen.contains("comments") && total_of(paging) >= 0 && seen["comments"] == now["comments"]);
            });
      paged(api, "/rest/reactions/(entity:" + webox::social_kit::percent_encode(urn) + ")", "q=entity",
            [&](const json &r) {
              std::string actor = r.contains("created") && r["created"].is_object() ? webox::social_kit::string_field(r["created"], "actor") : "";
              interaction(webox::social_kit::string_field(r, "id"), "like", actor, webox::social_kit::string_field(r, "reactionType"), millis(r, "created"));
            },
            [&](const json &paging) {
              now["reactions"] = total_of(paging);
              return !(seen.contains("reactions") && total_of(paging) >= 0 && seen["reactions"] == now["reactions"]);
            });
      checkpoint(edge, now);
    }
    sdk::give(json{{"account", {{"id", org}}}, {"posts", posts.size()}, {"pages", pages}, {"requests", api.requests}}.dump(), &out->json);
    return WEBOX_OK;
  });
}

// SIGN-IN (ABI 1.6 auth; LinkedIn 3-legged OAuth, Authorization Code Flow):
//   authorize  LINKEDIN_AUTHORIZE_URL (https://www.linkedin.com/oauth/v2/authorization)
//              ?response_type=code&client_id&redirect_uri&state&scope=a%20b
//   exchange   POST LINKEDIN_TOKEN_URL (https://www.linkedin.com/oauth/v2/accessToken)
//              form grant_type=authorization_code, code, client_id, client_secret,
//              redirect_uri
//   refresh    the same endpoint, grant_type=refresh_token, refresh_token,
//              client_id, client_secret (refresh tokens are granted to some
//              apps only; without one the user signs in again after 60 days)
// -> {"access_token","expires_in","refresh_token"?,"refresh_token_expires_in"?,"scope"}.
// No PKCE: LinkedIn's web flow authenticates the app by its client secret.
namespace li_auth {

const std::vector<std::string> kDefaultScopes = {"r_organization_social", "rw_organization_admin"};

std::string token_url(const webox_call *call) {
  return webox::oauth_kit::url_setting(call, "LINKEDIN_TOKEN_URL", "https://www.linkedin.com/oauth/v2/accessToken");
}

json run(const webox_instance &self, const webox_call *call, const json &request) {
  const std::string action = request.value("action", "");
  const std::string client_id = webox::oauth_kit::required_setting(call, "LINKEDIN_CLIENT_ID", "linkedin");
  if (action == "authorize") {
    std::string url = webox::oauth_kit::url_setting(call, "LINKEDIN_AUTHORIZE_URL", "https://www.linkedin.com/oauth/v2/authorization");
    url += (url.find('?') == std::string::npos ? "?" : "&") +
           webox::oauth_kit::form_encode({{"response_type", "code"},
                                          {"client_id", client_id},
                                          {"redirect_uri", request.value("redirect_uri", "")},
                                          {"state", request.value("state", "")},
                                          {"scope", webox::oauth_kit::join(webox::oauth_kit::scopes_of(request, kDefaultScopes), " ")}});
    return {{"url", url}, {"pkce", false}};
  }
  const std::string secret = webox::oauth_kit::required_secret(call, "LINKEDIN_CLIENT_SECRET", "linkedin");
  webox::oauth_kit::Fields fields;
  if (action == "exchange") {
    fields = {{"grant_type", "authorization_code"}, {"code", request.value("code", "")},
              {"redirect_uri", request.value("redirect_uri", "")}};
  } else {
    std::string refresh_token = request.value("refresh_token", "");
    if (refresh_token.empty())
      throw sdk::Failure(WEBOX_E_AUTH, "linkedin: no refresh token was granted to this app: the token cannot be refreshed");
    fields = {{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}};
  }
  fields.emplace_back("client_id", client_id);
  fields.emplace_back("client_secret", secret);
  json doc = webox::oauth_kit::token_answer(webox::oauth_kit::post_form(call, token_url(call), fields, {}, self.timeout_ms),
                                            "linkedin", action == "exchange" ? "the code exchange" : "the token refresh");
  return webox::oauth_kit::token_result(doc, self.key_var, "LINKEDIN_REFRESH_TOKEN");
}

} // namespace li_auth

webox_status auth(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = webox::oauth_kit::parse_request(req, "linkedin");
    sdk::give(li_auth::run(*self, call, request).dump(), &out->json);
    return WEBOX_OK;
  });
}

} // namespace

// Id, version, capabilities and oldest host minor come from plugin.json.
WEBOX_DEFINE_PLUGIN(.create = create, .destroy = destroy, .describe = describe, .social_collect = social_collect, .auth = auth)
