// One chat conversation, independent of the terminal: what `webox chat`,
// its REPL and (later) workflows use to talk to a model and remember it.
//
// A turn is: build the message list (system prompt, earlier turns of the
// conversation, the new prompt), send it through the provider (streamed or
// not), hand each delta to the caller as it arrives, then record the call in
// the store — also when it failed or was interrupted, with the partial text,
// so that `webox logs` tells the truth about what happened.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/chat/model_ref.hpp"
#include "lib/core/config.hpp"

namespace webox::store {
class Db;
}
namespace webox::plugin {
class Registry;
class Provider;
} // namespace webox::plugin

namespace webox::chat {

enum class Streaming { yes, no };
enum class Logging { yes, no };

struct ChatSettings {
  std::string model_spec;          // "" = the default model
  std::string system;              // system prompt ("" = none)
  std::string assistant;           // an assistant's name ("" = none)
  std::optional<double> temperature;
  std::optional<int64_t> max_tokens;
  std::vector<std::pair<std::string, std::string>> options; // -o key=value
  bool continue_last = false;      // -c
  std::string conversation_id;     // --cid
  Streaming streaming = Streaming::yes;
  Logging logging = Logging::yes;
};

struct TurnResult {
  ModelRef model;
  std::string text;
  std::string resolved_model;
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
  int64_t latency_ms = 0;
  std::optional<int64_t> ttft_ms;
  std::string conversation_id;
  std::string finish_reason;
};

// Parses "-o key=value" values: JSON when the value parses as JSON
// (numbers, booleans, objects), else the text itself.
nlohmann::json option_value(const std::string &text);

class ChatSession {
public:
  // `db` may be null only when logging is off and no conversation is continued.
  ChatSession(plugin::Registry &registry, const Config &config, store::Db *db, ChatSettings settings);
  ~ChatSession();

  const ModelRef &model() const { return m_model; }
  const std::string &conversation_id() const { return m_conversation_id; }

  // Sends `prompt`; `on_delta` receives each piece of text as it arrives.
  // Throws plugin::ProviderError (after recording the failed call).
  TurnResult send(const std::string &prompt, const std::function<void(std::string_view)> &on_delta);

private:
  nlohmann::json build_request(const std::string &prompt) const;
  void record(const std::string &prompt, const TurnResult &turn, const std::string &status,
              const std::string &error);

  plugin::Registry &m_registry;
  const Config &m_config;
  store::Db *m_db;
  ChatSettings m_settings;
  ModelRef m_model;
  std::string m_system;
  nlohmann::json m_options = nlohmann::json::object();
  std::string m_conversation_id;
  std::vector<std::pair<std::string, std::string>> m_history; // (prompt, answer)
  std::unique_ptr<plugin::Provider> m_provider;
};

} // namespace webox::chat
