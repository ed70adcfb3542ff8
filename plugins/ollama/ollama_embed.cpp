// Ollama embeddings.
//
// WIRE FORMAT. POST {host}/api/embed {"model","input":["..."],"truncate":true,
// "options"?: {...},"dimensions"?: N} (dimensions: Ollama 0.11 and later).
// Answer {"model","embeddings":[[...]],"prompt_eval_count":N} in input
// order. (The older /api/embeddings takes one prompt at a time and is not
// used.) Local models are slow on long batches, hence kOllamaEmbedBatch.
#include "ollama_embed.hpp"

#include <webox/plugin.hpp>

#include "plugins/common/embed_kit.hpp"

namespace webox::ollama {
namespace {

namespace sdk = webox::sdk;
namespace ek = webox::embed_kit;
using nlohmann::json;

constexpr size_t kOllamaEmbedBatch = 64;

std::vector<const json *> embeddings_of(const json &answer, const std::string &who) {
  // A reference into `answer`, never to value()'s temporary: the pointers returned point into it.
  auto found = answer.find("embeddings");
  if (found == answer.end() || !found->is_array())
    throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": the answer has no \"embeddings\" list");
  const json &embeddings = *found;
  std::vector<const json *> out;
  for (const auto &e : embeddings) out.push_back(&e);
  return out;
}

} // namespace

webox_status embed(const kit::InstanceConfig &self, const std::function<std::vector<std::string>()> &auth_headers,
                   const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const ek::Request request = ek::parse_request(req, self.name);
    ek::Vectors vectors(self.name, request.dimensions);
    std::string resolved = request.model;
    ek::for_each_batch(request, kOllamaEmbedBatch, [&](size_t first, size_t last) {
      json body = {{"model", request.model}, {"truncate", true}};
      body["input"] = std::vector<std::string>(request.input.begin() + static_cast<std::ptrdiff_t>(first),
                                               request.input.begin() + static_cast<std::ptrdiff_t>(last));
      if (request.dimensions) body["dimensions"] = *request.dimensions;
      if (!request.options.empty()) body["options"] = request.options;
      sdk::HttpRequest http;
      http.url = self.base_url + "/api/embed";
      http.headers = auth_headers();
      http.headers.push_back("Content-Type: application/json");
      http.body = kit::dump(body);
      http.timeout_ms = self.timeout_ms;
      const json answer = ek::post(call, http, self.name);
      vectors.add_batch(embeddings_of(answer, self.name), last - first);
      vectors.add_tokens(json_fields::integer_at(answer, "prompt_eval_count"));
      if (std::string m = json_fields::string_at(answer, "model"); !m.empty()) resolved = m;
    });
    sdk::give(kit::dump(vectors.result(resolved)), &out->json);
    return WEBOX_OK;
  });
}

} // namespace webox::ollama
