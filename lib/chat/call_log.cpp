#include "lib/chat/call_log.hpp"

#include "lib/core/logging.hpp"
#include "lib/store/calls.hpp"

namespace webox::chat {

int64_t log_chain(store::Calls &calls, const ChainResult &result, const CallContext &context) {
  int64_t last_id = 0;
  std::string tried = result.tried();
  std::string options = context.options.dump();
  for (const auto &a : result.attempts) {
    if (a.status == "skipped" || a.status.empty()) continue; // nothing was sent
    store::CallRecord c;
    c.conversation_id = context.conversation_id;
    c.group_id = context.group_id;
    c.provider = a.turn.model.provider;
    c.model = a.turn.model.model;
    c.resolved_model = a.turn.resolved_model;
    c.system = context.system;
    c.prompt = context.prompt;
    c.response = a.turn.text;
    c.options_json = options;
    c.input_tokens = a.turn.input_tokens.value_or(-1);
    c.output_tokens = a.turn.output_tokens.value_or(-1);
    c.cost = a.turn.cost;
    c.latency_ms = a.turn.latency_ms;
    c.ttft_ms = a.turn.ttft_ms.value_or(-1);
    c.status = a.status;
    c.error = logging::redact(a.error);
    c.chain = tried;
    last_id = calls.record(c, a.turn.model.text());
  }
  return last_id;
}

} // namespace webox::chat
