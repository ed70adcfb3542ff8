// Provider::social_send: the host side of the `social-send` capability, and
// the keeping of secrets a social plugin rotated.
//
// One request, one result, like chat. The plugin classifies its failures in
// the error detail's "code" (see provider.hpp); the caller (the DM ledger in
// lib/leads/dm_campaign.cpp) decides from it whether the person was reached.
//
// ROTATED SECRETS. OAuth 2.0 platforms (X) rotate the refresh token on each
// refresh: the old one stops working, so the new pair must outlive the
// process. A plugin cannot write secrets (the ABI lends only get_secret), so
// it returns them as {"rotated_secrets": {"NAME": "value"}} in its result or
// error detail. The host registers each value for redaction at once, stores
// it AES-256-GCM encrypted in the key store (lib/core/keystore.hpp), and
// strips it from the document before anyone else sees it. Only names the
// plugin's manifest declares under "secrets" are accepted.
#include "lib/plugin/provider.hpp"

#include <algorithm>
#include <optional>

#include <spdlog/spdlog.h>

#include "lib/core/keystore.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/paths.hpp"
#include "lib/plugin/host_api.hpp"
#include "lib/plugin/operation.hpp"

namespace webox::plugin {

void Provider::keep_rotated_secrets(nlohmann::json &doc) {
  if (!doc.is_object() || !doc.contains("rotated_secrets")) return;
  nlohmann::json rotated = std::move(doc["rotated_secrets"]);
  doc.erase("rotated_secrets");
  if (!rotated.is_object()) return;
  const auto &allowed = manifest().secrets;
  std::optional<KeyStore> keys;
  for (auto &[name, value] : rotated.items()) {
    if (!value.is_string() || value.get<std::string>().empty()) continue;
    logging::register_secret(value.get<std::string>());
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      spdlog::warn("{}: ignored a rotated secret the manifest does not declare ({})", m_binding.instance, name);
      continue;
    }
    if (!keys) keys.emplace(paths::config_dir());
    keys->set(name, value.get<std::string>());
    spdlog::info("{}: stored the refreshed {} in the key store", m_binding.instance, name);
  }
}

nlohmann::json Provider::finish_keeping_secrets(webox_status status, webox_result &result, const char *operation,
                                               const CallScope &scope) {
  try {
    nlohmann::json doc = finish(status, result, operation, scope);
    keep_rotated_secrets(doc);
    return doc;
  } catch (const ProviderError &e) {
    nlohmann::json detail = e.detail();
    if (!detail.is_object() || !detail.contains("rotated_secrets")) throw;
    keep_rotated_secrets(detail);
    throw ProviderError(e.status(), e.what(), detail);
  }
}

nlohmann::json Provider::social_send(const nlohmann::json &request) {
  const webox_plugin *d = m_binding.plugin->descriptor;
  if (!can(WEBOX_CAP_SOCIAL_SEND) || !d->social_send)
    throw ProviderError(WEBOX_E_UNSUPPORTED, m_binding.instance + " cannot send direct messages (no social-send capability)", {});
  detail::Exchange x(request);
  CallScope scope = new_scope();
  webox_status s = d->social_send(m_instance, scope.call(), &x.req, &x.result);
  return finish_keeping_secrets(s, x.result, "social_send", scope);
}

} // namespace webox::plugin
