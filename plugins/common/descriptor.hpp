// descriptor.hpp: a plugin's descriptor from its plugin.json, and its
// describe answer. Every in-tree
// plugin is built by webox_add_plugin() (cmake/WeboxPlugin.cmake), which
// reads the manifest into definitions: the id, the version, the
// capabilities as WEBOX_CAP_* bits and the oldest host minor. The plugin
// names only its functions, so the facts the loader compares with the
// manifest (id, capabilities) cannot drift from it.
// Header-only, for in-tree plugins; not part of the SDK.
#pragma once

#include <nlohmann/json.hpp>
#include <webox/plugin.hpp>

#if !defined(WEBOX_PROVIDER_ID) || !defined(WEBOX_PROVIDER_VERSION) || !defined(WEBOX_PLUGIN_CAPABILITIES) || \
    !defined(WEBOX_PLUGIN_MIN_HOST_MINOR)
#error "a plugin is compiled by webox_add_plugin(), which passes its manifest's facts"
#endif

namespace webox::kit {

// The functions a plugin fills, named with designated initializers in this
// order; those it leaves out stay NULL (their capability bits must then be
// absent from the manifest: the loader checks).
struct Slots {
  decltype(webox_plugin::create) create = nullptr;
  decltype(webox_plugin::destroy) destroy = nullptr;
  decltype(webox_plugin::describe) describe = nullptr;
  decltype(webox_plugin::chat) chat = nullptr;
  decltype(webox_plugin::chat_stream) chat_stream = nullptr;
  decltype(webox_plugin::embed) embed = nullptr;
  decltype(webox_plugin::image) image = nullptr;
  decltype(webox_plugin::tts) tts = nullptr;
  decltype(webox_plugin::stt) stt = nullptr;
  decltype(webox_plugin::social_collect) social_collect = nullptr;
  decltype(webox_plugin::social_send) social_send = nullptr;
  decltype(webox_plugin::list_models) list_models = nullptr; // ABI 1.4
  decltype(webox_plugin::webhook) webhook = nullptr;         // ABI 1.5 (webhooks)
  decltype(webox_plugin::batch) batch = nullptr;             // ABI 1.5 (batch)
  decltype(webox_plugin::batch_results) batch_results = nullptr;
  decltype(webox_plugin::auth) auth = nullptr;               // ABI 1.6 (auth)
};

// The descriptor: `slots`' functions, everything else from the manifest.
constexpr webox_plugin manifest_descriptor(const Slots &s) {
  return webox_plugin{sizeof(webox_plugin), WEBOX_ABI_MAJOR, WEBOX_PLUGIN_MIN_HOST_MINOR, WEBOX_PROVIDER_ID,
                      WEBOX_PROVIDER_VERSION, WEBOX_PLUGIN_CAPABILITIES, s.create, s.destroy, s.describe, s.chat,
                      s.chat_stream, s.embed, s.image, s.tts, s.stt, s.social_collect, s.social_send,
                      s.list_models, s.webhook, s.batch, s.batch_results, s.auth};
}

// The `describe` slot's answer when it is a fixed document.
inline webox_status give_description(const nlohmann::json &doc, webox_buf *out) {
  return sdk::guard(nullptr, [&] {
    sdk::give(doc.dump(), out);
    return WEBOX_OK;
  });
}

} // namespace webox::kit

// Defines the plugin's descriptor and its exported entry, at namespace scope:
//   WEBOX_DEFINE_PLUGIN(.create = create, .destroy = destroy, .describe = describe, .tts = tts)
#define WEBOX_DEFINE_PLUGIN(...)                                                                   \
  constexpr webox_plugin kWeboxDescriptor = webox::kit::manifest_descriptor(webox::kit::Slots{__VA_ARGS__}); \
  WEBOX_DEFINE_ENTRY(kWeboxDescriptor)
