// One run of a follow-up sequence (`webox leads sequence run`): every step in
// order, each a DM campaign through LiveCampaign (lib/leads/dm/), the --limit
// counted over all steps together. The command only prints the report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lib/leads/dm/campaign.hpp"
#include "lib/leads/dm/live_campaign.hpp"
#include "lib/leads/sequence/sequence.hpp"
#include "lib/store/db.hpp"

namespace webox::leads {

struct SequenceRunOptions {
  bool send = false; // false: dry run, nothing sent
  int limit = 0;     // at most this many messages, all steps together (0 = no limit)
  int64_t now = 0;   // unix seconds, for the steps' delays
};

// One person of one step, copied out of the campaign's entry (its target
// lives only as long as the step).
struct SequenceEntry {
  int64_t lead_id = 0;
  std::string platform, handle;
  DmStatus status = DmStatus::skipped;
  std::string reason, detail, text;
};

struct SequenceStepReport {
  size_t step = 0; // 1-based
  std::string template_name;
  std::map<std::string, int> counts; // status name -> people
  std::vector<SequenceEntry> entries;
};

struct SequenceReport {
  std::vector<SequenceStepReport> steps; // the steps that ran (none after a stop or once --limit is spent)
  // Some people were skipped, failed or are uncertain (exit 3 when sending).
  bool partial = false;
  // A campaign stopped (quota, auth, throttling...): later steps were not run.
  StopReason stop = StopReason::none;
  std::string stop_detail;
  size_t stopped_at = 0; // the step that stopped
};

// Called as each person of each step is decided (live output).
using SequenceEntryCallback = std::function<void(size_t step, const DmEntry &)>;

// Runs the steps due at `options.now`. Throws webox::Error (exit 4) before a
// step sends when its targets could not be sent to, UsageError when a
// template needs a field a target lacks; a stopped campaign is in the report.
SequenceReport run_sequence(store::Db &db, const Sequence &seq, LiveCampaign &live, const SequenceRunOptions &options,
                            const SequenceEntryCallback &on_entry = {});

} // namespace webox::leads
