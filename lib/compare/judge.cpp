#include "lib/compare/judge.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "lib/chat/assistants.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::compare {
namespace {

std::string rubric() {
  // The user's own rubric wins over the shipped one.
  for (const auto &dir : {paths::config_dir() / "prompts" / "judge", paths::shared_data_dir() / "prompts" / "judge"}) {
    std::error_code ec;
    if (std::filesystem::exists(dir / "cross-check.md", ec))
      return chat::parse_assistant(dir / "cross-check.md").system_prompt;
  }
  throw Error("the judge's rubric prompts/judge/cross-check.md is missing", ExitCode::config);
}

} // namespace

JudgeBallot make_ballot(const Report &report, unsigned seed) {
  JudgeBallot b;
  b.seed = seed;
  for (size_t i = 0; i < report.answers.size(); ++i)
    if (report.answers[i].error.empty()) b.answer_index.push_back(i);
  std::mt19937 rng(seed);
  std::shuffle(b.answer_index.begin(), b.answer_index.end(), rng);
  b.system = rubric();
  b.user = "Question:\n" + report.prompt + "\n";
  for (size_t i = 0; i < b.answer_index.size(); ++i) {
    std::string label(1, static_cast<char>('A' + i));
    b.labels.push_back(label);
    b.user += "\nAnswer " + label + ":\n" + report.answers[b.answer_index[i]].text + "\n";
  }
  return b;
}

JudgeVerdict parse_verdict(const std::string &reply, const JudgeBallot &ballot, const Report &report) {
  size_t open = reply.find('{');
  size_t close = reply.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open)
    throw std::runtime_error("the reply holds no JSON object");
  auto doc = parse_json_or_discarded(reply.substr(open, close - open + 1));
  if (doc.is_discarded() || !doc.is_object()) throw std::runtime_error("the reply is not valid JSON");
  if (!doc.contains("agreement") || !doc["agreement"].is_number())
    throw std::runtime_error("\"agreement\" must be a number from 0 to 100");
  double agreement = doc["agreement"].get<double>();
  if (agreement < 0 || agreement > 100) throw std::runtime_error("\"agreement\" must be from 0 to 100");
  if (!doc.contains("notes") || !doc["notes"].is_object()) throw std::runtime_error("\"notes\" must be an object");
  if (!doc.contains("consensus") || !doc["consensus"].is_string())
    throw std::runtime_error("\"consensus\" must be a string");
  JudgeVerdict v;
  v.seed = ballot.seed;
  v.agreement = static_cast<int>(agreement + 0.5);
  v.consensus = doc["consensus"].get<std::string>();
  for (size_t i = 0; i < ballot.labels.size(); ++i) {
    const std::string &label = ballot.labels[i];
    if (!doc["notes"].contains(label) || !doc["notes"][label].is_string())
      throw std::runtime_error("\"notes\" has no text for answer " + label);
    v.notes[report.answers[ballot.answer_index[i]].model] = doc["notes"][label].get<std::string>();
  }
  return v;
}

std::string repair_request(const std::string &what_was_wrong, const JudgeBallot &ballot) {
  std::string labels;
  for (const auto &l : ballot.labels) labels += (labels.empty() ? "" : ", ") + l;
  return "Your reply could not be used: " + what_was_wrong +
         ". Reply again with ONLY the JSON object described in your instructions, nothing else, "
         "with a note for each of the answers " + labels + ".";
}

} // namespace webox::compare
