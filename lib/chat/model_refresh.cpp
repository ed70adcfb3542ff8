#include "lib/chat/model_refresh.hpp"

#include <chrono>
#include <set>


#include "lib/chat/model_catalog.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::chat {
namespace {

// The most models kept per provider (OpenRouter lists a few hundred).
constexpr int64_t kModelLimit = 2000;

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string plugin_of(const std::string &instance, const Config &config) {
  auto it = config.providers.find(instance);
  return it == config.providers.end() || it->second.plugin.empty() ? instance : it->second.plugin;
}

bool can_list(const std::string &instance, const Config &config, plugin::Registry &registry) {
  const plugin::Manifest *m = registry.find(plugin_of(instance, config));
  return m && (m->capabilities & WEBOX_CAP_LIST_MODELS);
}

// Every instance whose plugin can list: plugins by their own name, and
// configured instances of them.
std::vector<std::string> listing_providers(const Config &config, plugin::Registry &registry) {
  std::set<std::string> names;
  for (const auto &m : registry.manifests())
    if (m.capabilities & WEBOX_CAP_LIST_MODELS) names.insert(m.id);
  for (const auto &p : config.providers)
    if (can_list(p.first, config, registry)) names.insert(p.first);
  return {names.begin(), names.end()};
}

CachedList to_list(const std::string &provider, const nlohmann::json &result) {
  CachedList list;
  list.provider = provider;
  list.fetched_at = now_seconds();
  const nlohmann::json &models = result.contains("models") ? result["models"] : nlohmann::json();
  if (!models.is_array()) throw Error(provider + ": the plugin's model list has no \"models\" array");
  for (const auto &m : models) {
    if (!m.is_object() || !m.contains("id") || !m["id"].is_string() || m["id"].get<std::string>().empty()) continue;
    CatalogEntry e;
    e.provider = provider;
    e.model = m["id"].get<std::string>();
    e.source = "endpoint";
    if (m.contains("display_name") && m["display_name"].is_string()) e.display_name = m["display_name"];
    if (m.contains("capabilities") && m["capabilities"].is_array())
      for (const auto &c : m["capabilities"])
        if (c.is_string()) e.capabilities.push_back(c);
    if (m.contains("context_window") && m["context_window"].is_number_integer()) e.context_window = m["context_window"].get<int64_t>();
    list.models.push_back(std::move(e));
    if (static_cast<int64_t>(list.models.size()) >= kModelLimit) break;
  }
  return list;
}

RefreshOutcome without_answer(const std::string &provider, const std::string &error) {
  RefreshOutcome o;
  o.provider = provider;
  o.error = error;
  if (auto cached = read_cached_list(provider)) {
    o.state = RefreshOutcome::State::cached;
    o.models = cached->models.size();
    o.age_seconds = std::max<int64_t>(0, now_seconds() - cached->fetched_at);
  }
  return o;
}

RefreshOutcome refresh_one(const std::string &provider, const Config &config, plugin::Registry &registry, bool named) {
  try {
    plugin::Provider p(plugin::bind_provider(registry, config, provider));
    nlohmann::json result = p.list_models({{"limit", kModelLimit}});
    CachedList list = to_list(provider, result);
    write_cached_list(list);
    RefreshOutcome o;
    o.provider = provider;
    o.state = RefreshOutcome::State::fresh;
    o.models = list.models.size();
    const bool said_truncated = result.is_object() && result.contains("truncated") && result["truncated"].is_boolean() && result["truncated"].get<bool>();
    o.truncated = said_truncated || list.models.size() >= static_cast<size_t>(kModelLimit);
    return o;
  } catch (const plugin::ProviderError &e) {
    if (e.status() == WEBOX_E_CANCELLED) throw Interrupted();
    if (e.status() == WEBOX_E_AUTH && e.http_status() == 0) {
      if (named) throw;
      RefreshOutcome o;
      o.provider = provider;
      o.state = RefreshOutcome::State::no_key;
      o.error = e.what();
      return o;
    }
    return without_answer(provider, logging::redact(e.what()));
  } catch (const UsageError &) {
    throw;
  } catch (const Error &e) {
    // A bad base URL or a plugin that failed to load: this provider has no
    // fresh list; the others still get theirs.
    if (named) throw;
    return without_answer(provider, logging::redact(e.what()));
  }
}

} // namespace

std::vector<RefreshOutcome> refresh_model_lists(const Config &config, plugin::Registry &registry, const std::string &only) {
  if (!only.empty()) {
    bool known = registry.find(only) || config.providers.count(only);
    if (!known) {
      std::vector<std::string> names = registry.ids();
      for (const auto &p : config.providers) names.push_back(p.first);
      std::string hint = plugin::closest_match(only, names);
      throw UsageError("no provider '" + only + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    if (!can_list(only, config, registry))
      throw UsageError("provider '" + only + "' cannot list its models (its plugin has no list-models); 'webox models' shows its manifest's");
    return {refresh_one(only, config, registry, true)};
  }
  std::vector<RefreshOutcome> out;
  for (const auto &provider : listing_providers(config, registry)) out.push_back(refresh_one(provider, config, registry, false));
  return out;
}

} // namespace webox::chat
