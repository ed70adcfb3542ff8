// Finding plugins: the search path and the manifests along it.
//
// Order, first hit per id wins: --plugin-dir flags, WEBOX_PLUGIN_PATH
// (colon-separated), $XDG_DATA_HOME/webox/plugins, <exe>/../lib/webox/plugins
// (so a build tree works uninstalled), the install prefix. The current
// directory is never searched, and relative entries of WEBOX_PLUGIN_PATH are
// ignored: a plugin is code that runs with the user's keys.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/plugin/loader.hpp"
#include "lib/plugin/manifest.hpp"

namespace webox::plugin {

struct Problem {
  std::filesystem::path dir;
  std::string reason;
};

class Registry {
public:
  explicit Registry(std::vector<std::filesystem::path> search_path);

  // The search path for the given --plugin-dir flags and the environment.
  static std::vector<std::filesystem::path> default_search_path(const std::vector<std::string> &plugin_dirs);

  const std::vector<std::filesystem::path> &search_path() const { return m_search_path; }

  // Valid manifests, sorted by id (reads plugin.json files only).
  const std::vector<Manifest> &manifests();
  // Folders that looked like plugins but were refused, and shadowed duplicates.
  const std::vector<Problem> &problems();

  const Manifest *find(const std::string &id);

  // Loads (once) and checks the plugin `id`. Throws webox::Error.
  const LoadedPlugin &load(const std::string &id);

  // The installed ids, for "did you mean" suggestions.
  std::vector<std::string> ids();

private:
  void scan();
  std::vector<std::filesystem::path> m_search_path;
  bool m_scanned = false;
  std::vector<Manifest> m_manifests;
  std::vector<Problem> m_problems;
  std::map<std::string, std::unique_ptr<LoadedPlugin>> m_loaded;
};

// The candidate closest to `word` by edit distance, or "" when none is close.
std::string closest_match(const std::string &word, const std::vector<std::string> &candidates);

} // namespace webox::plugin
