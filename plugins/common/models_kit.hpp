// models_kit.hpp: the `list_models` operation (ABI 1.4, WEBOX_CAP_LIST_MODELS)
// as every in-tree provider answers it: the request's limit, the bounded
// collection of models across pages, the result document, the GET request,
// and the reader of the OpenAI `GET /models` format that the whole
// OpenAI-compatible family (OpenAI, Mistral, Groq, DeepInfra, OpenRouter,
// xAI, DeepSeek, and any configured instance of them) shares.
// Header-only, for in-tree plugins; not part of the SDK.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <webox/plugin.hpp>

#include "plugins/common/shared/percent_encode.hpp"
#include "plugins/common/json_fields.hpp"
#include "plugins/common/shared/bounded_json.hpp"

namespace webox::kit::models {

using nlohmann::json;

// A provider paginating forever (or a hostile endpoint) stops here.
constexpr int kMaxPages = 50;
constexpr int64_t kDefaultLimit = 2000;
constexpr int64_t kMaxLimit = 10000;

struct ModelInfo {
  std::string id;
  std::string display_name;
  std::set<std::string> capabilities; // chat, embeddings, images, audio, tools, vision
  std::optional<int64_t> context_window;
};

// The models of one list_models call, at most the request's limit.
class Collector {
public:
  explicit Collector(const webox_request *req) {
    json request = bounded_json::parse_or_discarded(std::string_view(req && req->json ? req->json : "", req ? req->json_size : 0));
    if (auto limit = json_fields::integer_at(request, "limit"); limit && *limit > 0) m_limit = std::min(*limit, kMaxLimit);
  }

  // False once the limit is reached (the rest is dropped and said).
  bool add(ModelInfo m) {
    if (m.id.empty()) return true;
    if (static_cast<int64_t>(m_models.size()) >= m_limit) {
      m_truncated = true;
      return false;
    }
    m_models.push_back(std::move(m));
    return true;
  }
  bool full() const { return static_cast<int64_t>(m_models.size()) >= m_limit; }
  // More pages were offered than kMaxPages.
  void stopped_early() { m_truncated = true; }

  json to_json() const {
    json models = json::array();
    for (const auto &m : m_models) {
      json j = {{"id", m.id}};
      if (!m.display_name.empty()) j["display_name"] = m.display_name;
      if (!m.capabilities.empty()) j["capabilities"] = m.capabilities;
      if (m.context_window && *m.context_window > 0) j["context_window"] = *m.context_window;
      models.push_back(std::move(j));
    }
    json doc = {{"models", models}};
    if (m_truncated) doc["truncated"] = true;
    return doc;
  }

private:
  int64_t m_limit = kDefaultLimit;
  bool m_truncated = false;
  std::vector<ModelInfo> m_models;
};

// A descriptor with the list_models slot (which needs host ABI 1.4).
constexpr webox_plugin with_list_models(webox_plugin d, webox_op_fn list_models) {
  d.capabilities |= WEBOX_CAP_LIST_MODELS;
  d.list_models = list_models;
  if (d.min_host_minor < 4) d.min_host_minor = 4;
  return d;
}

// One page's GET: no body, JSON back.
inline sdk::HttpRequest get_request(std::string url, std::vector<std::string> headers, int32_t timeout_ms) {
  sdk::HttpRequest r;
  r.method = "GET";
  r.url = std::move(url);
  r.headers = std::move(headers);
  r.headers.push_back("Accept: application/json");
  r.timeout_ms = timeout_ms;
  return r;
}

// A page's body as a JSON object, or the failure saying what came instead.
inline json page_object(std::string_view body, const std::string &who) {
  bounded_json::Parsed parsed = bounded_json::parse(body);
  if (parsed.too_deep) throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": model list " + bounded_json::too_deep_text());
  if (!parsed.value.is_object()) throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": the model list is not a JSON object");
  return std::move(parsed.value);
}

// The context window under the names providers give it.
inline std::optional<int64_t> context_window_of(const json &item) {
  for (const char *key : {"context_window", "context_length", "max_context_length", "max_input_tokens", "inputTokenLimit"})
    if (auto n = json_fields::integer_at(item, key)) return n;
  return std::nullopt;
}

// One entry of an OpenAI-format list (`{"object":"list","data":[...]}`).
// OpenAI says nothing but the id; the compatible services say more, each in
// its own words, and each is read where it is said:
//   Mistral     "capabilities": {"completion_chat", "function_calling", "vision"}, "max_context_length"
//   OpenRouter  "architecture": {"input_modalities", "output_modalities"}, "supported_parameters", "context_length"
//   Groq        "context_window"
inline ModelInfo openai_model(const json &item) {
  ModelInfo m;
  m.id = json_fields::string_at(item, "id");
  m.display_name = json_fields::string_at(item, "name");
  m.context_window = context_window_of(item);
  json caps = json_fields::object_at(item, "capabilities");
  if (json_fields::flag_at(caps, "completion_chat")) m.capabilities.insert("chat");
  if (json_fields::flag_at(caps, "function_calling")) m.capabilities.insert("tools");
  if (json_fields::flag_at(caps, "vision")) m.capabilities.insert("vision");
  json arch = json_fields::object_at(item, "architecture");
  auto modalities = [&](const char *key) {
    const json *list = json_fields::member(arch, key);
    std::set<std::string> out;
    if (list && list->is_array())
      for (const auto &v : *list)
        if (v.is_string()) out.insert(v.get<std::string>());
    return out;
  };
  std::set<std::string> in = modalities("input_modalities"), out = modalities("output_modalities");
  if (out.count("text")) m.capabilities.insert("chat");
  if (in.count("image")) m.capabilities.insert("vision");
  if (in.count("audio") || out.count("audio")) m.capabilities.insert("audio");
  if (out.count("image")) m.capabilities.insert("images");
  if (const json *params = json_fields::member(item, "supported_parameters"); params && params->is_array())
    for (const auto &p : *params)
      if (p.is_string() && p.get<std::string>() == "tools") m.capabilities.insert("tools");
  return m;
}

// Every entry of one OpenAI-format page into `models`.
inline void read_openai_page(const json &page, Collector &models) {
  const json *data = json_fields::member(page, "data");
  if (!data || !data->is_array()) return;
  for (const auto &item : *data)
    if (item.is_object() && !models.add(openai_model(item))) return;
}

} // namespace webox::kit::models
