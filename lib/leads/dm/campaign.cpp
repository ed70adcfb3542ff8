#include "lib/leads/dm/campaign.hpp"

#include <algorithm>

#include "lib/core/error.hpp"
#include "lib/leads/collect/record.hpp"

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

DmReport run_campaign(store::Db &db, const std::vector<DmTarget> &targets, const CampaignOptions &o, const Composer &compose,
                      const Sender &send, Pacer &pacer, const EntryCallback &on_entry) {
  DmLedger ledger(db);
  DmReport report;
  const int64_t now = o.now ? o.now : unix_now();
  int64_t planned = 0;  // messages sent or (dry run) that would be
  bool paced_before = false;
  report.entries.reserve(targets.size());

  auto emit = [&](DmEntry e) {
    report.entries.push_back(std::move(e));
    if (on_entry) on_entry(report.entries.back());
  };

  for (size_t i = 0; i < targets.size(); ++i) {
    const DmTarget &t = targets[i];
    DmEntry e;
    e.target = &t;
    if (report.stop != StopReason::none) {
      e.status = DmStatus::not_reached;
      e.reason = "stopped";
      emit(std::move(e));
      continue;
    }
    if (o.limit > 0 && planned >= o.limit) break; // --limit: the rest is simply not targeted this run

    if (auto row = ledger.find(o.campaign, t.platform, t.person_id)) {
      if (row->state == "sent") {
        e.status = DmStatus::already_sent;
        e.text = row->text;
        e.message_id = row->message_id;
        e.comment_id = row->comment_id;
        e.detail = "sent " + row->updated_at;
        emit(std::move(e));
        continue;
      }
      if (row->state == "intent") {
        e.status = DmStatus::uncertain;
        e.reason = "uncertain";
        e.text = row->text;
        e.detail = "an earlier run stopped while sending (" + row->updated_at +
                   "): check the conversation, then `webox leads dm --resolve " + std::to_string(row->id) + "=sent|unsent`";
        emit(std::move(e));
        continue;
      }
    }
    if (contains(o.unsendable_platforms, t.platform)) {
      e.status = DmStatus::skipped;
      e.reason = "no_sender";
      e.detail = "no plugin can send direct messages on " + t.platform;
      emit(std::move(e));
      continue;
    }
    // A private reply needs no user id and no open window: the comment is
    // the permission (private_reply.hpp). Without one, the 24-hour rule.
    const std::optional<DmComment> comment = private_reply_for(ledger, t, o, now);
    if (comment) e.comment_id = comment->id;
    if (!comment && (t.recipient_id.empty() || t.recipient_id.front() == '@')) {
      e.status = DmStatus::skipped;
      e.reason = "no_user_id";
      e.detail = "only a username is known, not the platform's user id";
      emit(std::move(e));
      continue;
    }
    if (!comment && contains(o.windowed_platforms, t.platform)) {
      const int64_t window = int64_t{o.settings.window_hours} * 3600;
      if (!t.last_interaction_at || now - *t.last_interaction_at > window) {
        e.status = DmStatus::skipped;
        e.reason = "outside_window";
        e.detail = "last interaction more than " + std::to_string(o.settings.window_hours) + " h ago: " + t.platform +
                   " only allows a reply within that window" +
                   (contains(o.private_reply_platforms, t.platform) ? " (and no comment of the last 7 days is left to answer privately)" : "");
        emit(std::move(e));
        continue;
      }
    }

    e.text = compose(t);
    if (!o.send) {
      e.status = DmStatus::would_send;
      ++planned;
      emit(std::move(e));
      continue;
    }

    const std::string day = utc_day(now);
    if (ledger.used_on(t.platform, t.account, day) >= o.settings.daily_quota) {
      report.stop = StopReason::quota;
      report.stop_detail = "daily quota of " + std::to_string(o.settings.daily_quota) + " messages for " + t.platform + " account " +
                           t.account + " reached (leads.dm.daily_quota)";
      e.status = DmStatus::not_reached;
      e.reason = "quota";
      emit(std::move(e));
      continue;
    }

    for (int backoffs = 0;; ++backoffs) {
      if (paced_before) pacer.wait();
      paced_before = true;
      LedgerRow intent;
      intent.campaign = o.campaign;
      intent.platform = t.platform;
      intent.account = t.account;
      intent.person_id = t.person_id;
      intent.lead_id = t.lead_id;
      intent.text = e.text;
      intent.day = day;
      intent.comment_id = e.comment_id;
      auto id = ledger.record_intent(intent);
      if (!id) { // another run wrote this person (or took this comment) meanwhile
        e.status = DmStatus::uncertain;
        e.reason = "concurrent";
        e.detail = e.comment_id.empty() ? "another run is writing to this person"
                                        : "another run is writing to this person or answering comment " + e.comment_id;
        break;
      }
      // Interrupted or any other exception leaves the intent: the next
      // run reports this person as uncertain rather than writing again.
      SendOutcome r = send(t, e.text, e.comment_id);
      if (r.sent) {
        ledger.mark_sent(*id, r.message_id);
        e.status = DmStatus::sent;
        e.message_id = r.message_id;
        ++report.sent;
        ++planned;
        if (r.platform_remaining && *r.platform_remaining <= 0) {
          report.stop = StopReason::quota;
          report.stop_detail = t.platform + " says the account's own daily message limit is spent";
        }
        break;
      }
      e.reason = r.code;
      e.detail = r.message;
      if (r.code == "ambiguous") { // may have left: the intent stays, never resent
        e.status = DmStatus::uncertain;
        report.stop = StopReason::ambiguous;
        report.stop_detail = "could not tell whether a message was delivered (" + r.message + "); stopped so as not to make it worse";
        break;
      }
      ledger.mark_failed(*id, r.code, r.message);
      if (is_refusal(r.code)) {
        e.status = DmStatus::failed;
        break;
      }
      if (r.code == "rate_limited" && backoffs < o.settings.max_backoffs) {
        int64_t wait = o.settings.backoff_ms << backoffs;
        if (r.retry_after_ms > 0 && r.retry_after_ms < wait) wait = r.retry_after_ms;
        sleep_interruptibly(wait);
        continue;
      }
      e.status = DmStatus::not_reached;
      report.stop = r.code == "auth" ? StopReason::auth : r.code == "blocked" ? StopReason::blocked : StopReason::rate_limited;
      report.stop_detail = r.message;
      break;
    }
    emit(std::move(e));
  }
  return report;
}

} // namespace webox::leads
