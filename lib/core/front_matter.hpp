// Markdown files with YAML front matter — assistants, the prompt library,
// DM templates:
//
//   ---
//   name: resume-article
//   description: ...
//   ---
//   The body, here a prompt template.
#pragma once

#include <filesystem>
#include <string>

#include <yaml-cpp/yaml.h>

namespace webox {

struct FrontMatterDoc {
  YAML::Node meta;  // a null node when the file has no front matter
  std::string body; // trimmed
};

// Splits `text`; `file` names it in errors. Throws webox::Error for front
// matter that is not closed or not YAML.
FrontMatterDoc split_front_matter(const std::string &text, const std::filesystem::path &file);

// Reads and splits `file`. Throws webox::Error when it cannot be read.
FrontMatterDoc read_front_matter_file(const std::filesystem::path &file);

} // namespace webox
