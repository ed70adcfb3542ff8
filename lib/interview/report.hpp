// Sessions as people read them: `interview show` (text or Markdown: the
// export), `interview history` lines and the `interview progress` table
// with a sparkline per criterion.
#pragma once

#include <string>
#include <vector>

#include "lib/interview/interview_store.hpp"

namespace webox::interview {

std::string session_markdown(const SessionRecord &s);
std::string session_text(const SessionRecord &s);
std::string history_line(const SessionRecord &s);

// One row per criterion (and "overall"), one column per session, oldest
// first, then the trend as a sparkline; "-" where a session has no score.
std::string progress_table(const std::vector<ProgressPoint> &points);
nlohmann::json progress_json(const std::vector<ProgressPoint> &points);

// "▁▃▅█" from values in [0, 10]; a space for a missing one (NaN).
std::string sparkline(const std::vector<double> &values);

} // namespace webox::interview
