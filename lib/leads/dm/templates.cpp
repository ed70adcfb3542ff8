#include "lib/leads/dm/templates.hpp"

#include <set>

#include "lib/core/error.hpp"
#include "lib/core/front_matter.hpp"
#include "lib/core/paths.hpp"

namespace webox::leads {
namespace {

std::vector<std::filesystem::path> dm_prompt_dirs() {
  return {paths::config_dir() / "prompts" / "dm", paths::shared_data_dir() / "prompts" / "dm"};
}

std::string known_templates() {
  std::string known;
  for (const auto &dir : dm_prompt_dirs()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    for (const auto &e : std::filesystem::directory_iterator(dir, ec))
      if (e.path().extension() == ".md" && e.path().stem() != "draft") known += (known.empty() ? "" : ", ") + e.path().stem().string();
  }
  return known.empty() ? "none" : known;
}

} // namespace

std::filesystem::path find_dm_prompt(const std::string &name) {
  // A name, never a path: `--template ../x` or a shared sequence file's
  // `template: ../../x` must not read a file outside prompts/dm/.
  if (name.empty() || name.front() == '.' || name.find_first_of("/\\") != std::string::npos || name.find('\0') != std::string::npos)
    throw UsageError("'" + name + "' is not a DM template name (a file name in prompts/dm/ without .md; no '/' nor a leading '.')");
  for (const auto &dir : dm_prompt_dirs()) {
    std::error_code ec;
    if (std::filesystem::exists(dir / (name + ".md"), ec)) return dir / (name + ".md");
  }
  throw UsageError("no DM template '" + name + "' in prompts/dm/ (available: " + known_templates() + ")");
}

std::string dm_prompt_body(const std::filesystem::path &file) {
  FrontMatterDoc doc = read_front_matter_file(file);
  if (doc.body.empty()) throw UsageError(file.string() + ": the template is empty");
  return doc.body;
}

Template load_dm_template(const std::string &name) {
  std::filesystem::path file = find_dm_prompt(name);
  try {
    return Template(dm_prompt_body(file));
  } catch (const TemplateError &e) {
    throw UsageError(file.string() + ": " + e.what());
  }
}

void require_template_fields(const Template &tpl, const std::string &name, const std::vector<DmTarget> &targets) {
  std::vector<std::string> missing;
  for (const auto &t : targets) {
    std::set<std::string> lacks;
    tpl.render(t.context, &lacks);
    if (lacks.empty()) continue;
    std::string names;
    for (const auto &n : lacks) names += (names.empty() ? "" : ", ") + n;
    missing.push_back("lead " + std::to_string(t.lead_id) + " (" + t.handle + "): " + names);
  }
  if (missing.empty()) return;
  std::string list;
  for (size_t i = 0; i < missing.size() && i < 10; ++i) list += "\n  " + missing[i];
  if (missing.size() > 10) list += "\n  ... and " + std::to_string(missing.size() - 10) + " more";
  throw UsageError("template '" + name + "' uses fields some leads do not have; nothing was sent (narrow the "
                   "selection or change the template):" + list);
}

} // namespace webox::leads
