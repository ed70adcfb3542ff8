// OpenAI-compatible embeddings.
//
// WIRE FORMAT. POST {base}/embeddings, Bearer key, JSON
//   {"model","input":["..."],"encoding_format":"float","dimensions"?: N}
// (`dimensions` only for the models that can shorten their vectors:
// text-embedding-3-*). Answer
//   {"data":[{"index":0,"embedding":[...]}],"model","usage":{"prompt_tokens","total_tokens"}}.
// `data` is put back in input order by `index`. Mistral (mistral-embed) and
// DeepInfra answer the same document. OpenAI takes at most 2048 inputs per
// request; batches of kBatch stay well under it and under the ~300k tokens
// a request may hold with the host's chunk sizes.
#include "openai_embed.hpp"

#include <algorithm>

#include <webox/plugin.hpp>

#include "plugins/common/embed_kit.hpp"

namespace webox::openai {
namespace {

namespace sdk = webox::sdk;
namespace ek = webox::embed_kit;
using nlohmann::json;

constexpr size_t kOpenAiEmbedBatch = 256;

// The vectors of one answer in input order, or a failure naming what is wrong.
std::vector<const json *> vectors_in_order(const json &answer, const std::string &who) {
  // A reference into `answer`, never to value()'s temporary: the pointers returned point into it.
  auto found = answer.find("data");
  if (found == answer.end() || !found->is_array())
    throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": the embeddings answer has no \"data\" list");
  const json &data = *found;
  std::vector<const json *> out(data.size(), nullptr);
  for (size_t i = 0; i < data.size(); ++i) {
    const json &item = data[i];
    if (!item.is_object()) throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": an embeddings item is not an object");
    const int64_t index = json_fields::integer_at(item, "index").value_or(static_cast<int64_t>(i));
    if (index < 0 || static_cast<size_t>(index) >= data.size() || out[static_cast<size_t>(index)])
      throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": the embeddings answer has a bad or repeated index");
    out[static_cast<size_t>(index)] = item.contains("embedding") ? &item["embedding"] : &item;
  }
  return out;
}

} // namespace

webox_status embed(const EmbedEndpoint &ep, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const ek::Request request = ek::parse_request(req, ep.name);
    const std::string key = media_plugin::require_key(call, ep.name, ep.key_var);
    ek::Vectors vectors(ep.name, request.dimensions);
    std::string resolved = request.model;
    ek::for_each_batch(request, kOpenAiEmbedBatch, [&](size_t first, size_t last) {
      json body = request.options;
      body["model"] = request.model;
      body["input"] = std::vector<std::string>(request.input.begin() + static_cast<std::ptrdiff_t>(first),
                                               request.input.begin() + static_cast<std::ptrdiff_t>(last));
      body["encoding_format"] = "float";
      if (request.dimensions) body["dimensions"] = *request.dimensions;
      sdk::HttpRequest http;
      http.url = ep.base_url + "/embeddings";
      http.headers = {"Authorization: Bearer " + key, "Content-Type: application/json"};
      http.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
      http.timeout_ms = ep.timeout_ms;
      const json answer = ek::post(call, http, ep.name);
      vectors.add_batch(vectors_in_order(answer, ep.name), last - first);
      const json &usage = answer.value("usage", json::object());
      vectors.add_tokens(json_fields::integer_at(usage, "prompt_tokens"));
      if (std::string m = json_fields::string_at(answer, "model"); !m.empty()) resolved = m;
    });
    sdk::give(vectors.result(resolved).dump(-1, ' ', false, json::error_handler_t::replace), &out->json);
    return WEBOX_OK;
  });
}

} // namespace webox::openai
