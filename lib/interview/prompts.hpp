// What the interview sends to the model and how it reads the answers: the
// interviewer's messages, the rubric evaluation and the final summary, both
// JSON answers checked like workflow `format: json` steps and repaired once
// with the same wording (lib/workflow/json_answer.hpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/interview/interview_store.hpp"
#include "lib/interview/scenario.hpp"
#include "lib/workflow/workflow.hpp"

namespace webox::interview {

// The interviewer's chat messages for question `turn` (from 1) of `total`,
// after the turns so far.
nlohmann::json question_messages(const Scenario &s, const std::string &role, int turn, int total,
                                 const std::vector<TurnRecord> &so_far);

// The rubric's fields ("<criterion>" number, "feedback" string).
workflow::Schema evaluation_schema(const Scenario &s);
nlohmann::json evaluation_messages(const Scenario &s, const std::string &role, const std::string &question,
                                   const std::string &transcript);

struct Evaluation {
  std::map<std::string, double> scores; // 0 to 10
  std::string feedback;
  double score = 0; // weighted mean
};

// Throws std::runtime_error with words fit for the repair request.
Evaluation parse_evaluation(const std::string &answer, const Scenario &s);

workflow::Schema summary_schema();
nlohmann::json summary_messages(const Scenario &s, const std::string &role, const std::vector<TurnRecord> &turns);
// {"strengths","improvements","summary","score" 0 to 10}; throws std::runtime_error.
nlohmann::json parse_summary(const std::string &answer);

// The weighted mean of the scored criteria; nullopt when none.
std::optional<double> weighted_score(const std::map<std::string, double> &scores, const Scenario &s);

} // namespace webox::interview
