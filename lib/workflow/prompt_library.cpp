#include "lib/workflow/prompt_library.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>

#include <spdlog/spdlog.h>

#include "lib/core/atomic_file.hpp"
#include "lib/core/error.hpp"
#include "lib/core/front_matter.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/template.hpp"

namespace webox::workflow {
namespace {

namespace fs = std::filesystem;

std::vector<std::pair<fs::path, bool>> prompt_dirs() {
  return {{user_prompt_dir(), true}, {paths::shared_data_dir() / "prompts", false}};
}

std::string text_of(const YAML::Node &n) { return n && n.IsScalar() ? n.Scalar() : ""; }

} // namespace

fs::path user_prompt_dir() { return paths::config_dir() / "prompts"; }

LibraryPrompt parse_library_prompt(const fs::path &file) {
  FrontMatterDoc doc = read_front_matter_file(file);
  LibraryPrompt p;
  p.file = file;
  p.name = file.stem().string();
  try {
    const YAML::Node &m = doc.meta;
    if (m["name"]) p.name = text_of(m["name"]);
    p.category = m["category"] ? text_of(m["category"]) : "other";
    p.description = text_of(m["description"]);
    p.model = text_of(m["model"]);
    p.system = text_of(m["system"]);
    if (const YAML::Node &vars = m["variables"]) {
      if (vars.IsSequence())
        for (const auto &v : vars) p.variables.emplace_back(v.as<std::string>(), "");
      else if (vars.IsMap())
        for (const auto &kv : vars) p.variables.emplace_back(kv.first.as<std::string>(), text_of(kv.second));
    }
  } catch (const YAML::Exception &e) {
    throw Error(file.string() + ": front matter: " + e.what());
  }
  p.body = doc.body;
  if (p.body.empty()) throw Error(file.string() + ": the prompt has no text");
  try {
    Template check(p.body);
  } catch (const TemplateError &e) {
    throw Error(file.string() + ": " + e.what());
  }
  return p;
}

std::vector<LibraryPrompt> list_library_prompts() {
  std::map<std::string, LibraryPrompt> by_name;
  for (const auto &[dir, user] : prompt_dirs()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto &e : fs::directory_iterator(dir, ec))
      if (e.is_regular_file() && e.path().extension() == ".md") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto &f : files) {
      try {
        LibraryPrompt p = parse_library_prompt(f);
        p.user = user;
        by_name.emplace(p.name, std::move(p)); // the user's, met first, stays
      } catch (const Error &e) {
        spdlog::warn("skipping prompt {}", e.what());
      }
    }
  }
  std::vector<LibraryPrompt> out;
  for (auto &kv : by_name) out.push_back(std::move(kv.second));
  std::stable_sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.category < b.category; });
  return out;
}

LibraryPrompt find_library_prompt(const std::string &name) {
  std::vector<LibraryPrompt> all = list_library_prompts();
  for (auto &p : all)
    if (p.name == name || p.file.stem() == name) return std::move(p);
  std::string near;
  for (const auto &p : all)
    if (p.name.find(name) != std::string::npos || name.find(p.name) != std::string::npos)
      near += (near.empty() ? "" : ", ") + p.name;
  throw UsageError("no prompt '" + name + "' in the library" +
                   (near.empty() ? " (see 'webox prompts list')" : " (did you mean: " + near + "?)"));
}

fs::path create_library_prompt(const std::string &name, const std::string &category, const std::string &description) {
  static const std::regex slug("[a-z0-9][a-z0-9-]*");
  if (!std::regex_match(name, slug)) throw UsageError("prompt name '" + name + "': use lowercase letters, digits and '-'");
  fs::path dir = user_prompt_dir();
  fs::create_directories(dir);
  fs::path file = dir / (name + ".md");
  std::error_code ec;
  if (fs::exists(file, ec)) throw UsageError(file.string() + " already exists");
  AtomicFile out(file);
  out.write("---\nname: " + name + "\ncategory: " + (category.empty() ? "other" : category) +
            "\ndescription: " + (description.empty() ? "What this prompt does" : description) +
            "\nvariables:\n  text: The text to work on\n---\n"
            "Write the prompt here. Variables are Mustache tags: {{text}}\n");
  // Never over a prompt created meanwhile (the check above is only for the message).
  if (!out.commit_if_absent()) throw UsageError(file.string() + " already exists");
  return file;
}

} // namespace webox::workflow
