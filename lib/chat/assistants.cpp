#include "lib/chat/assistants.hpp"

#include <algorithm>
#include <map>

#include <utf8proc.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include "lib/core/error.hpp"
#include "lib/core/front_matter.hpp"
#include "lib/core/paths.hpp"

namespace webox::chat {
namespace {

namespace fs = std::filesystem;

// Case-folded, accents stripped: "Rédacteur" -> "redacteur".
std::string fold(const std::string &text) {
  utf8proc_uint8_t *out = nullptr;
  auto options = static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t *>(text.c_str()),
                                    static_cast<utf8proc_ssize_t>(text.size()), &out, options);
  if (n < 0) return text;
  std::string folded(reinterpret_cast<char *>(out), static_cast<size_t>(n));
  std::free(out);
  return folded;
}

std::vector<fs::path> assistant_dirs() {
  return {paths::config_dir() / "prompts" / "assistants", paths::shared_data_dir() / "prompts" / "assistants"};
}

} // namespace

Assistant parse_assistant(const fs::path &file) {
  FrontMatterDoc doc = read_front_matter_file(file);
  Assistant a;
  a.file = file;
  a.name = file.stem().string();
  try {
    const YAML::Node &meta = doc.meta;
    if (meta["name"]) a.name = meta["name"].as<std::string>();
    if (meta["description"]) a.description = meta["description"].as<std::string>();
    if (meta["model"]) a.model = meta["model"].as<std::string>();
    if (meta["temperature"]) a.temperature = meta["temperature"].as<double>();
    if (meta["aliases"])
      for (const auto &alias : meta["aliases"]) a.aliases.push_back(alias.as<std::string>());
  } catch (const YAML::Exception &e) {
    throw Error(file.string() + ": front matter: " + e.what());
  }
  a.system_prompt = doc.body;
  if (a.system_prompt.empty()) throw Error(file.string() + ": the assistant has no prompt");
  return a;
}

std::vector<Assistant> list_assistants() {
  std::map<std::string, Assistant> by_name;
  for (const auto &dir : assistant_dirs()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto &e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".md") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto &f : files) {
      try {
        Assistant a = parse_assistant(f);
        by_name.emplace(fold(a.name), std::move(a)); // emplace keeps the user's, met first
      } catch (const Error &e) {
        // One broken file must not take every other assistant down with it.
        spdlog::warn("skipping assistant {}", e.what());
      }
    }
  }
  std::vector<Assistant> out;
  for (auto &kv : by_name) out.push_back(std::move(kv.second));
  return out;
}

Assistant find_assistant(const std::string &name) {
  std::string wanted = fold(name);
  std::vector<Assistant> all = list_assistants();
  for (const auto &a : all) {
    if (fold(a.name) == wanted || fold(a.file.stem().string()) == wanted) return a;
    for (const auto &alias : a.aliases)
      if (fold(alias) == wanted) return a;
  }
  std::string names;
  for (const auto &a : all) names += (names.empty() ? "" : ", ") + a.name;
  throw UsageError("no assistant '" + name + "'" + (names.empty() ? "" : " (available: " + names + ")"));
}

} // namespace webox::chat
