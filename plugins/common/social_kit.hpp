// What the in-tree social plugins (instagram, x, linkedin, tiktok,
// instagram-export) share: the skeleton of an instance (create, destroy,
// describe), the start of every collect or send (the request, the token, the
// account), and small helpers for request URLs and platform JSON.
// Internal to this repository; not part of the SDK.
#pragma once

#include <cctype>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <webox/plugin.hpp>

#include "plugins/common/json_fields.hpp"
#include "plugins/common/shared/percent_encode.hpp"
#include "plugins/common/shared/bounded_json.hpp"

namespace webox::social_kit {

using common::percent_encode; // plugins/common/shared/percent_encode.hpp

// The string member `key` of `o`, or "" when it is missing or not a string:
// platforms omit fields freely, and a missing caption is not an error.
inline std::string string_field(const nlohmann::json &o, const char *key) { return json_fields::string_at(o, key); }

// The other tolerant readers (json_fields.hpp), for platform answers: a
// field of the wrong type is absent, never a type_error.
using json_fields::flag_at;
using json_fields::integer_at;
using json_fields::object_at;

// A platform's answer: a discarded value when it is not JSON (the caller
// says what it expected), a failure naming the reason when it nests deeper
// than bounded_json::kMaxDepth (see bounded_json.hpp).
inline nlohmann::json parse_body(std::string_view body, const std::string &who, int http_status = 0) {
  bounded_json::Parsed parsed = bounded_json::parse(body);
  if (parsed.too_deep)
    throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": response " + bounded_json::too_deep_text(), http_status);
  return std::move(parsed.value);
}

// Where and how an instance connects, from its create() document (see
// docs/ARCHITECTURE.md "Instance configuration"): the base URL without a
// trailing slash (the plugin's default when none is configured), the name
// of the token's variable, the per-request timeout.
struct Connection {
  std::string base_url;
  std::string key_var;
  int32_t timeout_ms = 0;
};

inline Connection read_connection(std::string_view config, std::string default_base_url, std::string default_key_var) {
  Connection c{std::move(default_base_url), std::move(default_key_var), 0};
  nlohmann::json cfg = bounded_json::parse_or_discarded(config);
  if (cfg.is_object()) {
    c.base_url = cfg.value("base_url", c.base_url);
    c.key_var = cfg.value("api_key_name", c.key_var);
    c.timeout_ms = cfg.value("timeout_ms", 0);
  }
  while (!c.base_url.empty() && c.base_url.back() == '/') c.base_url.pop_back();
  return c;
}

// ---- Events ----------------------------------------------------------------------

// One event to the host's sink (invalid UTF-8 from a platform replaced);
// throws the cancellation the sink asks for.
inline void emit_event(webox_sink_fn sink, void *user, const nlohmann::json &event) {
  sdk::emit(sink, user, event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// Ends a page (docs/ARCHITECTURE.md, social_collect): what was emitted
// since the last checkpoint is committed with, for an `edge`, its new
// `cursor` (stored as JSON text; null deletes the edge's cursor).
inline void emit_checkpoint(webox_sink_fn sink, void *user, const std::string &edge, const nlohmann::json &cursor) {
  nlohmann::json event = {{"type", "checkpoint"}};
  if (!edge.empty()) {
    event["edge"] = edge;
    event["cursor"] = cursor.is_null() ? nlohmann::json(nullptr) : nlohmann::json(cursor.dump());
  }
  emit_event(sink, user, event);
}

// ---- The instance ------------------------------------------------------------

// The `create` slot of a plugin whose instance is a Connection (it derives
// from it): the create() document read with the plugin's defaults.
template <class Instance>
webox_status create_instance(const char *config, size_t size, Instance **out, webox_buf *error,
                             const char *default_base_url, const char *default_key_var) {
  return sdk::guard(error, [&] {
    auto instance = std::make_unique<Instance>();
    static_cast<Connection &>(*instance) =
        read_connection(std::string_view(config ? config : "", config ? size : 0), default_base_url, default_key_var);
    *out = instance.release();
    return WEBOX_OK;
  });
}

template <class Instance>
void destroy_instance(Instance *self) {
  delete self;
}

// ---- The start of an operation --------------------------------------------------

// The request document; `who` names the plugin in the failure.
inline nlohmann::json parse_request(const webox_request *req, const std::string &who) {
  nlohmann::json request = bounded_json::parse_or_discarded(std::string_view(req->json, req->json_size));
  if (!request.is_object()) throw sdk::Failure(WEBOX_E_INVALID, who + ": request is not a JSON object");
  return request;
}

// The request's "options" (social.<platform> from the config file), or {}.
inline nlohmann::json options_of(const nlohmann::json &request) { return object_at(request, "options"); }

// The access token named by the instance, or the AUTH failure `missing`.
inline std::string require_token(const webox_call *call, const Connection &self, const std::string &missing) {
  auto token = sdk::secret(call, self.key_var);
  if (!token || token->empty()) throw sdk::Failure(WEBOX_E_AUTH, missing);
  return *token;
}

// Which of the user's accounts: the request's account_id (--account,
// <PLATFORM>_USER_ID, social.<platform>.user_id), else the option
// `option_key` (social.<platform>.<option_key>), else the host's setting
// `setting` (an environment variable such as LINKEDIN_ORG_ID); else the
// INVALID failure `missing`.
inline std::string require_account(const webox_call *call, const nlohmann::json &request,
                                   const nlohmann::json &options, const char *option_key, const char *setting,
                                   const std::string &missing) {
  std::string account = json_fields::string_at(request, "account_id");
  if (account.empty()) account = json_fields::string_at(options, option_key);
  if (account.empty()) account = sdk::setting(call, setting).value_or("");
  if (account.empty()) throw sdk::Failure(WEBOX_E_INVALID, missing);
  return account;
}

} // namespace webox::social_kit
