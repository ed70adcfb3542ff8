#include "lib/leads/dm/drafter.hpp"

#include <nlohmann/json.hpp>

#include "lib/chat/turn.hpp"
#include "lib/core/error.hpp"
#include "lib/leads/dm/templates.hpp"

namespace webox::leads {

using nlohmann::json;

Drafter::Drafter(const std::string &model, const Config &config, plugin::Registry &plugins)
    : m_model(chat::resolve_model(model, config, plugins)),
      m_provider(plugin::bind_provider(plugins, config, m_model.provider)),
      m_system(dm_prompt_body(find_dm_prompt("draft"))) {}

std::string Drafter::draft(const DmTarget &t) {
  json lead = t.context;
  lead.erase("campaign");
  // Invalid UTF-8 in a lead's fields is replaced, not fatal.
  std::string lead_text = lead.dump(2, ' ', false, json::error_handler_t::replace);
  json messages = json::array({{{"role", "system"}, {"content", m_system}}, {{"role", "user"}, {"content", "Lead:\n" + lead_text}}});
  chat::TurnResult r = chat::run_turn(m_provider, m_model, messages, json::object(), chat::Streaming::no, [](std::string_view) {});
  std::string text = r.text;
  size_t first = text.find_first_not_of(" \n\r\t\"");
  size_t last = text.find_last_not_of(" \n\r\t\"");
  text = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  if (text.empty()) throw Error(m_model.text() + " drafted an empty message for lead " + std::to_string(t.lead_id));
  return text;
}

} // namespace webox::leads
