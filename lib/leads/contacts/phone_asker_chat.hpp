// The PhoneAsker of the LLM phone fallback, through the chat providers (the
// same path as `webox chat` and the compare judge: any installed provider,
// aliases from the config, the host's retries).
#pragma once

#include <memory>
#include <string>

#include "lib/core/config.hpp"
#include "lib/leads/contacts/phone_fallback.hpp"

namespace webox::plugin {
class Registry;
}

namespace webox::leads {

// `spec` as in `webox chat -m`: "provider:model" or an alias. Loads the
// provider now (main thread). Throws webox::UsageError for an unknown model.
std::unique_ptr<PhoneAsker> make_chat_phone_asker(const std::string &spec, const Config &config, plugin::Registry &registry);

} // namespace webox::leads
