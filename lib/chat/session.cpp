#include "lib/chat/session.hpp"

#include "lib/chat/assistants.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"

namespace webox::chat {

nlohmann::json option_value(const std::string &text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(text) : parsed;
}

ChatSession::ChatSession(plugin::Registry &registry, const Config &config, store::Db *db, ChatSettings settings)
    : m_registry(registry), m_config(config), m_db(db), m_settings(std::move(settings)) {
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
    for (const auto &c : calls.calls_of(conv->id)) {
      if (c.status != "ok") continue; // a failed turn never reached the model's memory
      m_history.emplace_back(c.prompt, c.response);
      if (m_settings.system.empty() && m_settings.assistant.empty() && !c.system.empty()) m_system = c.system;
    }
    if (model_spec.empty()) model_spec = conv->model;
  }
  if (model_spec.empty()) model_spec = default_model_spec(m_config);
  m_model = resolve_model(model_spec, m_config, m_registry);

  if (temperature) m_options["temperature"] = *temperature;
  if (m_settings.max_tokens) m_options["max_tokens"] = *m_settings.max_tokens;
  for (const auto &[key, value] : m_settings.options) m_options[key] = option_value(value);

  m_provider = std::make_unique<plugin::Provider>(plugin::bind_provider(m_registry, m_config, m_model.provider));
}

ChatSession::~ChatSession() = default;

nlohmann::json ChatSession::build_request(const std::string &prompt) const {
  nlohmann::json messages = nlohmann::json::array();
  if (!m_system.empty()) messages.push_back({{"role", "system"}, {"content", m_system}});
  for (const auto &[user, assistant] : m_history) {
    messages.push_back({{"role", "user"}, {"content", user}});
    messages.push_back({{"role", "assistant"}, {"content", assistant}});
  }
  messages.push_back({{"role", "user"}, {"content", prompt}});
  return {{"model", m_model.model}, {"messages", messages}, {"options", m_options}};
}

TurnResult ChatSession::send(const std::string &prompt, const std::function<void(std::string_view)> &on_delta) {
  TurnResult turn;
  turn.model = m_model;
  if (m_conversation_id.empty()) m_conversation_id = store::Calls::new_conversation_id();
  turn.conversation_id = m_conversation_id;

  nlohmann::json request = build_request(prompt);
  int64_t started = cancel::monotonic_ms();
  auto on_event = [&](const nlohmann::json &event) {
    std::string type = event.value("type", "");
    if (type == "delta") {
      std::string text = event.value("text", "");
      if (text.empty()) return true;
      if (!turn.ttft_ms) turn.ttft_ms = cancel::monotonic_ms() - started;
      turn.text += text;
      on_delta(text);
    }
    return !cancel::requested();
  };

  nlohmann::json result;
  try {
    result = m_settings.streaming == Streaming::yes ? m_provider->chat_stream(request, on_event)
                                                    : m_provider->chat(request);
  } catch (const Error &e) {
    turn.latency_ms = cancel::monotonic_ms() - started;
    bool interrupted = cancel::requested();
    record(prompt, turn, interrupted ? "cancelled" : "error", e.what());
    if (interrupted) throw Interrupted();
    throw;
  }
  turn.latency_ms = cancel::monotonic_ms() - started;
  if (m_settings.streaming == Streaming::no) {
    turn.text = result.value("text", "");
    if (!turn.text.empty()) on_delta(turn.text);
  } else if (turn.text.empty()) {
    // A plugin that returns the text only in its result still answered.
    turn.text = result.value("text", "");
    if (!turn.text.empty()) on_delta(turn.text);
  }
  turn.resolved_model = result.value("model", "");
  turn.finish_reason = result.value("finish_reason", "");
  if (result.contains("usage") && result["usage"].is_object()) {
    const auto &u = result["usage"];
    if (u.contains("input_tokens") && u["input_tokens"].is_number_integer()) turn.input_tokens = u["input_tokens"].get<int64_t>();
    if (u.contains("output_tokens") && u["output_tokens"].is_number_integer()) turn.output_tokens = u["output_tokens"].get<int64_t>();
  }
  record(prompt, turn, "ok", "");
  m_history.emplace_back(prompt, turn.text);
  return turn;
}

void ChatSession::record(const std::string &prompt, const TurnResult &turn, const std::string &status,
                         const std::string &error) {
  if (m_settings.logging == Logging::no || !m_db) return;
  store::CallRecord c;
  c.conversation_id = m_conversation_id;
  c.provider = m_model.provider;
  c.model = m_model.model;
  c.resolved_model = turn.resolved_model;
  c.system = m_system;
  c.prompt = prompt;
  c.response = turn.text;
  c.options_json = m_options.dump();
  c.input_tokens = turn.input_tokens.value_or(-1);
  c.output_tokens = turn.output_tokens.value_or(-1);
  c.latency_ms = turn.latency_ms;
  c.ttft_ms = turn.ttft_ms.value_or(-1);
  c.status = status;
  c.error = logging::redact(error);
  store::Calls(*m_db).record(c, m_model.text());
}

} // namespace webox::chat
