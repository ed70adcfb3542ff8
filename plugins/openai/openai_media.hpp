// OpenAI images, speech and transcriptions, compiled into the protocol
// library but switched on only for the `openai` identity (kMediaCapabilities
// in identity.hpp): Mistral, Groq and the others speak chat completions
// only.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>
#include <webox/plugin.h>

namespace webox::openai {

// What the media operations need to know about an instance.
struct MediaEndpoint {
  std::string name;     // for messages: "openai" or the user's alias
  std::string base_url; // with the /v1 prefix, no trailing slash
  std::string key_var;  // the secret to ask for
  int32_t timeout_ms = 0;
};

webox_status media_image(const MediaEndpoint &ep, const webox_call *call, const webox_request *req,
                         webox_result *out);
webox_status media_speech(const MediaEndpoint &ep, const webox_call *call, const webox_request *req,
                          webox_byte_sink_fn sink, void *user, webox_result *out);
webox_status media_transcribe(const MediaEndpoint &ep, const webox_call *call, const webox_request *req,
                              webox_result *out);

// Merged into `describe` when media is on: voices and the speech limits.
nlohmann::json media_describe();

} // namespace webox::openai
