// The sequence file: found, parsed, checked (webox-leads-sequence(1)).
#include "lib/leads/sequence/sequence.hpp"

#include <algorithm>
#include <charconv>

#include <yaml-cpp/yaml.h>

#include "lib/core/error.hpp"
#include "lib/core/text_input.hpp"
#include "lib/core/yaml_load.hpp"
#include "lib/leads/dm/templates.hpp"
#include "lib/leads/query/lead_status.hpp"

namespace webox::leads {
namespace {

constexpr size_t kMaxSequenceSteps = 50;

[[noreturn]] void sequence_error(const std::filesystem::path &file, const YAML::Node &at, const std::string &why) {
  throw UsageError(file.string() + ":" + std::to_string(at.Mark().line + 1) + ": " + why);
}

int sequence_score(const std::filesystem::path &file, const YAML::Node &v, const std::string &what) {
  int n = -1;
  if (v.IsScalar()) {
    const std::string s = v.Scalar();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size()) n = -1;
  }
  if (n < 0 || n > 100) sequence_error(file, v, "'" + what + "' must be a whole number from 0 to 100");
  return n;
}

std::string sequence_status_value(const std::filesystem::path &file, const YAML::Node &v, const std::string &what) {
  if (!v.IsScalar() || !is_status(v.Scalar()))
    sequence_error(file, v, "'" + what + "' must be one of new, contacted, in_progress, converted, refused");
  return v.Scalar();
}

void read_sequence_leads(const std::filesystem::path &file, const YAML::Node &node, Sequence &seq) {
  if (!node.IsMap()) sequence_error(file, node, "'leads' must be a mapping such as {min_score: 15, status: new}");
  for (const auto &kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (key == "min_score") seq.min_score = sequence_score(file, kv.second, "leads.min_score");
    else if (key == "platform" && kv.second.IsScalar()) seq.platform = kv.second.Scalar();
    else if (key == "status" && kv.second.IsScalar() && kv.second.Scalar() == "any") seq.status.clear();
    else if (key == "status") seq.status = sequence_status_value(file, kv.second, "leads.status");
    else sequence_error(file, kv.first, "unknown key 'leads." + key + "' (min_score, status, platform)");
  }
}

void read_step_conditions(const std::filesystem::path &file, const YAML::Node &node, SequenceStep &step) {
  if (!node.IsMap()) sequence_error(file, node, "'if' must be a mapping such as {min_score: 20, status: [new, contacted]}");
  for (const auto &kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (key == "min_score") {
      step.min_score = sequence_score(file, kv.second, "if.min_score");
    } else if (key == "status") {
      if (kv.second.IsSequence())
        for (const auto &s : kv.second) step.statuses.push_back(sequence_status_value(file, s, "if.status"));
      else step.statuses.push_back(sequence_status_value(file, kv.second, "if.status"));
    } else {
      sequence_error(file, kv.first, "unknown condition '" + key + "' (min_score, status; a reply always stops the sequence)");
    }
  }
}

SequenceStep read_step(const std::filesystem::path &file, const YAML::Node &node, size_t index) {
  if (!node.IsMap()) sequence_error(file, node, "a step must be a mapping such as {template: relance, after: 3d}");
  SequenceStep step;
  step.line = node.Mark().line + 1;
  bool has_after = false;
  for (const auto &kv : node) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node &v = kv.second;
    if (key == "template") {
      if (!v.IsScalar() || v.Scalar().empty()) sequence_error(file, v, "'template' must be a template's name (prompts/dm/NAME.md)");
      step.template_name = v.Scalar();
      try {
        step.tpl.emplace(load_dm_template(step.template_name));
      } catch (const Error &e) {
        sequence_error(file, v, e.what());
      }
    } else if (key == "after") {
      auto delay = v.IsScalar() ? parse_delay(v.Scalar()) : std::nullopt;
      if (!delay) sequence_error(file, v, "'after' must be a delay such as 30m, 12h, 3d or 2w (at most a year)");
      if (index == 0) sequence_error(file, kv.first, "the first step has no 'after' (there is no previous step)");
      step.after_seconds = *delay;
      has_after = true;
    } else if (key == "if") {
      read_step_conditions(file, v, step);
    } else {
      sequence_error(file, kv.first, "unknown key '" + key + "' in a step (template, after, if)");
    }
  }
  if (step.template_name.empty()) sequence_error(file, node, "a step needs a 'template'");
  if (index > 0 && !has_after) sequence_error(file, node, "step " + std::to_string(index + 1) + " needs 'after' (e.g. after: 3d)");
  return step;
}

} // namespace

std::optional<int64_t> parse_delay(const std::string &text) {
  if (text.size() < 2) return std::nullopt;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || n < 0) return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return std::nullopt;
  }
  if (n > 366 * 86400 / unit) return std::nullopt;
  return n * unit;
}

std::string step_campaign(const std::string &sequence, size_t n) { return "seq:" + sequence + ":" + std::to_string(n); }

std::filesystem::path find_sequence(const std::string &what, const std::filesystem::path &dir) {
  std::error_code ec;
  const bool looks_like_file = what.find('/') != std::string::npos || what.ends_with(".yaml") || what.ends_with(".yml");
  if (looks_like_file) {
    if (!std::filesystem::is_regular_file(what, ec)) throw UsageError("no sequence file " + what);
    return what;
  }
  if (what.empty() || what.find_first_of("/\\.") != std::string::npos) throw UsageError("'" + what + "' is not a sequence name");
  for (const char *ext : {".yaml", ".yml"}) {
    std::filesystem::path p = dir / (what + ext);
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  throw UsageError("no sequence '" + what + "' in " + dir.string() + " (give a file, or put " + what + ".yaml there)");
}

Sequence load_sequence(const std::filesystem::path &file) {
  Sequence seq;
  seq.file = file;
  seq.name = file.stem().string();
  YAML::Node doc;
  try {
    doc = load_yaml(text::read_file(file, {256 * 1024, "the sequence file limit (256 KiB)", ""}, "sequence file"));
  } catch (const YAML::Exception &e) {
    throw UsageError(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!doc.IsMap()) throw UsageError(file.string() + ":1: a sequence is a mapping with 'steps'");
  YAML::Node steps;
  for (const auto &kv : doc) {
    const std::string key = kv.first.as<std::string>();
    if (key == "name") {
      if (!kv.second.IsScalar() || kv.second.Scalar().empty() || kv.second.Scalar().find(':') != std::string::npos)
        sequence_error(file, kv.second, "'name' must be text without ':'");
      seq.name = kv.second.Scalar();
    } else if (key == "leads") {
      read_sequence_leads(file, kv.second, seq);
    } else if (key == "steps") {
      steps = kv.second;
    } else {
      sequence_error(file, kv.first, "unknown key '" + key + "' (name, leads, steps)");
    }
  }
  if (!steps || !steps.IsSequence() || steps.size() == 0) throw UsageError(file.string() + ":1: 'steps' must be a non-empty list");
  if (steps.size() > kMaxSequenceSteps) sequence_error(file, steps, "at most 50 steps");
  for (size_t i = 0; i < steps.size(); ++i) seq.steps.push_back(read_step(file, steps[i], i));
  return seq;
}

} // namespace webox::leads
