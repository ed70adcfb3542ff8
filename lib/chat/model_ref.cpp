#include "lib/chat/model_ref.hpp"

#include <algorithm>

#include "lib/chat/model_catalog.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::chat {

std::string default_model_spec(const Config &config) {
  std::string from_env = paths::env("WEBOX_MODEL");
  if (!from_env.empty()) return from_env;
  if (!config.default_model.empty()) return config.default_model;
  return "openai:gpt-4o-mini";
}

namespace {

// The models a short name is a part of ("claude" -> claude-haiku-4-5, ...;
// "haiku" -> claude-haiku-4-5): a family named the way people say it. At
// most six, sorted; "" when none.
std::string model_family_of(const std::string &name, std::vector<std::string> names) {
  if (name.size() < 3) return "";
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string found;
  int count = 0;
  for (const auto &n : names) {
    const size_t at = n.find(name);
    const bool starts_a_part = at != std::string::npos && (at == 0 || n[at - 1] == '-' || n[at - 1] == ':') &&
                               (at + name.size() == n.size() || n[at + name.size()] == '-');
    if (!starts_a_part || n == name || count == 6) continue;
    found += (found.empty() ? "" : ", ") + n;
    ++count;
  }
  return found;
}

// A model named without its provider ("gpt-4o-mini", Ollama's
// "llama3.2:3b"): the one provider the catalogue has it from, cached
// endpoint lists first, then manifests.
ModelRef resolve_bare_model(const std::string &name, const Config &config, plugin::Registry &registry) {
  std::vector<CatalogEntry> found = providers_of(name, config, registry);
  if (found.size() == 1) return {found.front().provider, found.front().model};
  if (found.size() > 1) {
    std::string candidates;
    for (const auto &e : found) candidates += (candidates.empty() ? "" : ", ") + e.text();
    throw UsageError("model '" + name + "' is offered by several providers: " + candidates + "; name one with -m PROVIDER:MODEL");
  }
  std::vector<std::string> names = registry.ids();
  for (const auto &a : config.aliases) names.push_back(a.first);
  for (const auto &p : config.providers) names.push_back(p.first);
  for (auto &m : model_names(config, registry)) names.push_back(std::move(m));
  std::string hint = plugin::closest_match(name, names);
  if (hint.empty()) hint = plugin::closest_match(name.substr(0, name.find(':')), names);
  std::string did_you_mean = hint.empty() ? "" : " (did you mean '" + hint + "'?)";
  if (hint.empty())
    if (std::string family = model_family_of(name, names); !family.empty()) did_you_mean = " (did you mean one of " + family + "?)";
  throw UsageError("unknown model or provider '" + name + "'" + did_you_mean +
                   "; use provider:model, e.g. openai:gpt-4o-mini ('webox models' lists them)");
}

} // namespace

ModelRef resolve_model(const std::string &spec, const Config &config, plugin::Registry &registry) {
  std::string current = spec;
  for (int depth = 0; depth < 8; ++depth) {
    if (current.empty()) throw UsageError("empty model name");
    auto alias = config.aliases.find(current);
    if (alias != config.aliases.end()) {
      current = alias->second;
      continue;
    }
    size_t colon = current.find(':');
    std::string provider = current.substr(0, colon);
    bool configured = config.providers.count(provider) > 0;
    const plugin::Manifest *manifest = registry.find(provider);
    if (!configured && !manifest) return resolve_bare_model(current, config, registry);
    if (colon != std::string::npos) {
      std::string model = current.substr(colon + 1);
      if (model.empty()) throw UsageError("no model after '" + provider + ":'");
      return {provider, model};
    }
    if (manifest && !manifest->models.empty() && !configured) return {provider, manifest->models.front()};
    throw UsageError("name a model for '" + provider + "', e.g. " + provider + ":MODEL");
  }
  throw UsageError("alias '" + spec + "' refers to itself");
}

} // namespace webox::chat
