// Whether a tool call may run: asked before it runs, never after.
//
// A call runs when its tool is allowed: by --yes (everything), by a pattern
// of the config's `tools: {allow: [...]}` (fnmatch over the qualified name:
// "fs.*", "read_file"), by "always" answered earlier in this process, or
// because it is a read-only built-in (read_file, list_dir: they only read
// below the root the user chose, see webox-chat(1)). Otherwise, on a
// terminal, the user is asked (yes / no / always); without one, the call is
// refused before it runs and the command exits 2 naming the tool and the
// flag that would allow it.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace webox::agent {

enum class Answer { yes, no, always };
enum class Decision { run, denied };

// Asks the user about one call; empty when there is no terminal to ask on.
using Asker = std::function<Answer(const std::string &qualified, const nlohmann::json &arguments)>;

class Approval {
public:
  Approval(std::vector<std::string> allow_patterns, bool yes, Asker asker);
  // `read_only`: a read-only built-in. Throws UsageError (exit 2) when
  // nobody can be asked.
  Decision decide(const std::string &qualified, bool read_only, const nlohmann::json &arguments);
  bool allowed_without_asking(const std::string &qualified, bool read_only) const;

private:
  std::vector<std::string> m_patterns;
  bool m_yes;
  Asker m_asker;
  std::set<std::string> m_always;
};

} // namespace webox::agent
