// Cross-verification: a judge model reads the answers, anonymised and in a
// shuffled order (the seed is printed so a run can be reproduced), with a
// rubric from the prompt library (prompts/judge/cross-check.md), and returns
// a verdict as JSON: agreement 0-100, a note per answer, a consensus answer.
// A reply that is not the expected JSON gets one repair request; a second
// bad reply is reported as the judge's error.
#pragma once

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/compare/report.hpp"

namespace webox::compare {

// The labelled, shuffled answers a judge sees.
struct JudgeBallot {
  unsigned seed = 0;
  std::vector<std::string> labels;  // "A", "B", ...
  std::vector<size_t> answer_index; // label i -> index in report.answers
  std::string system;               // the rubric
  std::string user;                 // the question and the labelled answers
};

// Only answers without error are judged. Throws webox::Error when the rubric
// cannot be read.
JudgeBallot make_ballot(const Report &report, unsigned seed);

// Parses the judge's reply (tolerates a code fence or text around the
// object). Throws std::runtime_error saying what is wrong.
JudgeVerdict parse_verdict(const std::string &reply, const JudgeBallot &ballot, const Report &report);

// The follow-up message asking for a corrected reply.
std::string repair_request(const std::string &what_was_wrong, const JudgeBallot &ballot);

} // namespace webox::compare
