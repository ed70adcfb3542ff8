// Assistants: named system prompts shipped in prompts/assistants/ (and the
// user's own in $XDG_CONFIG_HOME/webox/prompts/assistants/, which win).
//
// Each is a Markdown file whose YAML front matter gives `name`,
// `description`, optional `aliases`, `model` and `temperature`; the body is
// the system prompt.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace webox::chat {

struct Assistant {
  std::string name;
  std::string description;
  std::vector<std::string> aliases;
  std::string model;                // "" = none suggested
  std::optional<double> temperature;
  std::string system_prompt;
  std::filesystem::path file;
};

// Every assistant, user ones first shadowing shipped ones of the same name.
std::vector<Assistant> list_assistants();

// Finds by name, alias or file name, ignoring case and accents' absence
// ("redacteur" finds "rédacteur"). Throws webox::UsageError listing the
// available names when none matches.
Assistant find_assistant(const std::string &name);

// Parses one assistant file (exposed for tests). Throws webox::Error.
Assistant parse_assistant(const std::filesystem::path &file);

} // namespace webox::chat
