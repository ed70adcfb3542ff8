// The wording of a DM campaign: prompts/dm/NAME.md (Markdown with YAML
// front matter, Mustache in the body), the user's copy in
// ~/.config/webox/prompts/dm/ first, then the shipped one. draft.md is the
// system prompt of --draft-model (lib/leads/dm/drafter.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "lib/core/template.hpp"
#include "lib/leads/dm/campaign.hpp"

namespace webox::leads {

// The file of template `name`; a UsageError listing the templates there are
// when none has that name.
std::filesystem::path find_dm_prompt(const std::string &name);

// The body of a prompt file; a UsageError when it is empty.
std::string dm_prompt_body(const std::filesystem::path &file);

// Template `name`, parsed; a UsageError naming the file when it does not parse.
Template load_dm_template(const std::string &name);

// Renders the template once per lead before anything is sent: a field a
// lead lacks would go out as "Bonjour ," (sections over it are fine: they
// are false). Throws UsageError listing the first leads and what they lack.
void require_template_fields(const Template &tpl, const std::string &name, const std::vector<DmTarget> &targets);

} // namespace webox::leads
