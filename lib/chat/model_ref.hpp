// Naming a model: "provider:model", an alias from the config, a provider
// alone (its first listed model), or a model alone ("gpt-4o-mini"), found in
// the catalogue (lib/chat/model_catalog: cached endpoint lists, then
// manifests).
#pragma once

#include <string>

#include "lib/core/config.hpp"

namespace webox::plugin {
class Registry;
}

namespace webox::chat {

struct ModelRef {
  std::string provider; // an installed plugin id or a configured provider name
  std::string model;
  std::string text() const { return provider + ":" + model; }
};

// The model used when -m is not given: WEBOX_MODEL, then the config's
// default_model, then openai:gpt-4o-mini (the same default as llm).
std::string default_model_spec(const Config &config);

// Resolves `spec` (aliases may refer to aliases, up to a few levels).
// Throws webox::UsageError for an unknown name, with a suggestion when a
// close one exists ("did you mean"), and for a bare model name several
// providers offer (listing each provider:model).
ModelRef resolve_model(const std::string &spec, const Config &config, plugin::Registry &registry);

} // namespace webox::chat
