// Interview scenarios: prompt-library entries in prompts/interview/*.md
// (shipped) and $XDG_CONFIG_HOME/webox/prompts/interview/*.md (the user's,
// which win over a shipped one of the same name).
//
// The front matter is read strictly — a typo in a rubric would otherwise
// give scores nobody asked for — and every problem names file:line:
//
//   ---
//   name: job-technical            # a slug; default: the file name
//   title: Job interview, technical
//   role: software engineer         # the default for --role
//   language: en                    # ISO 639-1: the STT language, the filler list
//   voice: en                       # the TTS voice (optional)
//   questions: 5                    # the default for --turns (1 to 50)
//   rubric:                         # 1 to 12 criteria
//     - name: correctness           # a slug, unique
//       weight: 3                   # > 0
//       description: The technical content is right
//   follow_up:                      # rules the interviewer follows (optional)
//     - When an answer stays general, ask for an example.
//   ---
//   The interviewer's instructions (Mustache: {{role}}).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace webox::interview {

struct Criterion {
  std::string name;
  double weight = 1;
  std::string description;
};

struct Scenario {
  std::string name;
  std::string title;
  std::string role;
  std::string language = "en";
  std::string voice;
  int questions = 5;
  std::vector<Criterion> rubric;
  std::vector<std::string> follow_up;
  std::string instructions; // the body, a Mustache template ({{role}})
  std::filesystem::path file;
  bool user = false;
};

inline constexpr int kMaxQuestions = 50;
inline constexpr size_t kMaxCriteria = 12;

std::filesystem::path user_scenario_dir();
std::filesystem::path shipped_scenario_dir();

// Parses one file. Throws webox::UsageError "FILE:LINE: what is wrong".
Scenario parse_scenario(const std::filesystem::path &file);

struct ScenarioList {
  std::vector<Scenario> scenarios;   // sorted by name, the user's winning
  std::vector<std::string> problems; // broken files, one line each
};

ScenarioList list_scenarios();

// By name or file stem. A broken file of that name is its own error (exit
// 2, file:line); an unknown name lists the available ones.
Scenario find_scenario(const std::string &name);

} // namespace webox::interview
