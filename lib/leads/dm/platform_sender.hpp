// DMs through the platforms' `social-send` plugins: where each platform's
// messages go, the request a plugin is given, and a plugin's failure turned
// into the ledger's vocabulary (lib/leads/dm/campaign.hpp's SendOutcome).
//
// Instagram (social-apis.md §1.9): with Instagram Login, /{ig-user or
// me}/messages on the plugin's own host; with Facebook Login
// (META_GRAPH_BASE_URL), /{page-id}/messages on the Facebook host, with the
// Page's token: the request then says so (`login`, `base_url`, `page_id`).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/leads/dm/campaign.hpp"
#include "lib/leads/settings.hpp"
#include "lib/plugin/provider.hpp"

namespace webox::leads {

struct InstagramHost {
  std::string base_url; // "" = the plugin's own (Instagram Login)
  std::string page_id;  // INSTAGRAM_PAGE_ID > key store > social.instagram.page_id
  bool facebook() const { return !base_url.empty(); }
};

InstagramHost instagram_host(const std::filesystem::path &config_file);

// Facebook Login sends from the Page: without its id every send to an
// Instagram lead would be refused. The reason, when that is the case.
std::optional<std::string> missing_page_id(const InstagramHost &host, const std::vector<DmTarget> &targets);

// Our account on `platform`: <PLATFORM>_USER_ID > social.<platform>.user_id
// > "me" (as scrape-interactions).
std::string sending_account(const std::filesystem::path &config_file, const std::string &platform);

// The social_send request of one message (`comment_id`: a private reply).
nlohmann::json send_request(const DmTarget &t, const std::string &text, const std::string &comment_id,
                            const PlatformSettings &options, const InstagramHost &instagram);

SendOutcome outcome_of(const plugin::ProviderError &e);

// One Provider per platform, bound on first use.
class PlatformSenders {
public:
  using Binder = std::function<plugin::ProviderBinding(const std::string &platform)>;
  PlatformSenders(Binder bind, std::filesystem::path config_file, InstagramHost instagram);
  ~PlatformSenders();

  bool can_send(const std::string &platform);
  // Throws Interrupted when Ctrl-C cancelled the send.
  SendOutcome send(const DmTarget &t, const std::string &text, const std::string &comment_id);
  // Platforms of `targets` no plugin can send on.
  std::vector<std::string> unsendable(const std::vector<DmTarget> &targets);

private:
  plugin::Provider &provider(const std::string &platform);
  Binder m_bind;
  std::filesystem::path m_config_file;
  InstagramHost m_instagram;
  std::map<std::string, std::unique_ptr<plugin::Provider>> m_providers;
};

} // namespace webox::leads
