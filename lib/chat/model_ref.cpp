#include "lib/chat/model_ref.hpp"

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
    if (!configured && !manifest) {
      std::vector<std::string> names = registry.ids();
      for (const auto &a : config.aliases) names.push_back(a.first);
      for (const auto &p : config.providers) names.push_back(p.first);
      std::string hint = plugin::closest_match(provider, names);
      throw UsageError("unknown model or provider '" + current + "'" +
                       (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                       "; use provider:model, e.g. openai:gpt-4o-mini ('webox models' lists them)");
    }
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
