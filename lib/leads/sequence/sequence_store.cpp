// What the store says of a sequence: the DM ledger's rows of its steps
// (campaigns "seq:NAME:N") and the interactions of their people. All the
// feature's SQL is here (portable SQL, store::guarded).
#include <algorithm>
#include <map>
#include <set>

#include "lib/store/db.hpp"

#include "lib/leads/collect/record.hpp"
#include "lib/leads/optout/optouts.hpp"
#include "lib/leads/sequence/sequence.hpp"

namespace webox::leads {
namespace {

// A ledger time (ISO 8601 text) as Unix seconds; 0 when unreadable.
int64_t sequence_sent_at(const std::string &text) {
  try {
    return parse_timestamp_text(text);
  } catch (const RecordError &) {
    return 0;
  }
}

// (platform, person) -> (state, updated_at) of one step's ledger rows.
using StepRows = std::map<std::pair<std::string, int64_t>, std::pair<std::string, int64_t>>;

StepRows sequence_step_rows(store::Db &db, const std::string &campaign) {
  StepRows rows;
  store::Statement q(db, "SELECT platform, person_id, state, updated_at FROM dm_ledger WHERE campaign = ?");
  q.bind(1, campaign);
  while (q.executeStep())
    rows[{q.getColumn(0).getString(), q.getColumn(1).getInt64()}] = {q.getColumn(2).getString(),
                                                                      sequence_sent_at(q.getColumn(3).getString())};
  return rows;
}

bool sequence_replied_since(store::Statement &q, int64_t person_id, int64_t since) {
  q.reset();
  q.bind(1, person_id);
  q.bind(2, since);
  return q.executeStep();
}

bool sequence_step_allows(const SequenceStep &step, const DmTarget &t) {
  if (step.min_score && t.context.value("score", 0) < *step.min_score) return false;
  if (step.statuses.empty()) return true;
  return std::find(step.statuses.begin(), step.statuses.end(), t.context.value("status", "")) != step.statuses.end();
}

} // namespace

std::vector<DmTarget> due_for_step(store::Db &db, const Sequence &seq, size_t n, std::vector<DmTarget> candidates, int64_t now) {
  return store::guarded(db, [&] {
    const SequenceStep &step = seq.steps.at(n - 1);
    const StepRows here = sequence_step_rows(db, step_campaign(seq.name, n));
    const StepRows before = n > 1 ? sequence_step_rows(db, step_campaign(seq.name, n - 1)) : StepRows{};
    store::Statement replied(db, "SELECT 1 FROM interactions WHERE person_id = ? AND occurred_at > ? LIMIT 1");
    std::vector<DmTarget> due;
    for (DmTarget &t : candidates) {
      const auto key = std::make_pair(t.platform, t.person_id);
      // Sent already: nothing to do. An intent or a failure is left to the
      // campaign (uncertain, or tried again).
      if (auto it = here.find(key); it != here.end() && it->second.first == "sent") continue;
      if (!sequence_step_allows(step, t)) continue;
      if (n > 1) {
        auto prev = before.find(key);
        if (prev == before.end() || prev->second.first != "sent") continue;
        const int64_t sent_at = prev->second.second;
        if (now - sent_at < step.after_seconds) continue;
        if (sequence_replied_since(replied, t.person_id, sent_at)) continue;
      }
      due.push_back(std::move(t));
    }
    return due;
  });
}

std::vector<StepStatus> sequence_status(store::Db &db, const Sequence &seq) {
  return store::guarded(db, [&] {
    std::vector<StepStatus> out(seq.steps.size());
    std::vector<StepRows> rows;
    for (size_t n = 1; n <= seq.steps.size(); ++n) rows.push_back(sequence_step_rows(db, step_campaign(seq.name, n)));
    store::Statement replied(db, "SELECT 1 FROM interactions WHERE person_id = ? AND occurred_at > ? LIMIT 1");
    for (size_t i = 0; i < rows.size(); ++i) {
      for (const auto &[key, row] : rows[i]) {
        const auto &[state, at] = row;
        if (state == "intent") ++out[i].uncertain;
        if (state == "failed") ++out[i].failed;
        if (state != "sent") continue;
        ++out[i].sent;
        const bool last = i + 1 == rows.size();
        if (!last) {
          auto next = rows[i + 1].find(key);
          if (next != rows[i + 1].end() && next->second.first != "failed") continue; // moved on (or uncertain there)
        }
        // Where this person stands after step i+1.
        if (sequence_replied_since(replied, key.second, at)) ++out[i].replied;
        else if (covering_optout(db, key.second)) ++out[i].opted_out;
        else if (!last) ++out[i].waiting;
      }
    }
    return out;
  });
}

} // namespace webox::leads
