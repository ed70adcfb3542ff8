// The per-provider half of an OpenAI-compatible plugin: nothing but the
// values CMake read from manifests/<id>.json.
#include "identity.hpp"

#include <webox/plugin.h>

#ifndef WEBOX_PROVIDER_MEDIA
#define WEBOX_PROVIDER_MEDIA 0
#endif
#ifndef WEBOX_PROVIDER_EMBED
#define WEBOX_PROVIDER_EMBED 0
#endif

#if !defined(WEBOX_PROVIDER_ID) || !defined(WEBOX_PROVIDER_VERSION) ||            \
    !defined(WEBOX_PROVIDER_KEY_VAR) || !defined(WEBOX_PROVIDER_BASE_URL_ENV) ||  \
    !defined(WEBOX_PROVIDER_DEFAULT_BASE_URL) || !defined(WEBOX_PROVIDER_MODELS)
#error "identity.cpp is compiled by plugins/openai/CMakeLists.txt with the provider's DEFINES"
#endif

namespace webox::openai {

extern const char kProviderId[] = WEBOX_PROVIDER_ID;
extern const char kProviderVersion[] = WEBOX_PROVIDER_VERSION;
extern const char kDefaultKeyVar[] = WEBOX_PROVIDER_KEY_VAR;
extern const char kBaseUrlEnv[] = WEBOX_PROVIDER_BASE_URL_ENV;
extern const char kDefaultBaseUrl[] = WEBOX_PROVIDER_DEFAULT_BASE_URL;
extern const char kKnownModels[] = WEBOX_PROVIDER_MODELS;
extern const uint64_t kMediaCapabilities = WEBOX_PROVIDER_MEDIA ? (WEBOX_CAP_IMAGE | WEBOX_CAP_TTS | WEBOX_CAP_STT) : 0;
extern const uint64_t kEmbedCapabilities = WEBOX_PROVIDER_EMBED ? WEBOX_CAP_EMBED : 0;

} // namespace webox::openai
