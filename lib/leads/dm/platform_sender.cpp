#include "lib/leads/dm/platform_sender.hpp"

#include <algorithm>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/plugin/host_api.hpp"

namespace webox::leads {

using nlohmann::json;

InstagramHost instagram_host(const std::filesystem::path &config_file) {
  PlatformSettings settings = load_platform_settings(config_file, "instagram");
  InstagramHost h;
  h.base_url = instagram_base_override(settings);
  if (!h.facebook()) return h;
  h.page_id = plugin::lookup_setting("instagram", "INSTAGRAM_PAGE_ID").value_or("");
  if (h.page_id.empty()) {
    auto it = settings.find("page_id");
    if (it != settings.end()) h.page_id = it->second;
  }
  return h;
}

std::optional<std::string> missing_page_id(const InstagramHost &host, const std::vector<DmTarget> &targets) {
  const bool any_instagram = std::any_of(targets.begin(), targets.end(), [](const DmTarget &t) { return t.platform == "instagram"; });
  if (!any_instagram || !host.facebook() || !host.page_id.empty()) return std::nullopt;
  return "instagram: the Facebook Login host (" + host.base_url +
         ") sends direct messages as /{page-id}/messages: set INSTAGRAM_PAGE_ID (or `webox keys set "
         "INSTAGRAM_PAGE_ID`, or social.instagram.page_id) to the Facebook Page linked to the Instagram account, "
         "and INSTAGRAM_ACCESS_TOKEN to that Page's access token";
}

std::string sending_account(const std::filesystem::path &config_file, const std::string &platform) {
  std::string id = platform_user_id(platform, load_platform_settings(config_file, platform));
  return id.empty() ? "me" : id;
}

json send_request(const DmTarget &t, const std::string &text, const std::string &comment_id, const PlatformSettings &options,
                  const InstagramHost &instagram) {
  json recipient = {{"id", t.recipient_id}, {"username", t.context.value("username", "")}};
  if (!comment_id.empty()) recipient["comment_id"] = comment_id; // a private reply (Instagram)
  json request = {{"account_id", t.account == "me" ? "" : t.account}, {"recipient", recipient}, {"text", text}, {"options", options}};
  if (t.platform == "instagram" && instagram.facebook()) {
    request["base_url"] = instagram.base_url;
    request["login"] = "facebook";
    request["page_id"] = instagram.page_id;
  }
  return request;
}

SendOutcome outcome_of(const plugin::ProviderError &e) {
  SendOutcome r;
  r.message = e.what();
  const json &d = e.detail();
  if (d.is_object() && d.contains("code") && d["code"].is_string()) r.code = d["code"].get<std::string>();
  if (d.is_object() && d.contains("retry_after_ms") && d["retry_after_ms"].is_number()) r.retry_after_ms = d["retry_after_ms"].get<int64_t>();
  if (!r.code.empty()) return r;
  switch (e.status()) {
    case WEBOX_E_AUTH: r.code = "auth"; break;
    case WEBOX_E_RATE_LIMITED: r.code = "rate_limited"; break;
    case WEBOX_E_QUOTA: r.code = "blocked"; break;
    case WEBOX_E_INVALID: r.code = "invalid"; break;
    default: r.code = "ambiguous"; // no answer, or an answer we cannot read: it may have left
  }
  return r;
}

PlatformSenders::PlatformSenders(Binder bind, std::filesystem::path config_file, InstagramHost instagram)
    : m_bind(std::move(bind)), m_config_file(std::move(config_file)), m_instagram(std::move(instagram)) {}

PlatformSenders::~PlatformSenders() = default;

bool PlatformSenders::can_send(const std::string &platform) {
  try {
    return provider(platform).can(WEBOX_CAP_SOCIAL_SEND);
  } catch (const Error &) {
    return false;
  }
}

std::vector<std::string> PlatformSenders::unsendable(const std::vector<DmTarget> &targets) {
  std::vector<std::string> out;
  std::map<std::string, bool> checked;
  for (const auto &t : targets)
    if (!checked.count(t.platform) && !(checked[t.platform] = can_send(t.platform))) out.push_back(t.platform);
  return out;
}

SendOutcome PlatformSenders::send(const DmTarget &t, const std::string &text, const std::string &comment_id) {
  json request = send_request(t, text, comment_id, load_platform_settings(m_config_file, t.platform), m_instagram);
  try {
    json r = provider(t.platform).social_send(request);
    SendOutcome out;
    out.sent = true;
    out.message_id = r.value("message_id", "");
    if (r.contains("platform_remaining") && r["platform_remaining"].is_number()) out.platform_remaining = r["platform_remaining"].get<int64_t>();
    return out;
  } catch (const plugin::ProviderError &e) {
    if (e.status() == WEBOX_E_CANCELLED && cancel::requested()) throw Interrupted();
    return outcome_of(e);
  }
}

plugin::Provider &PlatformSenders::provider(const std::string &platform) {
  auto it = m_providers.find(platform);
  if (it == m_providers.end()) it = m_providers.emplace(platform, std::make_unique<plugin::Provider>(m_bind(platform))).first;
  return *it->second;
}

} // namespace webox::leads
