#include "lib/plugin/registry.hpp"

#include <algorithm>
#include <set>

#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"

#ifndef WEBOX_INSTALL_PLUGIN_DIR
#define WEBOX_INSTALL_PLUGIN_DIR "/usr/local/lib/webox/plugins"
#endif

namespace webox::plugin {

namespace fs = std::filesystem;

Registry::Registry(std::vector<fs::path> search_path) : m_search_path(std::move(search_path)) {}

std::vector<fs::path> Registry::default_search_path(const std::vector<std::string> &plugin_dirs) {
  std::vector<fs::path> out;
  for (const auto &d : plugin_dirs) out.push_back(fs::absolute(d)); // explicit: the user asked
  std::string env = paths::env("WEBOX_PLUGIN_PATH");
  size_t start = 0;
  while (start <= env.size() && !env.empty()) {
    size_t colon = env.find(':', start);
    std::string entry = env.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!entry.empty() && entry.front() == '/') out.emplace_back(entry);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  out.push_back(paths::data_dir() / "plugins");
  out.push_back(paths::exe_dir().parent_path() / "lib" / "webox" / "plugins");
  out.emplace_back(WEBOX_INSTALL_PLUGIN_DIR);
  // The same folder reached twice (build tree == prefix) is scanned once.
  std::vector<fs::path> unique;
  std::set<std::string> seen;
  for (const auto &p : out) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(p, ec);
    if (seen.insert((ec ? p : canonical).string()).second) unique.push_back(ec ? p : canonical);
  }
  return unique;
}

void Registry::scan() {
  if (m_scanned) return;
  m_scanned = true;
  std::set<std::string> taken;
  for (const auto &root : m_search_path) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;
    std::vector<fs::path> dirs;
    for (const auto &entry : fs::directory_iterator(root, ec))
      if (entry.is_directory(ec) && fs::exists(entry.path() / "plugin.json", ec)) dirs.push_back(entry.path());
    std::sort(dirs.begin(), dirs.end());
    for (const auto &dir : dirs) {
      try {
        Manifest m = read_manifest(dir);
        if (!taken.insert(m.id).second) {
          m_problems.push_back({dir, "shadowed by an earlier plugin with id '" + m.id + "'"});
          continue;
        }
        m_manifests.push_back(std::move(m));
      } catch (const Error &e) {
        m_problems.push_back({dir, e.what()});
      }
    }
  }
  std::sort(m_manifests.begin(), m_manifests.end(),
            [](const Manifest &a, const Manifest &b) { return a.id < b.id; });
}

const std::vector<Manifest> &Registry::manifests() {
  scan();
  return m_manifests;
}

const std::vector<Problem> &Registry::problems() {
  scan();
  return m_problems;
}

const Manifest *Registry::find(const std::string &id) {
  for (const auto &m : manifests())
    if (m.id == id) return &m;
  return nullptr;
}

std::vector<std::string> Registry::ids() {
  std::vector<std::string> out;
  for (const auto &m : manifests()) out.push_back(m.id);
  return out;
}

const LoadedPlugin &Registry::load(const std::string &id) {
  auto it = m_loaded.find(id);
  if (it != m_loaded.end()) return *it->second;
  const Manifest *m = find(id);
  if (!m) {
    for (const auto &p : problems())
      if (p.dir.filename() == id) throw Error("plugin " + id + " is installed but refused: " + p.reason);
    std::string hint = closest_match(id, ids());
    throw UsageError("no plugin '" + id + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                     "; 'webox plugins list' shows what is installed");
  }
  auto loaded = load_plugin(*m);
  const LoadedPlugin &ref = *loaded;
  m_loaded.emplace(id, std::move(loaded));
  return ref;
}

std::string closest_match(const std::string &word, const std::vector<std::string> &candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto &c : candidates) {
    std::vector<size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= c.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (word[i - 1] == c[j - 1] ? 0 : 1)});
      std::swap(prev, cur);
    }
    if (prev[c.size()] < best_distance) {
      best_distance = prev[c.size()];
      best = c;
    }
  }
  return best;
}

} // namespace webox::plugin
