// `chat -t NAME`: a prompt of the library (lib/workflow/prompt_library)
// filled for one chat turn.
//
// The variables come from `--var name=value` (`name=@path` reads a file);
// the chat's own input (standard input, then the prompt words) is
// `{{input}}`. A template that never says `{{input}}` takes the input in
// its one variable left unset (`git diff | webox chat -t commit-message`
// fills {{diff}}), or else after its text, separated by a blank line, so
// that piping a document into any library prompt works. A variable the template uses but nobody gave, or a
// --var the template does not know, is a usage error naming it: a prompt
// never goes out with a hole in it.
#pragma once

#include <string>
#include <vector>

#include "lib/workflow/prompt_library.hpp"

namespace webox::chat {

struct FilledTemplate {
  std::string user;   // the rendered user message
  std::string system; // the prompt's system text, rendered ("" = none)
  std::string model;  // the model it suggests ("" = none)
};

// Renders `prompt` with `vars` ("name=value" / "name=@file") and `input`.
// Throws webox::UsageError (exit 2) naming a missing or unknown variable,
// a malformed --var, or an unreadable @file.
FilledTemplate fill_template(const workflow::LibraryPrompt &prompt, const std::vector<std::string> &vars,
                             const std::string &input);

} // namespace webox::chat
