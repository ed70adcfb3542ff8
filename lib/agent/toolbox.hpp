// The tools offered to a model, under names that cannot collide.
//
// Naming rule (documented in webox-chat(1), TOOLS): a built-in tool goes by
// its bare name ("read_file"); any other source's tool by
// "<source>_<tool>" ("fs_read_text_file"), every character outside
// [a-zA-Z0-9_-] replaced by '_', as every provider accepts names matching
// ^[a-zA-Z0-9_-]{1,64}$. A name longer than 64 characters, or two tools
// that end up with the same name, are refused (exit 2) with both owners
// named: webox never renames silently. Allow-lists and logs use the
// qualified name "<source>.<tool>" ("fs.read_text_file"; built-ins: bare).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/agent/tool_source.hpp"

namespace webox::agent {

struct OfferedTool {
  std::string offered;    // the name the model sees
  std::string qualified;  // "fs.read_text_file", or "read_file" for a built-in
  ToolSpec spec;
  ToolSource *source = nullptr;
};

class Toolbox {
public:
  Toolbox() = default;
  // Lists every source's tools (may start servers). Throws UsageError on a
  // collision or an impossible name.
  explicit Toolbox(std::vector<std::shared_ptr<ToolSource>> sources);

  bool empty() const { return m_tools.empty(); }
  const std::vector<OfferedTool> &tools() const { return m_tools; }
  const OfferedTool *find(const std::string &offered) const;
  // The request's "tools" list (ABI 1.3: name, description, input_schema).
  nlohmann::json definitions() const;
  // "read_file, fs_read_text_file" for messages.
  std::string names() const;

private:
  std::vector<std::shared_ptr<ToolSource>> m_sources;
  std::vector<OfferedTool> m_tools;
};

// The offered name of `tool` from `source` ("builtin" keeps it bare).
std::string offered_name(const std::string &source, const std::string &tool);

} // namespace webox::agent
