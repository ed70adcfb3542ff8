#include "lib/leads/contacts/phone_asker_chat.hpp"

#include "lib/chat/fallback.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::leads {
namespace {

class ChatPhoneAsker : public PhoneAsker {
public:
  explicit ChatPhoneAsker(chat::ChainLink link) : m_link(std::move(link)) {}

  std::string ask(const std::string &system, const std::string &user) override {
    const nlohmann::json messages = {{{"role", "system"}, {"content", system}}, {{"role", "user"}, {"content", user}}};
    // A short JSON answer; temperature 0 so that the same text gets the same reading.
    const nlohmann::json options = {{"max_tokens", 200}, {"temperature", 0}};
    chat::ChainResult r = chat::run_chain({m_link}, {}, messages, options, chat::Streaming::no, [](std::string_view) {}, {});
    if (!r.answered()) throw Error(logging::redact(r.last().error));
    return r.last().turn.text;
  }

  std::string model() const override { return m_link.model.text(); }

private:
  chat::ChainLink m_link;
};

} // namespace

std::unique_ptr<PhoneAsker> make_chat_phone_asker(const std::string &spec, const Config &config, plugin::Registry &registry) {
  chat::ModelRef ref = chat::resolve_model(spec, config, registry);
  return std::make_unique<ChatPhoneAsker>(chat::ChainLink{ref, plugin::bind_provider(registry, config, ref.provider)});
}

} // namespace webox::leads
