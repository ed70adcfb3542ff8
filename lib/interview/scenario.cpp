#include "lib/interview/scenario.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "lib/core/error.hpp"
#include "lib/core/front_matter.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/template.hpp"

namespace webox::interview {
namespace {

namespace fs = std::filesystem;

// Where a YAML node is in the file: the front matter starts on line 2.
std::string scenario_where(const fs::path &file, const YAML::Node &node) {
  const YAML::Mark mark = node.Mark();
  return file.string() + ":" + std::to_string(mark.line >= 0 ? mark.line + 2 : 1);
}

[[noreturn]] void scenario_fail(const fs::path &file, const YAML::Node &node, const std::string &what) {
  throw UsageError(scenario_where(file, node) + ": " + what);
}

bool is_scenario_slug(const std::string &s) {
  static const std::regex slug("[a-z0-9][a-z0-9_-]{0,63}");
  return std::regex_match(s, slug);
}

std::string scenario_text(const fs::path &file, const YAML::Node &node, const std::string &key) {
  if (!node.IsScalar()) scenario_fail(file, node, "'" + key + "' must be text");
  return node.Scalar();
}

double scenario_number(const fs::path &file, const YAML::Node &node, const std::string &key) {
  try {
    if (node.IsScalar()) return node.as<double>();
  } catch (const YAML::Exception &) {}
  scenario_fail(file, node, "'" + key + "' must be a number");
}

Criterion parse_criterion(const fs::path &file, const YAML::Node &node) {
  if (!node.IsMap()) scenario_fail(file, node, "a rubric criterion must be a mapping with name, weight, description");
  Criterion c;
  bool has_name = false, has_weight = false, has_description = false;
  for (const auto &kv : node) {
    const std::string key = kv.first.Scalar();
    if (key == "name") {
      c.name = scenario_text(file, kv.second, key);
      if (!is_scenario_slug(c.name))
        scenario_fail(file, kv.second, "criterion name '" + c.name + "': use lowercase letters, digits, '-' and '_'");
      has_name = true;
    } else if (key == "weight") {
      c.weight = scenario_number(file, kv.second, key);
      if (!(c.weight > 0) || c.weight > 100) scenario_fail(file, kv.second, "'weight' must be above 0 and at most 100");
      has_weight = true;
    } else if (key == "description") {
      c.description = scenario_text(file, kv.second, key);
      has_description = !c.description.empty();
    } else {
      scenario_fail(file, kv.first, "unknown criterion field '" + key + "' (name, weight, description)");
    }
  }
  if (!has_name) scenario_fail(file, node, "a rubric criterion has no 'name'");
  if (!has_weight) scenario_fail(file, node, "criterion '" + c.name + "' has no 'weight'");
  if (!has_description) scenario_fail(file, node, "criterion '" + c.name + "' has no 'description'");
  return c;
}

void parse_rubric(const fs::path &file, const YAML::Node &node, Scenario &s) {
  if (!node.IsSequence() || node.size() == 0) scenario_fail(file, node, "'rubric' must be a list of criteria");
  if (node.size() > kMaxCriteria)
    scenario_fail(file, node,
                  "'rubric' has " + std::to_string(node.size()) + " criteria; at most " + std::to_string(kMaxCriteria));
  std::set<std::string> seen;
  for (const auto &item : node) {
    Criterion c = parse_criterion(file, item);
    if (!seen.insert(c.name).second) scenario_fail(file, item, "criterion '" + c.name + "' is given twice");
    s.rubric.push_back(std::move(c));
  }
}

void parse_scenario_field(const fs::path &file, const std::string &key, const YAML::Node &value, Scenario &s) {
  if (key == "name") {
    s.name = scenario_text(file, value, key);
    if (!is_scenario_slug(s.name))
      scenario_fail(file, value, "name '" + s.name + "': use lowercase letters, digits, '-' and '_'");
  } else if (key == "title") {
    s.title = scenario_text(file, value, key);
  } else if (key == "role") {
    s.role = scenario_text(file, value, key);
  } else if (key == "language") {
    s.language = scenario_text(file, value, key);
    static const std::regex lang("[a-z]{2,3}([-_][A-Za-z]{2,4})?");
    if (!std::regex_match(s.language, lang)) scenario_fail(file, value, "'language' must be a code such as en or fr");
  } else if (key == "voice") {
    s.voice = scenario_text(file, value, key);
  } else if (key == "questions") {
    double n = scenario_number(file, value, key);
    if (n < 1 || n > kMaxQuestions || n != static_cast<int>(n))
      scenario_fail(file, value, "'questions' must be a whole number from 1 to " + std::to_string(kMaxQuestions));
    s.questions = static_cast<int>(n);
  } else if (key == "rubric") {
    parse_rubric(file, value, s);
  } else if (key == "follow_up") {
    if (!value.IsSequence()) scenario_fail(file, value, "'follow_up' must be a list of rules");
    for (const auto &rule : value) s.follow_up.push_back(scenario_text(file, rule, key));
  } else {
    scenario_fail(file, value,
                  "unknown field '" + key + "' (name, title, role, language, voice, questions, rubric, follow_up)");
  }
}

} // namespace

fs::path user_scenario_dir() { return paths::config_dir() / "prompts" / "interview"; }
fs::path shipped_scenario_dir() { return paths::shared_data_dir() / "prompts" / "interview"; }

Scenario parse_scenario(const fs::path &file) {
  FrontMatterDoc doc;
  try {
    doc = read_front_matter_file(file);
  } catch (const Error &e) {
    throw UsageError(e.what()); // a broken scenario is bad input (exit 2) wherever it lives
  }
  Scenario s;
  s.file = file;
  s.name = file.stem().string();
  if (!doc.meta.IsMap()) throw UsageError(file.string() + ":1: no front matter (---, name, rubric, ---)");
  for (const auto &kv : doc.meta) parse_scenario_field(file, kv.first.Scalar(), kv.second, s);
  if (s.rubric.empty()) throw UsageError(file.string() + ":1: the scenario has no 'rubric'");
  if (s.title.empty()) s.title = s.name;
  if (s.role.empty()) s.role = "candidate";
  s.instructions = doc.body;
  if (s.instructions.empty())
    throw UsageError(file.string() + ": the scenario has no instructions after the front matter");
  try {
    Template check(s.instructions);
  } catch (const TemplateError &e) {
    throw UsageError(file.string() + ": " + e.what());
  }
  return s;
}

ScenarioList list_scenarios() {
  ScenarioList list;
  std::map<std::string, Scenario> by_name;
  std::set<std::string> stems; // a user's file shadows the shipped one of the same name, broken or not
  for (const auto &[dir, user] : {std::pair{user_scenario_dir(), true}, std::pair{shipped_scenario_dir(), false}}) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto &e : fs::directory_iterator(dir, ec))
      if (e.is_regular_file() && e.path().extension() == ".md") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto &f : files) {
      if (!user && stems.count(f.stem().string())) continue;
      stems.insert(f.stem().string());
      try {
        Scenario s = parse_scenario(f);
        s.user = user;
        by_name.emplace(s.name, std::move(s)); // the user's, met first, stays
      } catch (const Error &e) {
        list.problems.push_back(e.what());
      }
    }
  }
  for (auto &kv : by_name) list.scenarios.push_back(std::move(kv.second));
  return list;
}

Scenario find_scenario(const std::string &name) {
  ScenarioList list = list_scenarios();
  for (auto &s : list.scenarios)
    if (s.name == name || s.file.stem() == name) return std::move(s);
  for (const auto &problem : list.problems)
    if (problem.find("/" + name + ".md:") != std::string::npos ||
        problem.find("/" + name + ".md ") != std::string::npos)
      throw UsageError(problem);
  std::string names;
  for (const auto &s : list.scenarios) names += (names.empty() ? "" : ", ") + s.name;
  throw UsageError("no interview scenario '" + name + "' (available: " + (names.empty() ? "none" : names) +
                   "; see 'webox interview list')");
}

} // namespace webox::interview
