// One DM campaign run: for each targeted lead, decide, compose, and (with
// --send) write the ledger intent, send, complete the ledger.
//
// The platform and the wording are injected (a Sender and a Composer), so
// the rules here — ledger before send, quota, pacing, back-off, stop on
// spam signals — are tested without a plugin or a template (unit tests in
// tests/unit/test_leads_dm_campaign.cpp). The CLI wires the real ones
// (cli/cmd_leads_dm.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/leads/dm/ledger.hpp"
#include "lib/leads/dm/pacing.hpp"
#include "lib/leads/dm/private_reply.hpp"
#include "lib/leads/dm/settings.hpp"
#include "lib/store/db.hpp"

namespace webox::leads {

// One person a campaign may write to.
struct DmTarget {
  int64_t lead_id = 0;
  int64_t person_id = 0;
  std::string platform;
  std::string account;        // our account on that platform (quota key)
  std::string recipient_id;   // the platform's user id; "" or "@name" when unknown
  std::string handle;         // "@username" for display
  std::optional<int64_t> last_interaction_at;
  nlohmann::json context;     // the template's variables
  // Their comments and replies under our media, recent enough for a private
  // reply (dm_private_reply.hpp); the campaign picks one at run time.
  std::vector<DmComment> comments;
};

// What the platform answered to one send.
struct SendOutcome {
  bool sent = false;
  std::string message_id;
  // When not sent: outside_window, recipient_unavailable, recipient_unknown,
  // too_long, invalid, comment_used (the comment's one private reply was
  // already used), comment_gone (the comment was deleted or hidden): both
  // spent, final for this person in this run; rate_limited,
  // blocked, auth, ambiguous (the campaign stops).
  std::string code;
  std::string message;
  int64_t retry_after_ms = -1;
  std::optional<int64_t> platform_remaining; // the platform's own daily cap, when it says
};

using Composer = std::function<std::string(const DmTarget &)>;
// `comment_id`: answer that comment as a private reply; "" = a direct message.
using Sender = std::function<SendOutcome(const DmTarget &, const std::string &text, const std::string &comment_id)>;

enum class DmStatus {
  would_send,   // dry run
  sent,
  already_sent, // by an earlier run of this campaign
  uncertain,    // an intent never completed: check by hand, never resent
  skipped,      // not attempted: outside the window, no user id, no sender
  failed,       // the platform refused it for this person
  not_reached,  // the campaign stopped before this lead
};
const char *status_name(DmStatus s);

struct DmEntry {
  const DmTarget *target = nullptr;
  DmStatus status = DmStatus::skipped;
  std::string reason; // code: outside_window, quota, ...
  std::string detail; // human text
  std::string text;   // the message (composed, or the one recorded)
  std::string message_id;
  std::string comment_id; // the path: a private reply to this comment; "" = a direct message
};

enum class StopReason { none, quota, rate_limited, blocked, auth, ambiguous };
// "quota", "rate_limited", ... (the JSON report's `stopped`); "" for none.
const char *stop_name(StopReason r);

struct DmReport {
  std::vector<DmEntry> entries;
  StopReason stop = StopReason::none;
  std::string stop_detail;
  int64_t sent = 0;
};

struct CampaignOptions {
  std::string campaign;
  bool send = false;
  int limit = 0;                   // at most this many messages (0 = no limit)
  DmSettings settings;
  int64_t now = 0;                 // Unix seconds (0 = the clock)
  // Platforms whose messaging window applies (Instagram: 24 hours).
  std::vector<std::string> windowed_platforms{"instagram"};
  // Platforms where a recent comment may be answered by a private reply
  // instead (Instagram: one per comment, within 7 days).
  std::vector<std::string> private_reply_platforms{"instagram"};
  // Platforms without a social-send plugin: their leads are skipped.
  std::vector<std::string> unsendable_platforms;
};

// Called after each entry is decided (live output).
using EntryCallback = std::function<void(const DmEntry &)>;

DmReport run_campaign(store::Db &db, const std::vector<DmTarget> &targets, const CampaignOptions &options,
                      const Composer &compose, const Sender &send, Pacer &pacer, const EntryCallback &on_entry = {});

} // namespace webox::leads
