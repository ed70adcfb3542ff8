// --draft-model: one chat call per lead, with prompts/dm/draft.md as the
// system prompt and what we know of the lead as the user message.
#pragma once

#include <string>

#include "lib/chat/model_ref.hpp"
#include "lib/core/config.hpp"
#include "lib/leads/dm/campaign.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::leads {

class Drafter {
public:
  Drafter(const std::string &model, const Config &config, plugin::Registry &plugins);
  // The message for `t`, trimmed; throws Error when the model wrote nothing.
  std::string draft(const DmTarget &t);

private:
  chat::ModelRef m_model;
  plugin::Provider m_provider;
  std::string m_system;
};

} // namespace webox::leads
