// One chat conversation, independent of the terminal: what `webox chat` and
// its REPL use to talk to a model and remember it.
//
// A turn is: build the message list (system prompt, earlier turns of the
// conversation, the new prompt); check the budget before anything is sent;
// send it through the model's fallback chain (streamed or not), handing each
// delta to the caller as it arrives; then record every attempt in the store —
// failed and interrupted ones too, with their partial text, so that
// `webox logs` tells the truth about what happened.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/chat/attachments.hpp"
#include "lib/chat/fallback.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/chat/prices.hpp"
#include "lib/chat/turn.hpp"
#include "lib/core/config.hpp"

namespace webox::store {
class Db;
}
namespace webox::plugin {
class Registry;
} // namespace webox::plugin

namespace webox::chat {

enum class Logging { yes, no };

struct ChatSettings {
  std::string model_spec;          // "" = the default model; "@name" = a configured chain
  std::vector<std::string> fallbacks; // --fallback, in order
  std::string system;              // system prompt ("" = none)
  std::string assistant;           // an assistant's name ("" = none)
  std::optional<double> temperature;
  std::optional<int64_t> max_tokens;
  std::vector<std::pair<std::string, std::string>> options; // -o key=value
  bool continue_last = false;      // -c
  std::string conversation_id;     // --cid
  Streaming streaming = Streaming::yes;
  Logging logging = Logging::yes;
  std::optional<double> max_cost;  // --max-cost, USD
  PdfMode pdf = PdfMode::automatic; // --pdf: how attached PDFs go (lib/chat/attachments)
};

// Parses "-o key=value" values: JSON when the value parses as JSON
// (numbers, booleans, objects), else the text itself.
nlohmann::json option_value(const std::string &text);

// Splits "-o key=value" arguments; throws webox::UsageError for one without '='.
std::vector<std::pair<std::string, std::string>> split_options(const std::vector<std::string> &raw);

class ChatSession {
public:
  // `db` may be null only when logging is off and no conversation is continued.
  ChatSession(plugin::Registry &registry, const Config &config, store::Db *db, ChatSettings settings);
  ~ChatSession();

  const ModelRef &model() const { return m_chain.front(); }
  const std::vector<ModelRef> &chain() const { return m_chain; }
  const std::string &conversation_id() const { return m_conversation_id; }

  // Sends `prompt`; `on_delta` receives each piece of text as it arrives;
  // `on_fallback` hears when a model gives way to the next. Throws the last
  // model's error (after recording every attempt) when none answered.
  TurnResult send(const std::string &prompt, const DeltaSink &on_delta, const FallbackNote &on_fallback = {});

  // The text of the next prompt with `attachments` (lib/chat/attachments:
  // text inline, PDFs natively or inline as the PDF mode and every model of
  // the chain allow, images and native PDFs named); their images and native
  // PDFs are staged as parts of the next user message, after every model of
  // the chain was checked to see images (UsageError, exit 2, naming the one
  // that cannot). Once per prompt, before it is sent; what it returns is
  // what is sent and logged.
  std::string attach(const std::string &prompt, std::vector<Attachment> attachments);

  // The pieces of an agent turn (lib/agent/agent_turn.hpp), which makes
  // several model calls for one prompt.
  //
  // The messages a new prompt goes into: system prompt, the conversation so
  // far (tool calls and results included), the prompt.
  nlohmann::json messages_for(const std::string &prompt) const;
  struct StepReply {
    TurnResult turn;
    int64_t call_id = 0; // its row in the store, 0 when not logged
  };
  // One model call with `messages` and the `tools` definitions: budget
  // checked first (`spent_here`, what this turn already cost, counts against
  // --max-cost), sent through the chain, recorded under `prompt`. Throws as
  // send() does.
  StepReply send_step(const std::string &prompt, const nlohmann::json &messages, const nlohmann::json &tools,
                      double spent_here, const DeltaSink &on_delta, const FallbackNote &on_fallback = {});
  // Keeps what a turn added after its prompt (assistant and tool messages)
  // in this session's memory of the conversation.
  void remember(const std::string &prompt, const nlohmann::json &added);
  // What the REPL changes between turns.
  //
  // Switches to `spec` (with the same --fallback list); when it does not
  // resolve (unknown provider, alias or chain) throws and keeps the model.
  void set_model(const std::string &spec);
  void set_system(std::string system) { m_system = std::move(system); }
  void set_temperature(double temperature) { m_options["temperature"] = temperature; }
  void set_pdf_mode(PdfMode mode) { m_settings.pdf = mode; }
  PdfMode pdf_mode() const { return m_settings.pdf; }
  // Forgets the turns: the next prompt starts a new conversation (id).
  void new_conversation();
  const std::string &system() const { return m_system; }
  // User, assistant and tool messages of the conversation so far.
  const nlohmann::json &history() const { return m_history; }

  // The store to record agent steps in; null when this session does not log.
  store::Db *log_store() const { return m_settings.logging == Logging::yes ? m_db : nullptr; }

private:
  int64_t record(const std::string &prompt, const ChainResult &result);
  void load_history(const std::string &conversation_id);

  plugin::Registry &m_registry;
  const Config &m_config;
  store::Db *m_db;
  ChatSettings m_settings;
  std::vector<ModelRef> m_chain;
  std::vector<ChainLink> m_links;
  PriceTable m_prices;
  std::string m_system;
  nlohmann::json m_options = nlohmann::json::object();
  std::string m_conversation_id;
  nlohmann::json m_history = nlohmann::json::array(); // user, assistant and tool messages
  // Image and document parts of the next user message (attach); kept in
  // m_history with it, so later turns of this process still show them to
  // the model.
  nlohmann::json m_next_parts = nlohmann::json::array();
};

} // namespace webox::chat
