// One name per stored key.
//
// A provider's key can be spelled two ways: the provider (`openai`, as the
// missing-key message suggests) or its variable (`OPENAI_API_KEY`, as the
// environment and rotated tokens use). The key store keeps ONE entry per key,
// under the variable: that is the name get_secret asks for, the one a
// rotated token is written under, and the one the environment overrides.
// The provider spelling is accepted everywhere (`keys set`, `remove`) and
// mapped; a store written before this rule may hold both, in which case the
// variable's value is the one used and `keys list` shows one entry.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lib/core/config.hpp"
#include "lib/plugin/manifest.hpp"

namespace webox::plugin {

class KeyNames {
public:
  // Provider names from the manifests (their primary secret) and from the
  // configuration (providers.NAME.api_key_env). A configured provider that
  // reuses another plugin's variable (`type: openai`, no api_key_env) keeps
  // its own name: mapping it would overwrite that plugin's key.
  KeyNames(const std::vector<Manifest> &manifests, const Config &config);

  // The name a key is stored under: the variable for a provider name,
  // anything else unchanged.
  std::string canonical(const std::string &name) const;

  // The other spellings of `canonical` (provider names mapped to it).
  std::vector<std::string> aliases(const std::string &canonical) const;

private:
  std::map<std::string, std::string> m_variable_of; // provider name -> variable
};

} // namespace webox::plugin
