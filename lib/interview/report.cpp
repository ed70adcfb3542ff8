#include "lib/interview/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace webox::interview {
namespace {

using nlohmann::json;

std::string report_number(double v, const char *format = "%.1f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string optional_score(const std::optional<double> &v) { return v ? report_number(*v) + "/10" : "no score"; }

std::string summary_field(const SessionRecord &s, const char *field) {
  return s.summary.is_object() && s.summary.contains(field) && s.summary[field].is_string()
             ? s.summary[field].get<std::string>()
             : "";
}

} // namespace

std::string sparkline(const std::vector<double> &values) {
  static const char *const kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::string out;
  for (double v : values) {
    if (std::isnan(v)) {
      out += " ";
      continue;
    }
    int i = static_cast<int>(std::lround(std::clamp(v, 0.0, 10.0) / 10.0 * 7));
    out += kBars[i];
  }
  return out;
}

std::string history_line(const SessionRecord &s) {
  // "2026-12-07 22:21": the minute is enough in a list (show gives the rest).
  std::string started = s.started_at.substr(0, 16);
  if (started.size() > 10 && started[10] == 'T') started[10] = ' ';
  char line[512];
  std::snprintf(line, sizeof line, "%-5lld %-16s %-20s %-11s %2d turn%s  %s", static_cast<long long>(s.id),
                started.c_str(), s.scenario.c_str(), s.status.c_str(), s.turn_count, s.turn_count == 1 ? " " : "s",
                optional_score(s.overall_score).c_str());
  return line;
}

std::string session_text(const SessionRecord &s) {
  std::string out = "session " + std::to_string(s.id) + ": " + s.title + " (" + s.scenario + "), role " + s.role + "\n";
  out += "started " + s.started_at + (s.ended_at.empty() ? "" : ", ended " + s.ended_at) + ", " + s.status + "\n";
  out += "models: " + s.model + ", speech " + s.tts_model + ", transcription " + s.stt_model + "\n";
  out += "overall: " + optional_score(s.overall_score) + "\n";
  for (const auto &t : s.turns) {
    out += "\n[" + std::to_string(t.turn) + "] Q: " + t.question +
           "\n    A: " + (t.transcript.empty() ? "(silent)" : t.transcript) + "\n";
    if (!t.scores.empty()) {
      out += "    scores:";
      for (const auto &[c, v] : t.scores) out += " " + c + " " + report_number(v, "%g");
      out += " → " + optional_score(t.score) + "\n";
    }
    if (!t.feedback.empty()) out += "    feedback: " + t.feedback + "\n";
    if (!t.note.empty()) out += "    note: " + t.note + "\n";
    out += "    " + metrics_line(t.metrics) + "\n";
  }
  if (s.summary.is_object()) {
    out += "\nstrengths: " + summary_field(s, "strengths") + "\n";
    out += "to improve: " + summary_field(s, "improvements") + "\n";
    out += "summary: " + summary_field(s, "summary") + "\n";
  }
  return out;
}

std::string session_markdown(const SessionRecord &s) {
  std::string out = "# " + s.title + " — session " + std::to_string(s.id) + "\n\n";
  out += "- Role: " + s.role + "\n- Started: " + s.started_at + "\n- Status: " + s.status + "\n- Models: " + s.model +
         " (questions, evaluation), " + s.tts_model + " (speech), " + s.stt_model +
         " (transcription)\n- Overall: " + optional_score(s.overall_score) + "\n";
  for (const auto &t : s.turns) {
    out += "\n## Question " + std::to_string(t.turn) + "\n\n> " + t.question + "\n\n**Answer:** " +
           (t.transcript.empty() ? "*(silent)*" : t.transcript) + "\n\n";
    if (!t.scores.empty()) {
      out += "| criterion | score |\n|---|---|\n";
      for (const auto &[c, v] : t.scores) out += "| " + c + " | " + report_number(v, "%g") + " |\n";
      out += "| **weighted** | **" + optional_score(t.score) + "** |\n\n";
    }
    if (!t.feedback.empty()) out += "**Feedback:** " + t.feedback + "\n\n";
    if (!t.note.empty()) out += "*" + t.note + "*\n\n";
    out += "*How it was said:* " + metrics_line(t.metrics) + "\n";
  }
  if (s.summary.is_object()) {
    out += "\n## Summary\n\n**Strengths:** " + summary_field(s, "strengths") + "\n\n**To improve:** " +
           summary_field(s, "improvements") + "\n\n" + summary_field(s, "summary") + "\n";
  }
  return out;
}

std::string progress_table(const std::vector<ProgressPoint> &points) {
  std::set<std::string> criteria;
  for (const auto &p : points)
    for (const auto &[c, _] : p.criteria) criteria.insert(c);
  std::string out;
  char cell[64];
  std::snprintf(cell, sizeof cell, "%-16s", "criterion");
  out += cell;
  for (const auto &p : points) {
    std::snprintf(cell, sizeof cell, " %6lld", static_cast<long long>(p.session_id));
    out += cell;
  }
  out += "  trend\n";
  auto row = [&](const std::string &name, auto value_of) {
    std::snprintf(cell, sizeof cell, "%-16.16s", name.c_str());
    out += cell;
    std::vector<double> values;
    for (const auto &p : points) {
      std::optional<double> v = value_of(p);
      values.push_back(v ? *v : NAN);
      std::snprintf(cell, sizeof cell, " %6s", v ? report_number(*v).c_str() : "-");
      out += cell;
    }
    out += "  " + sparkline(values) + "\n";
  };
  for (const auto &c : criteria)
    row(c, [&](const ProgressPoint &p) -> std::optional<double> {
      auto it = p.criteria.find(c);
      return it == p.criteria.end() ? std::nullopt : std::optional<double>(it->second);
    });
  row("overall", [](const ProgressPoint &p) { return p.overall_score; });
  return out;
}

json progress_json(const std::vector<ProgressPoint> &points) {
  json out = json::array();
  for (const auto &p : points)
    out.push_back({{"session", p.session_id},
                   {"started_at", p.started_at},
                   {"scenario", p.scenario},
                   {"criteria", p.criteria},
                   {"overall_score", p.overall_score ? json(*p.overall_score) : json()}});
  return out;
}

} // namespace webox::interview
