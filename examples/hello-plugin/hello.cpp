// hello: the smallest useful webox plugin, built outside the webox tree.
//
// A chat provider with two models that never touches the network:
//   world  answers "Hello, world! You said: <your last message>"
//   shout  the same, in capitals
// It shows the whole contract an author deals with: a static descriptor
// whose id, version and capabilities match plugin.json, create/destroy for an
// instance, describe, one operation wrapped in sdk::guard (so that no C++
// exception crosses the C ABI), and the one exported entry defined by
// WEBOX_DEFINE_ENTRY. The request and result documents are the ones
// docs/ARCHITECTURE.md ("Plugin operations") specifies for `chat`.
#include <cctype>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <webox/plugin.hpp>

namespace sdk = webox::sdk;
using nlohmann::json;

struct webox_instance {
  std::string greeting = "Hello, world!";
};

namespace {

std::string last_user_message(const json &request) {
  std::string text;
  for (const auto &m : request.value("messages", json::array()))
    if (m.is_object() && m.value("role", "") == "user") text = m.value("content", "");
  return text;
}

webox_status create(const char *config, size_t size, webox_instance **out, webox_buf *error) {
  return sdk::guard(error, [&] {
    json cfg = json::parse(std::string(config, size), nullptr, false);
    auto inst = std::make_unique<webox_instance>();
    // Per-instance settings arrive as "options" (webox -o greeting=...).
    if (cfg.is_object() && cfg.contains("options") && cfg["options"].is_object())
      inst->greeting = cfg["options"].value("greeting", inst->greeting);
    *out = inst.release();
    return WEBOX_OK;
  });
}

void destroy(webox_instance *self) { delete self; }

webox_status describe(webox_instance *, webox_buf *out) {
  return sdk::guard(nullptr, [&] {
    sdk::give(json{{"models", {"world", "shout"}}}.dump(), out);
    return WEBOX_OK;
  });
}

webox_status chat(webox_instance *self, const webox_call *, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = json::parse(std::string(req->json, req->json_size), nullptr, false);
    if (!request.is_object()) throw sdk::Failure(WEBOX_E_INVALID, "hello: the request is not a JSON object");
    std::string model = request.value("model", "world");
    std::string text = self->greeting + " You said: " + last_user_message(request);
    if (model == "shout")
      for (char &c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    sdk::give(json{{"text", text},
                   {"model", "hello-" + model},
                   {"finish_reason", "stop"},
                   {"usage", {{"input_tokens", 0}, {"output_tokens", 0}}}}
                  .dump(),
              &out->json);
    return WEBOX_OK;
  });
}

const webox_plugin kDescriptor = {
    sizeof(webox_plugin),
    WEBOX_ABI_MAJOR,
    0,        // min_host_minor: uses no service newer than ABI 1.0
    "hello",  // equals plugin.json "id"
    "1.0.0",  // equals plugin.json "version"
    WEBOX_CAP_CHAT,
    create,
    destroy,
    describe,
    chat,
    nullptr, // chat_stream: webox answers in one piece without it
    nullptr, // embed
    nullptr, // image
    nullptr, // tts
    nullptr, // stt
    nullptr, // social_collect
    nullptr, // social_send
    nullptr, // list_models (ABI 1.4)
    nullptr, // webhook (ABI 1.5)
    nullptr, // batch (ABI 1.5)
    nullptr, // batch_results
    nullptr, // auth (ABI 1.6)
};

} // namespace

WEBOX_DEFINE_ENTRY(kDescriptor)
