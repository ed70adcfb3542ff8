// `when:` conditions. A condition is a template rendered against the run's
// data, then read as:
//   "A == B" / "A != B"   the two sides compared as trimmed text
//   anything else         true unless empty, "false", "no", "0", "off" or "null"
// so `when: "{{inputs.platform}} == instagram"` and
// `when: "{{steps.classify.json.is_lead}}"` both read naturally, with no
// expression language to learn.
#pragma once

#include <string>

namespace webox::workflow {

bool condition_holds(const std::string &rendered);

} // namespace webox::workflow
