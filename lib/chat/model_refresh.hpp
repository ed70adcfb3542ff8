// `webox models --refresh`: each provider's endpoint asked for its models
// through its plugin (ABI 1.4 list_models), the answer kept in the model
// cache (lib/chat/model_catalog). An endpoint that cannot answer leaves the
// cache as it was: the old list is still used, and its age said.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/core/config.hpp"

namespace webox::plugin {
class Registry;
}

namespace webox::chat {

struct RefreshOutcome {
  enum class State {
    fresh,   // the endpoint answered; the cache was rewritten
    cached,  // it did not; the cached list (age_seconds old) stands
    nothing, // it did not, and there is no cached list
    no_key,  // skipped: no key for it (only when every provider is asked)
  };
  std::string provider;
  State state = State::nothing;
  size_t models = 0;
  int64_t age_seconds = 0; // of the cached list, for `cached`
  std::string error;       // why the endpoint did not answer
  bool truncated = false;  // the plugin stopped at its page bound or the limit
};

// Asks `only` (a plugin id or configured instance), or every provider
// whose plugin can list models when it is "". Throws webox::UsageError for
// an `only` that is unknown or cannot list its models, and the provider's
// error (exit 4) for a missing key when `only` names it.
std::vector<RefreshOutcome> refresh_model_lists(const Config &config, plugin::Registry &registry, const std::string &only);

} // namespace webox::chat
