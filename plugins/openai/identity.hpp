// Who this OpenAI-compatible plugin is. The protocol code (compiled once) reads
// these; identity.cpp (compiled once per provider) defines them from the
// provider's manifest. See CMakeLists.txt for why the split exists.
#pragma once

#include <cstdint>

namespace webox::openai {

extern const char kProviderId[];           // "openai", "mistral", ...
extern const char kProviderVersion[];      // the manifest's "version"
extern const char kDefaultKeyVar[];        // secrets[0], e.g. "OPENAI_API_KEY"
extern const char kBaseUrlEnv[];           // e.g. "OPENAI_BASE_URL" (for messages)
extern const char kDefaultBaseUrl[];       // includes the /v1-style prefix
extern const char kKnownModels[];          // comma-separated manifest "models"
extern const uint64_t kMediaCapabilities;  // WEBOX_CAP_IMAGE|TTS|STT when the manifest lists them (openai only)
extern const uint64_t kEmbedCapabilities;  // WEBOX_CAP_EMBED when the manifest lists "embed"
extern const uint64_t kVisionCapabilities; // WEBOX_CAP_VISION when the manifest lists "vision" (ABI 1.4)
extern const uint64_t kBatchCapabilities;  // WEBOX_CAP_BATCH when the manifest lists "batch" (ABI 1.5: openai)

} // namespace webox::openai
