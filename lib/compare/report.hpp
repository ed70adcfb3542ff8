// What one `webox compare` run produced: per model its answer and figures,
// and the judge's verdict when one was asked for.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace webox::compare {

struct ModelAnswer {
  std::string model;        // as asked: "openai:gpt-4o-mini"
  std::string answered_by;  // the model that answered ("" = the one asked, or none)
  std::string text;
  std::optional<int64_t> ttft_ms;
  int64_t latency_ms = 0;
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
  std::optional<double> cost;
  std::string error;        // "" when it answered
  nlohmann::json tool_calls = nlohmann::json::array(); // calls it made though none were offered (an error)
  bool done = false;
};

struct JudgeVerdict {
  std::string model;
  unsigned seed = 0;
  int agreement = 0;                         // 0-100
  std::map<std::string, std::string> notes;  // by model (labels mapped back)
  std::string consensus;
  std::optional<double> cost;
  std::string error;                         // "" when the verdict parsed
};

struct Report {
  std::string id;
  std::string prompt;
  std::vector<ModelAnswer> answers;
  std::optional<JudgeVerdict> judge;

  size_t failures() const {
    size_t n = 0;
    for (const auto &a : answers) n += !a.error.empty();
    return n;
  }
};

nlohmann::json to_json(const ModelAnswer &a);
nlohmann::json to_json(const JudgeVerdict &v);
nlohmann::json to_json(const Report &r);

} // namespace webox::compare
