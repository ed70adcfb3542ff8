#include "lib/agent/approval.hpp"

#include <fnmatch.h>

#include "lib/core/error.hpp"

namespace webox::agent {

Approval::Approval(std::vector<std::string> allow_patterns, bool yes, Asker asker)
    : m_patterns(std::move(allow_patterns)), m_yes(yes), m_asker(std::move(asker)) {}

bool Approval::allowed_without_asking(const std::string &qualified, bool read_only) const {
  if (m_yes || read_only || m_always.count(qualified)) return true;
  for (const auto &p : m_patterns)
    if (::fnmatch(p.c_str(), qualified.c_str(), 0) == 0) return true;
  return false;
}

Decision Approval::decide(const std::string &qualified, bool read_only, const nlohmann::json &arguments) {
  if (allowed_without_asking(qualified, read_only)) return Decision::run;
  if (!m_asker)
    throw UsageError("the model called " + qualified +
                     ", which needs permission and there is no terminal to ask: refused before it ran "
                     "(allow it with --yes, or with 'tools: {allow: [" + qualified + "]}' in the config)");
  switch (m_asker(qualified, arguments)) {
    case Answer::always: m_always.insert(qualified); return Decision::run;
    case Answer::yes: return Decision::run;
    default: return Decision::denied;
  }
}

} // namespace webox::agent
