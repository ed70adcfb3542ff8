// Provider: the C++ face of one plugin instance. CLI and library code never
// see the C types of plugin.h.
//
// It creates the instance from its resolved settings, destroys it exactly
// once, releases every webox_buf the plugin hands back (even when an
// exception is on its way), and turns a failure status into a ProviderError
// whose exit code follows the status class.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/plugin/host_api.hpp"
#include "lib/plugin/loader.hpp"

namespace webox::plugin {

class Registry;

// A plugin's failure: its status class and the detail JSON it sent.
class ProviderError : public Error {
public:
  ProviderError(webox_status status, const std::string &message, nlohmann::json detail);
  webox_status status() const { return m_status; }
  const nlohmann::json &detail() const { return m_detail; }
  int http_status() const;

private:
  webox_status m_status;
  nlohmann::json m_detail;
};

// The exit code a status class maps to (see docs/ARCHITECTURE.md).
ExitCode exit_code_for(webox_status status, int http_status);

// What the host resolved for one provider instance before creating it.
struct ProviderBinding {
  std::string instance;           // as the user named it: "openai", "lmstudio"
  const LoadedPlugin *plugin = nullptr;
  nlohmann::json config;          // the create() document
};

// Resolves `instance` against the config (providers.<name>) and the plugin's
// manifest; loads the plugin. Precedence for the base URL: the plugin's
// environment variable (only for the plugin's own name) > config > manifest.
ProviderBinding bind_provider(Registry &registry, const Config &config, const std::string &instance);

// ABI 1.4. True when a chat request's messages hold an image part
// ({"type":"image",...} in a list content).
bool has_image_parts(const nlohmann::json &messages);

// ABI 1.4. Why images may not go to `model` of `instance` (a plugin without
// WEBOX_CAP_VISION, or a model its manifest lists as text-only), or "" when
// they may. A model the manifest does not describe is sent: its provider
// answers for it.
std::string vision_refusal(const Manifest &manifest, const std::string &instance, const std::string &model);

// True when a chat request's messages hold a document part (a PDF sent
// natively: {"type":"document",...} in a list content).
bool has_document_parts(const nlohmann::json &messages);

// Why a PDF may not go natively to `model` of `instance` (the manifest's
// "pdf" does not list it), or "" when it may.
std::string native_pdf_refusal(const Manifest &manifest, const std::string &instance, const std::string &model);

class Provider {
public:
  explicit Provider(ProviderBinding binding);
  ~Provider();
  Provider(const Provider &) = delete;
  Provider &operator=(const Provider &) = delete;

  const std::string &instance() const { return m_binding.instance; }
  const Manifest &manifest() const { return m_binding.plugin->manifest; }
  bool can(uint64_t capability) const;
  // Whether the plugin translates the tool fields of a chat request
  // (WEBOX_CAP_TOOLS, ABI 1.3); chat() refuses "tools", and a conversation
  // holding tool calls or results, to one that does not.
  bool supports_tools() const { return can(WEBOX_CAP_TOOLS); }

  // Each returns the plugin's result document; throws ProviderError.
  // A chat request's "tools" (docs/ARCHITECTURE.md, "Plugin operations")
  // reach only a plugin that supports_tools(); `on_event` then also gets one
  // "tool_call" event per complete call.
  nlohmann::json describe();
  nlohmann::json chat(const nlohmann::json &request, int64_t deadline_ms = 0);
  // `on_event` gets each event; returning false stops the stream (the call
  // then throws ProviderError with WEBOX_E_CANCELLED).
  nlohmann::json chat_stream(const nlohmann::json &request,
                             const std::function<bool(const nlohmann::json &event)> &on_event,
                             int64_t deadline_ms = 0);
  // social-collect (docs/ARCHITECTURE.md "social_collect"): `on_event` gets
  // each item, checkpoint and warning event; returning false stops the run.
  // Implemented in provider_social.cpp.
  nlohmann::json social_collect(const nlohmann::json &request,
                                const std::function<bool(const nlohmann::json &event)> &on_event);
  // social-send (docs/ARCHITECTURE.md "social_send"): one direct message.
  //   request  {"account_id": "...", "recipient": {"id": "...", "username": "..."},
  //             "text": "...", "options": {...}, "base_url"?: "..."}
  //   response {"message_id": "...", "recipient_id": "...", "platform_remaining"?: N}
  // A failure's detail carries "code": outside_window, recipient_unavailable,
  // recipient_unknown, too_long, invalid, comment_used, comment_gone (not
  // sent; a private reply's comment is spent), rate_limited, blocked
  // (not sent; stop the campaign), auth, or ambiguous (may have been sent).
  // Implemented in provider_social_send.cpp.
  nlohmann::json social_send(const nlohmann::json &request);
  // webhook (ABI 1.5, WEBOX_CAP_WEBHOOKS): one verified delivery
  //   request {"delivery": {...}, "options": {...}, "base_url"?: "..."}
  // `on_event` gets the same item and warning events as social_collect.
  // Implemented in provider_social.cpp.
  nlohmann::json webhook(const nlohmann::json &request,
                         const std::function<bool(const nlohmann::json &event)> &on_event);

  // Media (see docs/ARCHITECTURE.md, "Plugin operations"). `image` returns
  // the result document and the bytes of every image laid end to end (the
  // document's "images" give each one's offset and size). `tts` hands each
  // piece of audio to `on_audio` as the plugin produces it (returning false
  // stops the stream). `stt` sends `audio` as the request's blob.
  struct MediaResult {
    nlohmann::json doc;
    std::string blob;
  };
  MediaResult image(const nlohmann::json &request, int64_t deadline_ms = 0);
  nlohmann::json tts(const nlohmann::json &request, const std::function<bool(std::string_view audio)> &on_audio,
                     int64_t deadline_ms = 0);
  nlohmann::json stt(const nlohmann::json &request, std::string_view audio, int64_t deadline_ms = 0);

  // embed (docs/ARCHITECTURE.md "embed"): {"model","input":[...],"options"}
  // -> {"model","vectors":[[...]],"dimensions","usage"?}. The caller checks
  // the vectors (lib/rag/embedder does).
  nlohmann::json embed(const nlohmann::json &request, int64_t deadline_ms = 0);

  // list_models (ABI 1.4, WEBOX_CAP_LIST_MODELS): {"limit": N} ->
  // {"models": [{"id", "display_name"?, "capabilities"?, "context_window"?}],
  // "truncated"?}. The plugin follows the endpoint's pages itself.
  nlohmann::json list_models(const nlohmann::json &request, int64_t deadline_ms = 0);

  // ABI 1.5 (batch, WEBOX_CAP_BATCH; docs/ARCHITECTURE.md "batch"):
  // `batch` submits ({"action":"submit"} with the requests as JSONL in
  // `jsonl`), reads the status of, or cancels a provider batch and returns
  // the batch as it is now ({"id","status","request_counts",...}).
  // `batch_results` hands each result ({"type":"result","custom_id","ok",
  // "answer"|"error"}) and warning to `on_event` as the plugin reads the
  // provider's result files; returning false stops it.
  nlohmann::json batch(const nlohmann::json &request, std::string_view jsonl = {}, int64_t deadline_ms = 0);
  nlohmann::json batch_results(const nlohmann::json &request,
                               const std::function<bool(const nlohmann::json &event)> &on_event);

  // ABI 1.6 (auth, WEBOX_CAP_AUTH; plugin.h "ABI 1.6 (auth)"): one step of
  // signing in ({"action":"authorize"|"exchange"|"refresh", ...}). Every
  // token in the answer is registered for redaction before it is returned.
  // Driven by lib/auth, never by a command directly.
  nlohmann::json auth(const nlohmann::json &request, int64_t deadline_ms = 0);

private:
  // Stores what a plugin handed back under "rotated_secrets" (a refreshed
  // OAuth token pair) in the encrypted key store and removes it from `doc`.
  void keep_rotated_secrets(nlohmann::json &doc);
  // The operation's JSON, or a ProviderError; a network error after a request
  // the host refused for good (see CallScope) exits 4, not 75.
  nlohmann::json finish(webox_status status, webox_result &result, const char *operation, const CallScope &scope);
  // Throws WEBOX_E_UNSUPPORTED when `request` offers tools, or holds tool
  // messages, this plugin cannot read.
  void check_tools_supported(const nlohmann::json &request) const;
  // Throws WEBOX_E_UNSUPPORTED when `request` holds images this plugin or model cannot see.
  void check_vision_supported(const nlohmann::json &request) const;
  void check_documents_supported(const nlohmann::json &request) const;
  // finish(), then keep_rotated_secrets() on the result or the error detail
  // (social operations; provider_social_send.cpp).
  nlohmann::json finish_keeping_secrets(webox_status status, webox_result &result, const char *operation,
                                        const CallScope &scope);
  // The webox_call of one operation of this instance.
  CallScope new_scope(int64_t deadline_ms = 0) const;
  // One JSON-in, JSON-out slot of the descriptor (embed, list_models): the
  // capability checked (`cannot` completes the refusal), then the call.
  // `blob` is the request's binary half (batch: the JSONL of the requests).
  nlohmann::json call_json_slot(uint64_t capability, const char *cannot, webox_op_fn webox_plugin::*slot,
                                const char *operation, const nlohmann::json &request, int64_t deadline_ms,
                                std::string_view blob = {});
  ProviderBinding m_binding;
  webox_instance *m_instance = nullptr;
};

} // namespace webox::plugin
