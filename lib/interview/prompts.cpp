#include "lib/interview/prompts.hpp"

#include <cstdio>
#include <stdexcept>

#include "lib/core/template.hpp"
#include "lib/workflow/json_answer.hpp"

namespace webox::interview {
namespace {

using nlohmann::json;

// Same phrase as workflow JSON steps (task.cpp, json_answer.cpp): one
// instruction for models to learn and for the test fakes to recognise.
std::string json_instruction(const workflow::Schema &schema) {
  std::string fields;
  for (const auto &[field, type] : schema)
    fields += (fields.empty() ? "" : ", ") + ("\"" + field + "\" (" + type + ")");
  return "Answer with ONLY a JSON object with the fields: " + fields + ". Nothing else.";
}

std::string weight_text(double w) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", w);
  return buf;
}

std::string rubric_text(const Scenario &s) {
  std::string out;
  for (const auto &c : s.rubric)
    out += "- " + c.name + " (weight " + weight_text(c.weight) + "): " + c.description + "\n";
  return out;
}

double score_field(const json &v, const std::string &field) {
  const double x = v[field].get<double>();
  if (!(x >= 0 && x <= 10)) throw std::runtime_error("the field \"" + field + "\" must be a number from 0 to 10");
  return x;
}

} // namespace

json question_messages(const Scenario &s, const std::string &role, int turn, int total,
                       const std::vector<TurnRecord> &so_far) {
  std::string system = Template(s.instructions).render(json{{"role", role}, {"language", s.language}});
  if (!s.follow_up.empty()) {
    system += "\n\nFollow-up rules:\n";
    for (const auto &rule : s.follow_up) system += "- " + rule + "\n";
  }
  system += "\nThe interview has " + std::to_string(total) +
            " questions. Each of your messages is exactly one question, as you would say it aloud, in the language '" +
            s.language + "'; no preamble, no notes, no numbering.";
  json messages = json::array({{{"role", "system"}, {"content", system}}});
  messages.push_back({{"role", "user"}, {"content", "Start the interview: ask your first question."}});
  for (const auto &t : so_far) {
    messages.push_back({{"role", "assistant"}, {"content", t.question}});
    std::string answer = t.transcript.empty() ? "(no answer: the candidate stayed silent)" : t.transcript;
    if (&t == &so_far.back())
      answer += "\n\n(Ask question " + std::to_string(turn) + " of " + std::to_string(total) +
                "; it may follow up on this answer.)";
    messages.push_back({{"role", "user"}, {"content", answer}});
  }
  return messages;
}

workflow::Schema evaluation_schema(const Scenario &s) {
  workflow::Schema schema;
  for (const auto &c : s.rubric) schema.emplace_back(c.name, "number");
  schema.emplace_back("feedback", "string");
  return schema;
}

json evaluation_messages(const Scenario &s, const std::string &role, const std::string &question,
                         const std::string &transcript) {
  const std::string system = "You evaluate a candidate's spoken answer in a practice session (" + s.title +
                             ", role: " + role + "). Score each criterion from 0 (absent) to 10 (excellent):\n" +
                             rubric_text(s) +
                             "The answer was transcribed from speech: ignore spelling and punctuation. "
                             "Write the feedback in the language '" +
                             s.language + "', two sentences the interviewer can say aloud.";
  const std::string user =
      "Question: " + question + "\nAnswer: " + transcript + "\n\n" + json_instruction(evaluation_schema(s));
  return json::array({{{"role", "system"}, {"content", system}}, {{"role", "user"}, {"content", user}}});
}

Evaluation parse_evaluation(const std::string &answer, const Scenario &s) {
  json v = workflow::parse_json_answer(answer, evaluation_schema(s));
  Evaluation e;
  for (const auto &c : s.rubric) e.scores[c.name] = score_field(v, c.name);
  e.feedback = v["feedback"].get<std::string>();
  e.score = weighted_score(e.scores, s).value_or(0);
  return e;
}

workflow::Schema summary_schema() {
  return {{"strengths", "string"}, {"improvements", "string"}, {"summary", "string"}, {"score", "number"}};
}

json summary_messages(const Scenario &s, const std::string &role, const std::vector<TurnRecord> &turns) {
  std::string transcript;
  for (const auto &t : turns) {
    transcript += "Q" + std::to_string(t.turn) + ": " + t.question + "\nA" + std::to_string(t.turn) + ": " +
                  (t.transcript.empty() ? "(silent)" : t.transcript) + "\n";
    if (t.score) transcript += "(score " + weight_text(*t.score) + "/10)\n";
  }
  const std::string system = "You are the coach at the end of a practice session (" + s.title + ", role: " + role +
                             "). The rubric:\n" + rubric_text(s) + "Write in the language '" + s.language +
                             "'. \"strengths\" and \"improvements\" are one or two sentences each; \"summary\" is "
                             "three sentences to be said aloud; \"score\" is from 0 to 10.";
  const std::string user = "The session:\n" + transcript + "\n" + json_instruction(summary_schema());
  return json::array({{{"role", "system"}, {"content", system}}, {{"role", "user"}, {"content", user}}});
}

json parse_summary(const std::string &answer) {
  json v = workflow::parse_json_answer(answer, summary_schema());
  score_field(v, "score");
  json out;
  for (const auto &[field, _] : summary_schema()) out[field] = v[field];
  return out;
}

std::optional<double> weighted_score(const std::map<std::string, double> &scores, const Scenario &s) {
  double sum = 0, weights = 0;
  for (const auto &c : s.rubric)
    if (auto it = scores.find(c.name); it != scores.end()) {
      sum += it->second * c.weight;
      weights += c.weight;
    }
  if (weights <= 0) return std::nullopt;
  return sum / weights;
}

} // namespace webox::interview
