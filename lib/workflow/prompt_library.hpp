// The prompt library: reusable prompt templates, one Markdown file each,
// with YAML front matter (name, category, description, variables, model,
// system); the body is the Mustache template of the user message.
//
// Shipped prompts live in <share>/webox/prompts/*.md; the user's own in
// $XDG_CONFIG_HOME/webox/prompts/*.md, which win over shipped ones of the
// same name. (Subfolders — assistants/, judge/, dm/ — hold other kinds.)
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace webox::workflow {

struct LibraryPrompt {
  std::string name;
  std::string category;
  std::string description;
  std::vector<std::pair<std::string, std::string>> variables; // name, description
  std::string model;  // suggested model, "" = none
  std::string system; // system prompt, "" = none
  std::string body;   // the template
  std::filesystem::path file;
  bool user = false;  // from the user's folder
};

std::filesystem::path user_prompt_dir();

// Parses one file. Throws webox::Error.
LibraryPrompt parse_library_prompt(const std::filesystem::path &file);

// Every prompt, sorted by category then name; a broken file is skipped with
// a warning (one bad file must not hide the others).
std::vector<LibraryPrompt> list_library_prompts();

// By name (or file stem). Throws webox::UsageError naming the available ones.
LibraryPrompt find_library_prompt(const std::string &name);

// Writes a new prompt skeleton in the user's folder and returns its path.
// Throws webox::UsageError when the name is not a slug or already exists.
std::filesystem::path create_library_prompt(const std::string &name, const std::string &category,
                                            const std::string &description);

} // namespace webox::workflow
