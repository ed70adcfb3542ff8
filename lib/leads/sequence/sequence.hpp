// Follow-up sequences (`webox leads sequence`, webox-leads-sequence(1)): a
// YAML file of steps, each a DM template sent some time after the previous
// step to the people who did not answer.
//
//   name: relance-3-etapes          # optional: the file's name without .yaml
//   leads: {min_score: 15, status: new, platform: instagram}   # who step 1 takes
//   steps:
//     - template: bienvenue
//     - template: relance
//       after: 3d                   # after the previous step was sent: 30m, 12h, 3d, 2w
//       if: {min_score: 20, status: [new, contacted]}
//
// Steps run in order and never jump, so a sequence cannot loop. The loader
// is strict: an unknown key, a template that does not exist, a delay that
// does not parse, a step 1 with `after`: a UsageError "file:line: ..." (exit 2).
//
// Each step is a DM campaign named "seq:NAME:N" (lib/leads/dm/campaign.hpp):
// the ledger's claim makes a step go out once per person even when two runs
// overlap or one is killed (an intent left is reported uncertain, never
// resent); quotas, pacing and opt-outs are the campaign's. A person who wrote
// anything (collected interaction) after their last step was sent is not
// sent the next one: a reply stops the sequence for them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "lib/core/template.hpp"
#include "lib/leads/dm/campaign.hpp"
#include "lib/store/db.hpp"

namespace webox::leads {

struct SequenceStep {
  std::string template_name;
  std::optional<Template> tpl;
  int64_t after_seconds = 0; // since the previous step was sent
  std::optional<int> min_score;
  std::vector<std::string> statuses; // empty = any
  int line = 0;                      // in the file, for messages
};

struct Sequence {
  std::string name;
  std::filesystem::path file;
  // Who the first step takes (the `leads dm` filters; status default new).
  std::string platform, status = "new";
  std::optional<int> min_score;
  std::vector<SequenceStep> steps;
};

// FILE (a path to a .yaml/.yml file) or NAME (NAME.yaml in `dir`).
std::filesystem::path find_sequence(const std::string &file_or_name, const std::filesystem::path &dir);
// Parses and checks the file (templates loaded). UsageError "file:line: why".
Sequence load_sequence(const std::filesystem::path &file);

// "30m", "12h", "3d", "2w" -> seconds; nullopt when malformed or over a year.
std::optional<int64_t> parse_delay(const std::string &text);

// The ledger's campaign name of step `n` (1-based).
std::string step_campaign(const std::string &sequence, size_t n);

// Of `candidates` (leads matching the step's filters), those step `n` is due
// for at `now`: step 1 not sent to them yet; for a later step, the previous
// step sent at least its delay ago, this one not yet sent, and nothing
// written by the person since the previous step.
std::vector<DmTarget> due_for_step(store::Db &db, const Sequence &seq, size_t n, std::vector<DmTarget> candidates, int64_t now);

// Per step: how many people got it, wait for it, stopped on a reply or an
// opt-out after it, are uncertain (intent left). For `leads sequence status`.
struct StepStatus {
  int64_t sent = 0, waiting = 0, replied = 0, opted_out = 0, uncertain = 0, failed = 0;
};
std::vector<StepStatus> sequence_status(store::Db &db, const Sequence &seq);

} // namespace webox::leads
