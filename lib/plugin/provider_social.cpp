// Provider::social_collect: the host side of the `social-collect` capability.
//
// Same shape as chat_stream (the sink adapter of operation.hpp): the plugin
// calls the sink synchronously with one JSON event at a time; an exception
// thrown by the caller's handler (a store failure while committing a page)
// stops the plugin and is rethrown here, after the plugin has returned and
// its buffers are released.
#include "lib/plugin/provider.hpp"

#include "lib/plugin/host_api.hpp"
#include "lib/plugin/operation.hpp"

namespace webox::plugin {

nlohmann::json Provider::social_collect(const nlohmann::json &request,
                                        const std::function<bool(const nlohmann::json &)> &on_event) {
  const webox_plugin *d = m_binding.plugin->descriptor;
  if (!can(WEBOX_CAP_SOCIAL_COLLECT) || !d->social_collect)
    throw ProviderError(WEBOX_E_UNSUPPORTED, m_binding.instance + " cannot collect social interactions", {});
  detail::Exchange x(request);
  detail::EventSink sink(on_event);
  CallScope scope = new_scope();
  webox_status s = d->social_collect(m_instance, scope.call(), &x.req, sink.sink, sink.user(), &x.result);
  sink.rethrow_if_failed(x.result);
  return finish_keeping_secrets(s, x.result, "social_collect", scope); // provider_social_send.cpp
}

nlohmann::json Provider::webhook(const nlohmann::json &request,
                                 const std::function<bool(const nlohmann::json &)> &on_event) {
  const webox_plugin *d = m_binding.plugin->descriptor;
  // capability_slot also checks that the slot lies inside the plugin's descriptor.
  if (!can(WEBOX_CAP_WEBHOOKS) || !capability_slot(*d, WEBOX_CAP_WEBHOOKS))
    throw ProviderError(WEBOX_E_UNSUPPORTED, m_binding.instance + " cannot read webhook deliveries", {});
  detail::Exchange x(request);
  detail::EventSink sink(on_event);
  CallScope scope = new_scope();
  webox_status s = d->webhook(m_instance, scope.call(), &x.req, sink.sink, sink.user(), &x.result);
  sink.rethrow_if_failed(x.result);
  return finish_keeping_secrets(s, x.result, "webhook", scope);
}

} // namespace webox::plugin
