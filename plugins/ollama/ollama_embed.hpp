// Ollama embeddings (/api/embed); the slot in ollama.cpp hands over the
// instance and its optional authorization headers.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <webox/plugin.h>

#include "plugins/common/provider_kit.hpp"

namespace webox::ollama {

webox_status embed(const kit::InstanceConfig &self, const std::function<std::vector<std::string>()> &auth_headers,
                   const webox_call *call, const webox_request *req, webox_result *out);

} // namespace webox::ollama
