#include "lib/leads/dm/campaign.hpp"

#include <algorithm>

#include "lib/core/error.hpp"
#include "lib/leads/collect/record.hpp"
#include "lib/leads/optout/optouts.hpp"

namespace webox::leads {
namespace {

bool contains(const std::vector<std::string> &list, const std::string &s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// Not sent, and final for this person in this run.
bool is_refusal(const std::string &code) {
  return code == "outside_window" || code == "recipient_unavailable" || code == "recipient_unknown" || code == "too_long" ||
         code == "invalid" || code == "comment_used" || code == "comment_gone";
}

// The comment a private reply may answer for `t`, if its platform has them.
std::optional<DmComment> private_reply_for(DmLedger &ledger, const DmTarget &t, const CampaignOptions &o, int64_t now) {
  if (!contains(o.private_reply_platforms, t.platform) || t.comments.empty()) return std::nullopt;
  std::vector<std::string> ids;
  ids.reserve(t.comments.size());
  for (const auto &c : t.comments) ids.push_back(c.id);
  return choose_private_reply(t.comments, ledger.used_comments(t.platform, ids), now);
}

} // namespace

const char *status_name(DmStatus s) {
  switch (s) {
    case DmStatus::would_send: return "would_send";
    case DmStatus::sent: return "sent";
    case DmStatus::already_sent: return "already_sent";
    case DmStatus::uncertain: return "uncertain";
    case DmStatus::skipped: return "skipped";
    case DmStatus::failed: return "failed";
    case DmStatus::not_reached: return "not_reached";
  }
  return "?";
}

const char *stop_name(StopReason r) {
  switch (r) {
    case StopReason::none: return "";
    case StopReason::quota: return "quota";
    case StopReason::rate_limited: return "rate_limited";
    case StopReason::blocked: return "blocked";
    case StopReason::auth: return "auth";
    case StopReason::ambiguous: return "ambiguous";
  }
  return "?";
}

namespace {

// One run: the ledger, the clock, what has been planned, the report.
struct CampaignRun {
  store::Db &db;
  DmLedger ledger;
  const CampaignOptions &o;
  const int64_t now;
  DmReport report;
  int64_t planned = 0; // messages sent or (dry run) that would be
  bool paced_before = false;
};

// What the ledger already says of `t` in this campaign: sent, or an intent
// an earlier run left. True when `e` is decided.
bool decided_by_ledger(CampaignRun &run, const DmTarget &t, DmEntry &e) {
  auto row = run.ledger.find(run.o.campaign, t.platform, t.person_id);
  if (!row) return false;
  if (row->state == "sent") {
    e.status = DmStatus::already_sent;
    e.text = row->text;
    e.message_id = row->message_id;
    e.comment_id = row->comment_id;
    e.detail = "sent " + row->updated_at;
    return true;
  }
  if (row->state == "intent") {
    e.status = DmStatus::uncertain;
    e.reason = "uncertain";
    e.text = row->text;
    e.detail = "an earlier run stopped while sending (" + row->updated_at +
               "): check the conversation, then `webox leads dm --resolve " + std::to_string(row->id) + "=sent|unsent`";
    return true;
  }
  return false;
}

void skip(DmEntry &e, const char *reason, std::string detail) {
  e.status = DmStatus::skipped;
  e.reason = reason;
  e.detail = std::move(detail);
}

// Targets are chosen without the opted-out, but a person may write "STOP"
// while a paced campaign runs: asked again before each message (and once
// more by the ledger's claim). True when `e` is skipped.
bool skipped_as_opted_out(CampaignRun &run, const DmTarget &t, DmEntry &e) {
  auto o = covering_optout(run.db, t.person_id);
  if (!o) return false;
  skip(e, "opted_out", "opted out " + o->created_at + " (" + o->reason + (o->person_id == t.person_id ? "" : ", as " + o->handle + " on " + o->platform) + ")");
  return true;
}

// The platform's rules for `t`: a sender, a path (private reply or direct
// message), the messaging window. Sets e.comment_id; true when `e` is
// skipped.
bool skipped_by_platform(CampaignRun &run, const DmTarget &t, DmEntry &e) {
  const CampaignOptions &o = run.o;
  if (contains(o.unsendable_platforms, t.platform)) {
    skip(e, "no_sender", "no plugin can send direct messages on " + t.platform);
    return true;
  }
  // A private reply needs no user id and no open window: the comment is
  // the permission (private_reply.hpp). Without one, the 24-hour rule.
  const std::optional<DmComment> comment = private_reply_for(run.ledger, t, o, run.now);
  if (comment) {
    e.comment_id = comment->id;
    return false;
  }
  if (t.recipient_id.empty() || t.recipient_id.front() == '@') {
    skip(e, "no_user_id", "only a username is known, not the platform's user id");
    return true;
  }
  if (!contains(o.windowed_platforms, t.platform)) return false;
  const int64_t window = int64_t{o.settings.window_hours} * 3600;
  if (t.last_interaction_at && run.now - *t.last_interaction_at <= window) return false;
  skip(e, "outside_window",
       "last interaction more than " + std::to_string(o.settings.window_hours) + " h ago: " + t.platform +
           " only allows a reply within that window" +
           (contains(o.private_reply_platforms, t.platform) ? " (and no comment of the last 7 days is left to answer privately)" : ""));
  return true;
}

void stop_at_quota(CampaignRun &run, const DmTarget &t, DmEntry &e) {
  const DmSettings &s = run.o.settings;
  run.report.stop = StopReason::quota;
  run.report.stop_detail = "daily quota of " + std::to_string(s.daily_quota) + " messages for " + t.platform + " account " +
                           t.account + " reached (leads.dm.daily_quota)";
  e.status = DmStatus::not_reached;
  e.reason = "quota";
}

// The daily quota of our account on t's platform; true when spent (the run
// stops). Read before composing a message; record_intent checks it again
// under the write lock, which is what holds when other runs send meanwhile.
bool quota_spent(CampaignRun &run, const DmTarget &t, const std::string &day, DmEntry &e) {
  if (run.ledger.used_on(t.platform, t.account, day) < run.o.settings.daily_quota) return false;
  stop_at_quota(run, t, e);
  return true;
}

LedgerRow intent_of(const CampaignOptions &o, const DmTarget &t, const DmEntry &e, const std::string &day) {
  LedgerRow intent;
  intent.campaign = o.campaign;
  intent.platform = t.platform;
  intent.account = t.account;
  intent.person_id = t.person_id;
  intent.lead_id = t.lead_id;
  intent.text = e.text;
  intent.day = day;
  intent.comment_id = e.comment_id;
  return intent;
}

void record_sent(CampaignRun &run, const DmTarget &t, int64_t ledger_id, const SendOutcome &r, DmEntry &e) {
  run.ledger.mark_sent(ledger_id, r.message_id);
  e.status = DmStatus::sent;
  e.message_id = r.message_id;
  ++run.report.sent;
  ++run.planned;
  if (r.platform_remaining && *r.platform_remaining <= 0) {
    run.report.stop = StopReason::quota;
    run.report.stop_detail = t.platform + " says the account's own daily message limit is spent";
  }
}

// A send that failed: true when it is worth waiting and sending again
// (throttled, back-offs left); otherwise `e` and the report say why not.
bool retry_after_failure(CampaignRun &run, int64_t ledger_id, const SendOutcome &r, int backoffs, DmEntry &e) {
  e.reason = r.code;
  e.detail = r.message;
  if (r.code == "ambiguous") { // may have left: the intent stays, never resent
    e.status = DmStatus::uncertain;
    run.report.stop = StopReason::ambiguous;
    run.report.stop_detail = "could not tell whether a message was delivered (" + r.message + "); stopped so as not to make it worse";
    return false;
  }
  run.ledger.mark_failed(ledger_id, r.code, r.message);
  if (is_refusal(r.code)) {
    e.status = DmStatus::failed;
    return false;
  }
  const DmSettings &s = run.o.settings;
  if (r.code == "rate_limited" && backoffs < s.max_backoffs) {
    int64_t wait = s.backoff_ms << backoffs;
    if (r.retry_after_ms > 0 && r.retry_after_ms < wait) wait = r.retry_after_ms;
    sleep_interruptibly(wait);
    return true;
  }
  e.status = DmStatus::not_reached;
  run.report.stop = r.code == "auth" ? StopReason::auth : r.code == "blocked" ? StopReason::blocked : StopReason::rate_limited;
  run.report.stop_detail = r.message;
  return false;
}

// Intent, send, completion; again after a back-off while throttled.
void send_one(CampaignRun &run, const DmTarget &t, const std::string &day, const Sender &send, Pacer &pacer, DmEntry &e) {
  for (int backoffs = 0;; ++backoffs) {
    if (run.paced_before) pacer.wait();
    run.paced_before = true;
    bool over_quota = false;
    auto id = run.ledger.record_intent(intent_of(run.o, t, e, day), run.o.settings.daily_quota, &over_quota);
    if (over_quota) return stop_at_quota(run, t, e);
    if (!id && skipped_as_opted_out(run, t, e)) return;
    if (!id) { // another run wrote this person (or took this comment) meanwhile
      e.status = DmStatus::uncertain;
      e.reason = "concurrent";
      e.detail = e.comment_id.empty() ? "another run is writing to this person"
                                      : "another run is writing to this person or answering comment " + e.comment_id;
      return;
    }
    // Interrupted or any other exception leaves the intent: the next
    // run reports this person as uncertain rather than writing again.
    SendOutcome r = send(t, e.text, e.comment_id);
    if (r.sent) return record_sent(run, t, *id, r, e);
    if (!retry_after_failure(run, *id, r, backoffs, e)) return;
  }
}

// Decides, composes and (with --send) sends one lead's message.
DmEntry process(CampaignRun &run, const DmTarget &t, const Composer &compose, const Sender &send, Pacer &pacer) {
  DmEntry e;
  e.target = &t;
  if (run.report.stop != StopReason::none) {
    e.status = DmStatus::not_reached;
    e.reason = "stopped";
    return e;
  }
  if (decided_by_ledger(run, t, e) || skipped_as_opted_out(run, t, e) || skipped_by_platform(run, t, e)) return e;
  e.text = compose(t);
  if (!run.o.send) {
    e.status = DmStatus::would_send;
    ++run.planned;
    return e;
  }
  const std::string day = utc_day(run.now);
  if (quota_spent(run, t, day, e)) return e;
  send_one(run, t, day, send, pacer, e);
  return e;
}

} // namespace

DmReport run_campaign(store::Db &db, const std::vector<DmTarget> &targets, const CampaignOptions &o, const Composer &compose,
                      const Sender &send, Pacer &pacer, const EntryCallback &on_entry) {
  CampaignRun run{db, DmLedger(db), o, o.now ? o.now : unix_now(), {}, 0, false};
  run.report.entries.reserve(targets.size());
  for (const DmTarget &t : targets) {
    // --limit: the rest is simply not targeted this run (a stopped run still lists them).
    if (run.report.stop == StopReason::none && o.limit > 0 && run.planned >= o.limit) break;
    run.report.entries.push_back(process(run, t, compose, send, pacer));
    if (on_entry) on_entry(run.report.entries.back());
  }
  return std::move(run.report);
}

} // namespace webox::leads
