#include "lib/chat/session.hpp"

#include <algorithm>

#include "lib/chat/assistants.hpp"
#include "lib/chat/call_log.hpp"
#include "lib/chat/budget.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/store/agent_log.hpp"
#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::chat {

nlohmann::json option_value(const std::string &text) {
  auto parsed = parse_json_or_discarded(text);
  return parsed.is_discarded() ? nlohmann::json(text) : parsed;
}

std::vector<std::pair<std::string, std::string>> split_options(const std::vector<std::string> &raw) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto &o : raw) {
    size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("-o expects key=value, got '" + o + "'");
    out.emplace_back(o.substr(0, eq), o.substr(eq + 1));
  }
  return out;
}

ChatSession::ChatSession(plugin::Registry &registry, const Config &config, store::Db *db, ChatSettings settings)
    : m_registry(registry), m_config(config), m_db(db), m_settings(std::move(settings)),
      m_prices(PriceTable::for_config(config)) {
  // An assistant brings a system prompt and may suggest a model and a
  // temperature; explicit flags still win.
  std::string model_spec = m_settings.model_spec;
  std::optional<double> temperature = m_settings.temperature;
  if (!m_settings.assistant.empty()) {
    Assistant a = find_assistant(m_settings.assistant);
    m_system = a.system_prompt;
    if (model_spec.empty() && !a.model.empty() && m_settings.conversation_id.empty() && !m_settings.continue_last)
      model_spec = a.model;
    if (!temperature) temperature = a.temperature;
  }
  if (!m_settings.system.empty()) m_system = m_settings.system;

  // Continuing a conversation reloads its turns and, unless -m says
  // otherwise, its model.
  if (m_settings.continue_last || !m_settings.conversation_id.empty()) {
    if (!m_db) throw Error("continuing a conversation needs the store");
    store::Calls calls(*m_db);
    std::optional<store::Conversation> conv = m_settings.conversation_id.empty()
                                                  ? calls.latest_conversation()
                                                  : calls.conversation(m_settings.conversation_id);
    if (!conv) {
      if (!m_settings.conversation_id.empty())
        throw UsageError("no conversation '" + m_settings.conversation_id + "' ('webox logs' lists them)");
      throw UsageError("no conversation to continue yet");
    }
    m_conversation_id = conv->id;
    load_history(conv->id);
    if (model_spec.empty()) model_spec = conv->model;
  }
  if (model_spec.empty()) model_spec = default_model_spec(m_config);
  m_chain = resolve_chain(model_spec, m_settings.fallbacks, m_config, m_registry);

  if (temperature) m_options["temperature"] = *temperature;
  if (m_settings.max_tokens) m_options["max_tokens"] = *m_settings.max_tokens;
  for (const auto &[key, value] : m_settings.options) m_options[key] = option_value(value);

  m_links = bind_chain(m_chain, m_config, m_registry);
}

ChatSession::~ChatSession() = default;

void ChatSession::set_model(const std::string &spec) {
  // Both resolved before either is kept: a failure leaves the session as it was.
  std::vector<ModelRef> chain = resolve_chain(spec, m_settings.fallbacks, m_config, m_registry);
  std::vector<ChainLink> links = bind_chain(chain, m_config, m_registry);
  m_chain = std::move(chain);
  m_links = std::move(links);
}

void ChatSession::new_conversation() {
  m_history = nlohmann::json::array();
  m_conversation_id.clear();
}

// A plain call is its prompt and answer; the steps of an agent turn (one
// call each) replay the messages they added: the assistant's tool calls and
// their results, then the final text.
void ChatSession::load_history(const std::string &conversation_id) {
  store::Calls calls(*m_db);
  const auto steps = store::agent_steps_of(*m_db, conversation_id);
  std::string turn_seen;
  for (const auto &c : calls.calls_of(conversation_id)) {
    if (c.status != "ok") continue; // a failed turn never reached the model's memory
    if (m_settings.system.empty() && m_settings.assistant.empty() && !c.system.empty()) m_system = c.system;
    auto step = steps.find(c.id);
    if (step == steps.end()) {
      m_history.push_back({{"role", "user"}, {"content", c.prompt}});
      m_history.push_back({{"role", "assistant"}, {"content", c.response}});
      continue;
    }
    if (step->second.turn_id != turn_seen) m_history.push_back({{"role", "user"}, {"content", c.prompt}});
    turn_seen = step->second.turn_id;
    auto added = parse_json_or_discarded(step->second.messages_json);
    if (added.is_array())
      for (auto &m : added) m_history.push_back(std::move(m));
  }
}

std::string ChatSession::attach(const std::string &prompt, std::vector<Attachment> attachments) {
  const bool images = std::any_of(attachments.begin(), attachments.end(),
                                  [](const Attachment &a) { return a.kind == AttachmentKind::image; });
  if (images)
    for (const auto &link : m_links) {
      // Refused here, before anything is sent, rather than by the host when
      // the fallback reaches a model that cannot see them.
      std::string why = plugin::vision_refusal(link.binding.plugin->manifest, link.binding.instance, link.model.model);
      if (!why.empty()) throw UsageError(why);
    }
  // Every link of the chain gets the same message: a PDF goes whole only
  // when each of them takes it.
  const std::vector<PdfTarget> targets = pdf_targets(m_links);
  const std::vector<bool> native = route_pdfs(attachments, m_settings.pdf, targets);
  m_next_parts = media_parts(attachments, native, tokens_per_page_of(targets));
  return prompt_with_attachments(prompt, attachments, native);
}

nlohmann::json ChatSession::messages_for(const std::string &prompt) const {
  nlohmann::json messages = nlohmann::json::array();
  if (!m_system.empty()) messages.push_back({{"role", "system"}, {"content", m_system}});
  for (const auto &m : m_history) messages.push_back(m);
  messages.push_back({{"role", "user"}, {"content", user_content(prompt, m_next_parts)}});
  return messages;
}

void ChatSession::remember(const std::string &prompt, const nlohmann::json &added) {
  m_history.push_back({{"role", "user"}, {"content", user_content(prompt, m_next_parts)}});
  m_next_parts = nlohmann::json::array();
  for (const auto &m : added) m_history.push_back(m);
}

TurnResult ChatSession::send(const std::string &prompt, const DeltaSink &on_delta, const FallbackNote &on_fallback) {
  StepReply reply = send_step(prompt, messages_for(prompt), nlohmann::json(), 0, on_delta, on_fallback);
  remember(prompt, nlohmann::json::array({{{"role", "assistant"}, {"content", reply.turn.text}}}));
  return reply.turn;
}

ChatSession::StepReply ChatSession::send_step(const std::string &prompt, const nlohmann::json &messages,
                                              const nlohmann::json &tools, double spent_here,
                                              const DeltaSink &on_delta, const FallbackNote &on_fallback) {
  // Refuse before anything leaves the machine: the worst case of the most
  // expensive model the chain may reach, on top of what this turn spent.
  Budget budget(m_config, m_db, m_settings.max_cost);
  if (budget.active()) {
    // The tools' definitions are sent with every step: count them as input.
    nlohmann::json counted = messages;
    if (tools.is_array() && !tools.empty()) counted.push_back({{"role", "system"}, {"content", tools.dump()}});
    budget.check({estimate_chain(m_prices, m_chain, counted, m_options)}, spent_here);
  }

  std::set<std::string> cooling;
  if (m_db && m_chain.size() > 1) cooling = load_cooldowns(*m_db);
  if (m_conversation_id.empty()) m_conversation_id = store::Calls::new_conversation_id();

  ChainResult result =
      run_chain(m_links, cooling, messages, m_options, m_settings.streaming, on_delta, on_fallback, tools);
  for (auto &a : result.attempts) {
    a.turn.conversation_id = m_conversation_id;
    a.turn.cost = m_prices.cost(a.turn.model.provider, a.turn.model.model, a.turn.input_tokens, a.turn.output_tokens);
  }
  const int64_t call_id = record(prompt, result);
  if (m_db && m_chain.size() > 1) save_cooldowns(*m_db, result, max_cooldown_ms(m_config));

  const Attempt &last = result.last();
  if (!result.answered()) {
    if (last.status == "cancelled") throw Interrupted();
    std::rethrow_exception(last.failure);
  }
  return {last.turn, call_id};
}

int64_t ChatSession::record(const std::string &prompt, const ChainResult &result) {
  if (m_settings.logging == Logging::no || !m_db) return 0;
  store::Calls calls(*m_db);
  return log_chain(calls, result, {prompt, m_system, m_options, m_conversation_id, ""});
}

} // namespace webox::chat
