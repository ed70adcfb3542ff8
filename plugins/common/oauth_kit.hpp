// What the in-tree social plugins share for the `auth` slot (ABI 1.6,
// plugin.h "ABI 1.6 (auth)"): reading the request, building an authorize URL,
// posting a token request, and reading a token endpoint's answer in the
// shapes the platforms use (RFC 6749 §5.1/§5.2, Meta's Graph error object,
// Instagram Login's {"data": [...]} wrapper).
// Internal to this repository; not part of the SDK.
//
// Nothing secret goes into a message: a failure names the endpoint's error
// code and description (bounded), never a token, code, verifier or secret.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <webox/plugin.hpp>

#include "plugins/common/json_fields.hpp"
#include "plugins/common/shared/bounded_json.hpp"
#include "plugins/common/shared/percent_encode.hpp"

namespace webox::oauth_kit {

using Fields = std::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded (also a URL's query).
inline std::string form_encode(const Fields &fields) {
  std::string out;
  for (const auto &[k, v] : fields)
    out += (out.empty() ? "" : "&") + common::percent_encode(k) + "=" + common::percent_encode(v);
  return out;
}

// The auth request document, checked for an object with a known action and
// a sign-in "method" the plugin offers (`webox auth login P --via METHOD`):
// `methods` lists the ones besides the default; a plugin that signs in one
// way only passes none, so a method it does not know is refused, not ignored.
inline nlohmann::json parse_request(const webox_request *req, const std::string &who,
                                    const std::vector<std::string> &methods = {}) {
  nlohmann::json doc = bounded_json::parse_or_discarded(std::string_view(req->json, req->json_size));
  if (!doc.is_object()) throw sdk::Failure(WEBOX_E_INVALID, who + ": the auth request is not a JSON object");
  const std::string action = json_fields::string_at(doc, "action");
  if (action != "authorize" && action != "exchange" && action != "refresh")
    throw sdk::Failure(WEBOX_E_INVALID, who + ": unknown auth action '" + action + "'");
  const std::string method = json_fields::string_at(doc, "method");
  if (!method.empty() && method != who && std::find(methods.begin(), methods.end(), method) == methods.end()) {
    std::string offered = who;
    for (const auto &m : methods) offered += ", " + m;
    throw sdk::Failure(WEBOX_E_INVALID, who + ": no sign-in method '" + method + "' (--via takes: " + offered + ")");
  }
  return doc;
}

// A setting the user must fix: WEBOX_E_INVALID marked "permanent", which
// the host maps to exit 4 (configuration), not 2.
inline sdk::Failure missing_setting(const std::string &message) {
  sdk::Failure f(WEBOX_E_INVALID, message);
  f.detail_json.insert(f.detail_json.size() - 1, ",\"permanent\":true");
  return f;
}

// The app's client id: named in the failure when missing.
inline std::string required_setting(const webox_call *call, const std::string &name, const std::string &who) {
  auto v = sdk::setting(call, name);
  if (!v || v->empty())
    throw missing_setting(who + ": " + name + " is not set (the app's client id from the platform's developer "
                                              "console: environment, or social." + who + " in the config)");
  return *v;
}

inline std::string required_secret(const webox_call *call, const std::string &name, const std::string &who) {
  auto v = sdk::secret(call, name);
  if (!v || v->empty()) throw missing_setting(who + ": " + name + " is not set (store it with: webox keys set " + name + ")");
  return *v;
}

// A URL setting with a default (endpoint overrides for tests and proxies).
inline std::string url_setting(const webox_call *call, const std::string &name, const std::string &fallback) {
  auto v = sdk::setting(call, name);
  std::string url = v && !v->empty() ? *v : fallback;
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

// Scopes from the request, or the plugin's defaults.
inline std::vector<std::string> scopes_of(const nlohmann::json &request, std::vector<std::string> defaults) {
  auto it = request.find("scopes");
  if (it == request.end() || !it->is_array() || it->empty()) return defaults;
  std::vector<std::string> out;
  for (const auto &s : *it)
    if (s.is_string() && !s.get<std::string>().empty()) out.push_back(s.get<std::string>());
  return out.empty() ? defaults : out;
}

inline std::string join(const std::vector<std::string> &items, const char *sep) {
  std::string out;
  for (const auto &s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

// "a,b c" -> ["a","b","c"]: platforms list granted scopes with commas or spaces.
inline nlohmann::json split_scopes(const std::string &text) {
  nlohmann::json out = nlohmann::json::array();
  std::string cur;
  for (char c : text + ",") {
    if (c == ',' || c == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

inline int never_retry_4xx(void *, int32_t status, const char *, size_t) { return status >= 500 ? -1 : 0; }

// POSTs a form; token endpoints are not retried on 4xx (a code is single-use).
inline sdk::HttpResponse post_form(const webox_call *call, const std::string &url, const Fields &fields,
                                   std::vector<std::string> extra_headers = {}, int32_t timeout_ms = 0) {
  sdk::HttpRequest r;
  r.method = "POST";
  r.url = url;
  r.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
  for (auto &h : extra_headers) r.headers.push_back(std::move(h));
  r.body = form_encode(fields);
  r.timeout_ms = timeout_ms;
  r.should_retry = never_retry_4xx;
  return sdk::http(call, r);
}

inline std::string bounded(std::string text) {
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  return text;
}

// The token document of a 2xx answer, or a failure classed by the answer's
// error shape: OAuth's {"error":"invalid_grant",...}, Graph's {"error":
// {"code":190,...}} and Instagram Login's {"error_type","code",
// "error_message"}. A refused grant, code or token is WEBOX_E_AUTH (sign in
// again); a 5xx is upstream; anything else an upstream failure too.
inline nlohmann::json token_answer(const sdk::HttpResponse &resp, const std::string &who, const std::string &what) {
  nlohmann::json doc = bounded_json::parse_or_discarded(resp.body);
  if (resp.status >= 200 && resp.status < 300 && doc.is_object()) {
    // Instagram Login's code exchange wraps the token in "data": [{...}].
    if (auto data = doc.find("data"); data != doc.end() && data->is_array() && !data->empty() && (*data)[0].is_object())
      doc = (*data)[0];
    if (!json_fields::string_at(doc, "access_token").empty()) return doc;
    throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": " + what + " answered without an access_token", resp.status);
  }
  std::string code, why;
  long long graph_code = 0;
  if (doc.is_object()) {
    if (doc.contains("error") && doc["error"].is_string()) {
      code = doc["error"].get<std::string>();
      why = json_fields::string_at(doc, "error_description");
    } else if (doc.contains("error") && doc["error"].is_object()) {
      graph_code = json_fields::integer_at(doc["error"], "code").value_or(0);
      code = "code " + std::to_string(graph_code);
      why = json_fields::string_at(doc["error"], "message");
    } else if (doc.contains("error_type")) {
      graph_code = json_fields::integer_at(doc, "code").value_or(0);
      code = json_fields::string_at(doc, "error_type");
      why = json_fields::string_at(doc, "error_message");
    }
  }
  std::string detail = "HTTP " + std::to_string(resp.status) + (code.empty() ? "" : ", " + code) +
                       (why.empty() ? "" : ": " + bounded(why));
  const bool refused = code == "invalid_grant" || code == "invalid_client" || code == "unauthorized_client" ||
                       code == "invalid_token" || code == "access_denied" || code == "OAuthException" ||
                       graph_code == 190 || graph_code == 102 || resp.status == 401;
  if (refused) throw sdk::Failure(WEBOX_E_AUTH, who + ": " + what + " was refused (" + detail + ")", resp.status, -1, code);
  throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": " + what + " failed (" + detail + ")", resp.status, -1, code);
}

// The common token result: access and refresh tokens, lifetime, scopes.
inline nlohmann::json token_result(const nlohmann::json &doc, const std::string &access_name,
                                   const std::string &refresh_name) {
  nlohmann::json out = {{"access_token", json_fields::string_at(doc, "access_token")},
                        {"store_as", {{"access_token", access_name}}}};
  if (auto rt = json_fields::string_at(doc, "refresh_token"); !rt.empty() && !refresh_name.empty()) {
    out["refresh_token"] = rt;
    out["store_as"]["refresh_token"] = refresh_name;
  }
  if (auto e = json_fields::integer_at(doc, "expires_in")) out["expires_in"] = *e;
  if (auto e = json_fields::integer_at(doc, "refresh_token_expires_in")) out["refresh_token_expires_in"] = *e;
  if (auto s = json_fields::string_at(doc, "scope"); !s.empty()) out["scopes"] = split_scopes(s);
  return out;
}

} // namespace webox::oauth_kit
