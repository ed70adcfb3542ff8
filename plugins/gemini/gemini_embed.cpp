// Gemini embeddings.
//
// WIRE FORMAT. POST {base}/v1beta/models/{model}:batchEmbedContents,
// header x-goog-api-key, JSON
//   {"requests":[{"model":"models/{model}","content":{"parts":[{"text":"..."}]},
//                 "taskType"?: "RETRIEVAL_DOCUMENT","outputDimensionality"?: N}]}
// Answer {"embeddings":[{"values":[...]}]} in request order, no token
// count. At most 100 requests per call, hence kGeminiEmbedBatch. The task
// type (RETRIEVAL_DOCUMENT for what is indexed, RETRIEVAL_QUERY for a
// question, SEMANTIC_SIMILARITY, CLASSIFICATION, CLUSTERING, ...) comes from
// the request's options.task_type; outputDimensionality from options.dimensions.
#include "gemini_embed.hpp"

#include <webox/plugin.hpp>

#include "plugins/common/embed_kit.hpp"

namespace webox::gemini {
namespace {

namespace sdk = webox::sdk;
namespace ek = webox::embed_kit;
using nlohmann::json;

constexpr size_t kGeminiEmbedBatch = 100;

std::string model_name(const std::string &model) { return model.starts_with("models/") ? model.substr(7) : model; }

json batch_body(const ek::Request &r, size_t first, size_t last) {
  json requests = json::array();
  for (size_t i = first; i < last; ++i) {
    json one = {{"model", "models/" + model_name(r.model)}, {"content", {{"parts", {{{"text", r.input[i]}}}}}}};
    if (!r.task_type.empty()) one["taskType"] = r.task_type;
    if (r.dimensions) one["outputDimensionality"] = *r.dimensions;
    requests.push_back(std::move(one));
  }
  return {{"requests", std::move(requests)}};
}

std::vector<const json *> values_of(const json &answer, const std::string &who) {
  // A reference into `answer`, never to value()'s temporary: the pointers returned point into it.
  auto found = answer.find("embeddings");
  if (found == answer.end() || !found->is_array())
    throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": the answer has no \"embeddings\" list");
  const json &embeddings = *found;
  std::vector<const json *> out;
  for (const auto &e : embeddings) {
    if (!e.is_object() || !e.contains("values"))
      throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": an embedding in the answer has no \"values\"");
    out.push_back(&e["values"]);
  }
  return out;
}

} // namespace

webox_status embed(const kit::InstanceConfig &self, const std::function<std::string()> &api_key,
                   const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const ek::Request request = ek::parse_request(req, self.name);
    const std::string key = api_key();
    ek::Vectors vectors(self.name, request.dimensions);
    vectors.add_tokens(std::nullopt); // Gemini reports no token count for embeddings
    ek::for_each_batch(request, kGeminiEmbedBatch, [&](size_t first, size_t last) {
      sdk::HttpRequest http;
      http.url = self.base_url + "/v1beta/models/" + model_name(request.model) + ":batchEmbedContents";
      http.headers = {"x-goog-api-key: " + key, "Content-Type: application/json"};
      http.body = kit::dump(batch_body(request, first, last));
      http.timeout_ms = self.timeout_ms;
      vectors.add_batch(values_of(ek::post(call, http, self.name), self.name), last - first);
    });
    sdk::give(kit::dump(vectors.result(request.model)), &out->json);
    return WEBOX_OK;
  });
}

} // namespace webox::gemini
