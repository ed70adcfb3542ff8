// The per-provider half of an OpenAI-compatible plugin: nothing but the
// values webox_add_plugin() read from manifests/<id>.json.
#include "identity.hpp"

#include <webox/plugin.h>

#if !defined(WEBOX_PROVIDER_ID) || !defined(WEBOX_PROVIDER_VERSION) ||            \
    !defined(WEBOX_PROVIDER_KEY_VAR) || !defined(WEBOX_PROVIDER_BASE_URL_ENV) ||  \
    !defined(WEBOX_PROVIDER_DEFAULT_BASE_URL) || !defined(WEBOX_PROVIDER_MODELS) ||  \
    !defined(WEBOX_PLUGIN_CAPABILITIES)
#error "identity.cpp is compiled by webox_add_plugin() with its manifest's DEFINES"
#endif

namespace webox::openai {

extern const char kProviderId[] = WEBOX_PROVIDER_ID;
extern const char kProviderVersion[] = WEBOX_PROVIDER_VERSION;
extern const char kDefaultKeyVar[] = WEBOX_PROVIDER_KEY_VAR;
extern const char kBaseUrlEnv[] = WEBOX_PROVIDER_BASE_URL_ENV;
extern const char kDefaultBaseUrl[] = WEBOX_PROVIDER_DEFAULT_BASE_URL;
extern const char kKnownModels[] = WEBOX_PROVIDER_MODELS;
// Images, speech and transcription for a manifest that lists them (openai).
extern const uint64_t kMediaCapabilities = WEBOX_PLUGIN_CAPABILITIES & (WEBOX_CAP_IMAGE | WEBOX_CAP_TTS | WEBOX_CAP_STT);
// Embeddings for a manifest that lists them (openai, mistral, deepinfra).
extern const uint64_t kEmbedCapabilities = WEBOX_PLUGIN_CAPABILITIES & WEBOX_CAP_EMBED;
extern const uint64_t kVisionCapabilities = WEBOX_PLUGIN_CAPABILITIES & WEBOX_CAP_VISION;
// The Batch API (ABI 1.5) for a manifest that lists "batch" (openai only).
extern const uint64_t kBatchCapabilities = WEBOX_PLUGIN_CAPABILITIES & WEBOX_CAP_BATCH;

} // namespace webox::openai
