// embed_kit.hpp: what the in-tree embedding providers share (openai and its
// OpenAI-compatible family, gemini, ollama): reading the `embed` request
// document, cutting its inputs into the provider's batches, checking what a
// server answered (one vector per input, every vector of one dimension, the
// dimension asked for) and writing the result document. The documents are
// specified in docs/ARCHITECTURE.md ("Plugin operations", embed).
// Header-only, compiled into each plugin; not part of the SDK.
#ifndef WEBOX_EMBED_KIT_HPP
#define WEBOX_EMBED_KIT_HPP

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <webox/plugin.hpp>

#include "plugins/common/json_fields.hpp"
#include "plugins/common/media_kit.hpp"
#include "plugins/common/shared/bounded_json.hpp"

namespace webox::embed_kit {

namespace sdk = webox::sdk;
using nlohmann::json;

// At most this many texts in one embed request: the host batches above it.
constexpr size_t kMaxInputs = 4096;
// A vector longer than this is not an embedding (the largest models give 4096).
constexpr size_t kMaxDimensions = 16384;

struct Request {
  std::string model;
  std::vector<std::string> input;
  std::optional<int64_t> dimensions; // asked of the provider (OpenAI, Gemini)
  std::string task_type;             // Gemini's taskType (RETRIEVAL_DOCUMENT, RETRIEVAL_QUERY, ...)
  json options = json::object();     // everything else from "options", passed through
};

inline Request parse_request(const webox_request *req, const std::string &who) {
  json doc = bounded_json::parse_or_discarded(std::string_view(req->json, req->json_size));
  if (!doc.is_object()) throw sdk::Failure(WEBOX_E_INVALID, who + ": the embed request is not a JSON object");
  Request r;
  r.model = json_fields::string_at(doc, "model");
  if (r.model.empty()) throw sdk::Failure(WEBOX_E_INVALID, who + ": the embed request names no model");
  const json &input = doc.value("input", json());
  if (!input.is_array() || input.empty())
    throw sdk::Failure(WEBOX_E_INVALID, who + ": the embed request has no input texts");
  if (input.size() > kMaxInputs)
    throw sdk::Failure(WEBOX_E_INVALID, who + ": the embed request has " + std::to_string(input.size()) +
                                            " texts, more than " + std::to_string(kMaxInputs));
  for (const auto &text : input) {
    if (!text.is_string()) throw sdk::Failure(WEBOX_E_INVALID, who + ": every embed input must be a string");
    r.input.push_back(text.get<std::string>());
  }
  if (doc.contains("options") && doc["options"].is_object()) r.options = doc["options"];
  if (auto d = json_fields::integer_at(r.options, "dimensions")) {
    if (*d <= 0 || static_cast<size_t>(*d) > kMaxDimensions)
      throw sdk::Failure(WEBOX_E_INVALID, who + ": dimensions must be between 1 and " + std::to_string(kMaxDimensions));
    r.dimensions = *d;
  }
  r.task_type = json_fields::string_at(r.options, "task_type");
  r.options.erase("dimensions");
  r.options.erase("task_type");
  return r;
}

// Calls `send(first, last)` for each slice of at most `batch` inputs, in order.
template <class Send> void for_each_batch(const Request &r, size_t batch, const Send &send) {
  for (size_t first = 0; first < r.input.size(); first += batch)
    send(first, std::min(r.input.size(), first + batch));
}

// Collects the vectors of every batch and checks them as they come.
class Vectors {
public:
  Vectors(std::string who, std::optional<int64_t> dimensions) : m_who(std::move(who)), m_dimensions(dimensions) {}

  // `vectors`: what the server answered for `expected` inputs, in input order.
  void add_batch(const std::vector<const json *> &vectors, size_t expected) {
    if (vectors.size() != expected)
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_who + ": the server answered " + std::to_string(vectors.size()) +
                                               " vectors for " + std::to_string(expected) + " texts");
    for (const json *v : vectors) add_one(*v);
  }
  void add_tokens(std::optional<int64_t> n) {
    if (!n) m_tokens_known = false;
    else m_tokens += *n;
  }
  json result(const std::string &model) const {
    json doc = {{"model", model}, {"vectors", m_vectors}, {"dimensions", m_dimension}};
    if (m_tokens_known) doc["usage"] = {{"input_tokens", m_tokens}};
    return doc;
  }

private:
  void add_one(const json &v) {
    if (!v.is_array() || v.empty() || v.size() > kMaxDimensions)
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_who + ": the server answered something that is not an embedding vector");
    for (const auto &x : v)
      if (!x.is_number() || !std::isfinite(x.get<double>()))
        throw sdk::Failure(WEBOX_E_UPSTREAM, m_who + ": an embedding vector holds a value that is not a finite number");
    if (m_dimensions && v.size() != static_cast<size_t>(*m_dimensions))
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_who + ": asked for " + std::to_string(*m_dimensions) +
                                               " dimensions, the server answered " + std::to_string(v.size()));
    if (m_dimension != 0 && v.size() != m_dimension)
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_who + ": the server answered vectors of " + std::to_string(m_dimension) +
                                               " and " + std::to_string(v.size()) + " dimensions in one request");
    m_dimension = v.size();
    m_vectors.push_back(v);
  }

  std::string m_who;
  std::optional<int64_t> m_dimensions;
  size_t m_dimension = 0;
  json m_vectors = json::array();
  int64_t m_tokens = 0;
  bool m_tokens_known = true;
};

// Parses a 2xx body as a JSON object (bounded depth) or fails naming it.
inline json parse_answer(const sdk::HttpResponse &r, const std::string &who) {
  bounded_json::Parsed parsed = bounded_json::parse(r.body);
  if (parsed.too_deep) throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": response " + bounded_json::too_deep_text());
  if (!parsed.value.is_object())
    throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": the embeddings answer is not a JSON object");
  return std::move(parsed.value);
}

// A non-2xx answer: {"error":{"message","code"|"type"|"status"}} (OpenAI,
// Mistral, Gemini) or {"error":"text"} (Ollama).
[[noreturn]] inline void fail_http(const std::string &who, const sdk::HttpResponse &r) {
  json body = bounded_json::parse_or_discarded(r.body);
  std::string code, message;
  if (body.is_object() && body.contains("error")) {
    const json &e = body["error"];
    if (e.is_string()) message = e.get<std::string>();
    if (e.is_object()) {
      message = json_fields::string_at(e, "message");
      for (const char *k : {"code", "type", "status"})
        if (code.empty() && e.contains(k) && e[k].is_string()) code = e[k].get<std::string>();
    }
  }
  if (body.is_object() && message.empty()) message = json_fields::string_at(body, "message");
  bool quota = code == "insufficient_quota" || code == "billing_hard_limit_reached" || code == "RESOURCE_EXHAUSTED";
  media_plugin::fail_http(who, r, code, message, quota && r.status == 429);
}

// Sends one request and returns its parsed 2xx answer.
inline json post(const webox_call *call, const sdk::HttpRequest &http, const std::string &who) {
  sdk::HttpResponse r;
  try {
    r = sdk::http(call, http);
  } catch (const sdk::Failure &f) {
    throw sdk::explain_transport_failure(who, f, false);
  }
  if (r.status / 100 != 2) fail_http(who, r);
  return parse_answer(r, who);
}

// A chat descriptor with the embed slot and capability added.
constexpr webox_plugin with_embed(webox_plugin d, webox_op_fn embed) {
  d.capabilities |= WEBOX_CAP_EMBED;
  d.embed = embed;
  return d;
}

} // namespace webox::embed_kit

#endif // WEBOX_EMBED_KIT_HPP
