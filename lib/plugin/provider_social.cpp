// Provider::social_collect: the host side of the `social-collect` capability.
//
// Same shape as chat_stream: the plugin calls the sink synchronously with one
// JSON event at a time; an exception thrown by the caller's handler (a store
// failure while committing a page) stops the plugin and is rethrown here,
// after the plugin has returned and its buffers are released.
#include "lib/plugin/provider.hpp"

#include "lib/plugin/host_api.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::plugin {

nlohmann::json Provider::social_collect(const nlohmann::json &request,
                                        const std::function<bool(const nlohmann::json &)> &on_event) {
  const webox_plugin *d = m_binding.plugin->descriptor;
  if (!can(WEBOX_CAP_SOCIAL_COLLECT) || !d->social_collect)
    throw ProviderError(WEBOX_E_UNSUPPORTED, m_binding.instance + " cannot collect social interactions", {});
  std::string body = request.dump();
  webox_request req = make_request(body);
  webox_result result{};
  result.struct_size = sizeof result;
  struct SinkCtx {
    const std::function<bool(const nlohmann::json &)> *fn;
    std::exception_ptr error;
  } ctx{&on_event, nullptr};
  auto sink = [](void *user, const char *data, size_t size) -> int {
    auto *c = static_cast<SinkCtx *>(user);
    try {
      auto event = parse_json_or_discarded(std::string_view(data, size));
      if (event.is_discarded()) return 0; // the plugin's bug; the run goes on
      return (*c->fn)(event) ? 0 : 1;
    } catch (...) {
      c->error = std::current_exception();
      return 1;
    }
  };
  CallScope scope(manifest().id, m_binding.instance, m_binding.config.value("api_key_name", ""));
  webox_status s = d->social_collect(m_instance, scope.call(), &req, sink, &ctx, &result);
  if (ctx.error) {
    try {
      finish(s, result, "social_collect", scope); // releases the buffers; the plugin's answer no longer matters
    } catch (const std::exception &) {
    }
    std::rethrow_exception(ctx.error);
  }
  try {
    nlohmann::json doc = finish(s, result, "social_collect", scope);
    keep_rotated_secrets(doc); // a refreshed OAuth token pair (provider_social_send.cpp)
    return doc;
  } catch (const ProviderError &e) {
    nlohmann::json detail = e.detail();
    if (!detail.is_object() || !detail.contains("rotated_secrets")) throw;
    keep_rotated_secrets(detail);
    throw ProviderError(e.status(), e.what(), detail);
  }
}

} // namespace webox::plugin
