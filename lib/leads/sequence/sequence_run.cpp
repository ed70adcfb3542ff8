#include "lib/leads/sequence/sequence_run.hpp"

#include "lib/core/error.hpp"
#include "lib/leads/dm/templates.hpp"

namespace webox::leads {
namespace {

bool sequence_entry_is_partial(DmStatus s) {
  return s == DmStatus::skipped || s == DmStatus::failed || s == DmStatus::uncertain;
}

bool sequence_entry_is_message(DmStatus s) { return s == DmStatus::sent || s == DmStatus::would_send; }

SequenceEntry sequence_entry_of(const DmEntry &e) {
  return {e.target->lead_id, e.target->platform, e.target->handle, e.status, e.reason, e.detail, e.text};
}

// The leads step `n` looks at: step 1 takes the sequence's filters, later
// steps whoever got the previous one (due_for_step narrows them).
LeadFilter sequence_step_filter(const Sequence &seq, size_t n) {
  LeadFilter f;
  f.platform = seq.platform;
  if (n == 1) f.status = seq.status, f.min_score = seq.min_score;
  return f;
}

} // namespace

SequenceReport run_sequence(store::Db &db, const Sequence &seq, LiveCampaign &live, const SequenceRunOptions &o,
                            const SequenceEntryCallback &on_entry) {
  SequenceReport report;
  int left = o.limit;
  for (size_t n = 1; n <= seq.steps.size(); ++n) {
    const SequenceStep &step = seq.steps[n - 1];
    const std::string campaign = step_campaign(seq.name, n);
    std::vector<DmTarget> targets = due_for_step(db, seq, n, live.targets(db, sequence_step_filter(seq, n), campaign), o.now);
    require_template_fields(*step.tpl, step.template_name, targets);
    if (auto why = live.unsendable_reason(targets); why && o.send) throw Error(*why + "; nothing was sent", ExitCode::config);
    if (o.limit > 0 && left <= 0) break;
    Composer compose = [&](const DmTarget &t) { return step.tpl->render(t.context); };
    DmReport run = live.run(db, targets, campaign, o.send, o.limit > 0 ? left : 0, compose, [&](const DmEntry &e) {
      if (on_entry) on_entry(n, e);
    });
    SequenceStepReport &s = report.steps.emplace_back();
    s.step = n;
    s.template_name = step.template_name;
    for (const auto &e : run.entries) {
      ++s.counts[status_name(e.status)];
      s.entries.push_back(sequence_entry_of(e));
      report.partial = report.partial || sequence_entry_is_partial(e.status);
      if (sequence_entry_is_message(e.status)) --left;
    }
    if (run.stop != StopReason::none) {
      report.stop = run.stop;
      report.stop_detail = run.stop_detail;
      report.stopped_at = n;
      break;
    }
  }
  return report;
}

} // namespace webox::leads
