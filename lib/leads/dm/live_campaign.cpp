#include "lib/leads/dm/live_campaign.hpp"

#include "lib/leads/dm/targets.hpp"

namespace webox::leads {

LiveCampaign::LiveCampaign(PlatformSenders::Binder bind, std::filesystem::path config_file)
    : m_config_file(std::move(config_file)), m_settings(load_dm_settings(m_config_file)), m_instagram(instagram_host(m_config_file)),
      m_senders(std::move(bind), m_config_file, m_instagram), m_pacer(m_settings.pace_min_ms, m_settings.pace_max_ms) {}

std::vector<DmTarget> LiveCampaign::targets(store::Db &db, const LeadFilter &filter, const std::string &campaign) const {
  return select_targets(db, filter, campaign, [this](const std::string &p) { return sending_account(m_config_file, p); });
}

std::optional<std::string> LiveCampaign::unsendable_reason(const std::vector<DmTarget> &targets) const {
  return missing_page_id(m_instagram, targets);
}

DmReport LiveCampaign::run(store::Db &db, const std::vector<DmTarget> &targets, const std::string &campaign, bool send, int limit,
                           const Composer &compose, const EntryCallback &on_entry) {
  CampaignOptions co;
  co.campaign = campaign;
  co.send = send;
  co.limit = limit;
  co.settings = m_settings;
  co.unsendable_platforms = m_senders.unsendable(targets);
  Sender sender = [this](const DmTarget &t, const std::string &text, const std::string &comment_id) {
    return m_senders.send(t, text, comment_id);
  };
  return run_campaign(db, targets, co, compose, sender, m_pacer, on_entry);
}

ExitCode stop_exit_code(StopReason reason) {
  return reason == StopReason::quota ? ExitCode::quota : reason == StopReason::auth ? ExitCode::config : ExitCode::temporary;
}

} // namespace webox::leads
