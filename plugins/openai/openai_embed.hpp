// OpenAI embeddings (POST {base}/embeddings), compiled into the protocol
// library and switched on per identity (kEmbedCapabilities in identity.hpp):
// the manifests that list "embed" (openai, mistral, deepinfra) get it.
#pragma once

#include <cstdint>
#include <string>

#include <webox/plugin.h>

namespace webox::openai {

// What the embed operation needs to know about an instance.
struct EmbedEndpoint {
  std::string name;     // for messages: "openai" or the user's alias
  std::string base_url; // with the /v1 prefix, no trailing slash
  std::string key_var;  // the secret to ask for
  int32_t timeout_ms = 0;
};

webox_status embed(const EmbedEndpoint &ep, const webox_call *call, const webox_request *req, webox_result *out);

} // namespace webox::openai
