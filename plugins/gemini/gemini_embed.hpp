// Gemini embeddings (batchEmbedContents); the slot in gemini.cpp hands over
// the instance and how it finds its key.
#pragma once

#include <functional>
#include <string>

#include <webox/plugin.h>

#include "plugins/common/provider_kit.hpp"

namespace webox::gemini {

webox_status embed(const kit::InstanceConfig &self, const std::function<std::string()> &api_key,
                   const webox_call *call, const webox_request *req, webox_result *out);

} // namespace webox::gemini
