#include "lib/chat/model_catalog.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "lib/chat/prices.hpp"
#include "lib/core/atomic_file.hpp"
#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/core/paths.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::chat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A provider's list is a few hundred entries; anything far larger is not a
// cache webox wrote.
constexpr std::uintmax_t kMaxCacheBytes = 8u << 20;

std::string ascii_lowercase(std::string s) {
  for (char &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<CatalogEntry> entry_from_json(const std::string &provider, const json &j) {
  if (!j.is_object() || !j.contains("model") || !j["model"].is_string()) return std::nullopt;
  CatalogEntry e;
  e.provider = provider;
  e.model = j["model"].get<std::string>();
  if (e.model.empty()) return std::nullopt;
  e.source = "endpoint";
  if (j.contains("display_name") && j["display_name"].is_string()) e.display_name = j["display_name"];
  if (j.contains("capabilities") && j["capabilities"].is_array())
    for (const auto &c : j["capabilities"])
      if (c.is_string()) e.capabilities.push_back(c);
  if (j.contains("context_window") && j["context_window"].is_number_integer()) e.context_window = j["context_window"].get<int64_t>();
  return e;
}

// The providers webox can name: installed plugins and configured instances.
std::vector<std::string> provider_names(const Config &config, plugin::Registry &registry) {
  std::set<std::string> names;
  for (const auto &m : registry.manifests()) names.insert(m.id);
  for (const auto &p : config.providers) names.insert(p.first);
  return {names.begin(), names.end()};
}

std::vector<CatalogEntry> cached_entries(const Config &config, plugin::Registry &registry) {
  std::vector<CatalogEntry> out;
  for (const auto &provider : provider_names(config, registry))
    if (auto list = read_cached_list(provider))
      for (auto &e : list->models) out.push_back(std::move(e));
  return out;
}

std::vector<CatalogEntry> manifest_entries(plugin::Registry &registry) {
  std::vector<CatalogEntry> out;
  for (const auto &m : registry.manifests())
    for (const auto &name : m.models) out.push_back({m.id, name, "manifest", "", {}, std::nullopt, std::nullopt});
  return out;
}

// A provider name from the config is a file name here: nothing that could
// leave the cache folder.
bool safe_file_name(const std::string &name) {
  if (name.empty() || name.size() > 100 || name[0] == '.') return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

} // namespace

fs::path model_cache_file(const std::string &provider) { return paths::cache_dir() / "models" / (provider + ".json"); }

std::optional<CachedList> read_cached_list(const std::string &provider) {
  if (!safe_file_name(provider)) return std::nullopt;
  fs::path file = model_cache_file(provider);
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec || size > kMaxCacheBytes) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  json doc = parse_json_or_discarded(text.str());
  if (!doc.is_object() || !doc.contains("models") || !doc["models"].is_array() || !doc.contains("fetched_at") ||
      !doc["fetched_at"].is_number_integer())
    return std::nullopt;
  CachedList list;
  list.provider = provider;
  list.fetched_at = doc["fetched_at"].get<int64_t>();
  for (const auto &j : doc["models"])
    if (auto e = entry_from_json(provider, j)) list.models.push_back(std::move(*e));
  return list;
}

void write_cached_list(const CachedList &list) {
  json models = json::array();
  for (const auto &e : list.models) {
    json j = entry_json(e);
    j.erase("provider");
    j.erase("source");
    j.erase("price"); // merged when read: prices.json may change meanwhile
    j["model"] = e.model;
    models.push_back(std::move(j));
  }
  if (!safe_file_name(list.provider))
    throw UsageError("provider name '" + list.provider + "' cannot name a cache file (letters, digits, '-', '_', '.')");
  json doc = {{"provider", list.provider}, {"fetched_at", list.fetched_at}, {"models", models}};
  fs::path file = model_cache_file(list.provider);
  paths::ensure_private_dir(file.parent_path());
  write_file_atomically(file, doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", {0600, {}});
}

std::vector<CatalogEntry> catalog(const Config &config, plugin::Registry &registry) {
  std::vector<CatalogEntry> out = cached_entries(config, registry);
  std::set<std::string> seen;
  for (const auto &e : out) seen.insert(e.text());
  for (auto &e : manifest_entries(registry))
    if (seen.insert(e.text()).second) out.push_back(std::move(e));
  PriceTable prices = PriceTable::for_config(config);
  for (auto &e : out) e.price = prices.price(e.provider, e.model);
  std::sort(out.begin(), out.end(), [](const CatalogEntry &a, const CatalogEntry &b) {
    return a.provider != b.provider ? a.provider < b.provider : a.model < b.model;
  });
  return out;
}

std::vector<CatalogEntry> search_catalog(const std::vector<CatalogEntry> &entries, const std::string &text) {
  std::string wanted = ascii_lowercase(text);
  std::vector<CatalogEntry> out;
  for (const auto &e : entries) {
    std::string haystack = ascii_lowercase(e.text() + " " + e.display_name);
    for (const auto &c : e.capabilities) haystack += " " + c;
    if (haystack.find(wanted) != std::string::npos) out.push_back(e);
  }
  return out;
}

std::vector<CatalogEntry> providers_of(const std::string &model, const Config &config, plugin::Registry &registry) {
  for (auto from : {cached_entries(config, registry), manifest_entries(registry)}) {
    std::vector<CatalogEntry> out;
    for (auto &e : from)
      if (e.model == model) out.push_back(std::move(e));
    if (!out.empty()) return out;
  }
  return {};
}

std::vector<std::string> model_names(const Config &config, plugin::Registry &registry) {
  std::set<std::string> names;
  for (const auto &e : cached_entries(config, registry)) names.insert(e.model);
  for (const auto &e : manifest_entries(registry)) names.insert(e.model);
  return {names.begin(), names.end()};
}

std::vector<std::pair<std::string, int64_t>> stale_lists(const Config &config, plugin::Registry &registry) {
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto &provider : provider_names(config, registry))
    if (auto list = read_cached_list(provider); list && now - list->fetched_at > kModelCacheTtlSeconds)
      out.emplace_back(provider, now - list->fetched_at);
  return out;
}

std::string format_age(int64_t seconds) {
  if (seconds < 120) return std::to_string(std::max<int64_t>(0, seconds)) + " s";
  if (seconds < 2 * 3600) return std::to_string(seconds / 60) + " min";
  if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + " h";
  return std::to_string(seconds / 86400) + " d";
}

json entry_json(const CatalogEntry &e) {
  json j = {{"model", e.text()}, {"provider", e.provider}, {"source", e.source}};
  if (!e.display_name.empty()) j["display_name"] = e.display_name;
  if (!e.capabilities.empty()) j["capabilities"] = e.capabilities;
  if (e.context_window) j["context_window"] = *e.context_window;
  if (e.price) j["price"] = {{"input", e.price->input_per_million}, {"output", e.price->output_per_million}};
  return j;
}

} // namespace webox::chat
