// A DM campaign wired to the real platforms: the `leads.dm` settings, the
// Instagram host, the platforms' senders (social-send plugins), the pacer.
// `webox leads dm` runs one campaign with it, `webox leads sequence run` one
// per step (lib/leads/sequence/): the same quota, pacing, ledger and
// dry-run rules for both.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "lib/core/error.hpp"
#include "lib/leads/dm/campaign.hpp"
#include "lib/leads/dm/pacing.hpp"
#include "lib/leads/dm/platform_sender.hpp"
#include "lib/leads/dm/settings.hpp"
#include "lib/leads/query/lead_query.hpp"

namespace webox::leads {

class LiveCampaign {
public:
  LiveCampaign(PlatformSenders::Binder bind, std::filesystem::path config_file);

  // The leads `filter` selects, as targets of `campaign`, each with the
  // account it is sent from (the opted-out are never among them).
  std::vector<DmTarget> targets(store::Db &db, const LeadFilter &filter, const std::string &campaign) const;
  // Why sends to some of `targets` would all be refused (Facebook Login
  // without the Page id), if so.
  std::optional<std::string> unsendable_reason(const std::vector<DmTarget> &targets) const;
  DmReport run(store::Db &db, const std::vector<DmTarget> &targets, const std::string &campaign, bool send, int limit,
               const Composer &compose, const EntryCallback &on_entry);

private:
  std::filesystem::path m_config_file;
  DmSettings m_settings;
  InstagramHost m_instagram;
  PlatformSenders m_senders;
  Pacer m_pacer;
};

// The exit code of a campaign stopped for `reason` (quota 5, auth 4, the
// platform's throttling or an unknown outcome 75).
ExitCode stop_exit_code(StopReason reason);

} // namespace webox::leads
