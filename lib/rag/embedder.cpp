#include "lib/rag/embedder.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "lib/chat/budget.hpp"
#include "lib/chat/prices.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/rag/search.hpp"
#include "lib/store/calls.hpp"

namespace webox::rag {

namespace {

const char *task_type_for(EmbedPurpose purpose) {
  switch (purpose) {
    case EmbedPurpose::document: return "RETRIEVAL_DOCUMENT";
    case EmbedPurpose::query: return "RETRIEVAL_QUERY";
    case EmbedPurpose::none: break;
  }
  return "";
}

// Same high-side estimate as chat's (about 3 bytes a token).
int64_t estimate_embed_tokens(const std::vector<std::string> &texts, size_t first, size_t last) {
  int64_t bytes = 0;
  for (size_t i = first; i < last; ++i) bytes += static_cast<int64_t>(texts[i].size());
  return bytes / 3 + 1;
}

// The vectors of a plugin's answer, checked (see Embedder::embed).
std::vector<std::vector<float>> read_vectors(const nlohmann::json &doc, size_t expected, const std::string &who) {
  const nlohmann::json &vectors = doc.is_object() ? doc.value("vectors", nlohmann::json()) : nlohmann::json();
  if (!vectors.is_array())
    throw Error(who + ": the embed answer has no vectors");
  if (vectors.size() != expected)
    throw Error(who + ": the provider answered " + std::to_string(vectors.size()) + " vectors for " +
                std::to_string(expected) + " texts");
  std::vector<std::vector<float>> out;
  out.reserve(expected);
  for (const auto &v : vectors) {
    if (!v.is_array() || v.empty()) throw Error(who + ": the provider answered an empty or malformed vector");
    std::vector<float> f;
    f.reserve(v.size());
    for (const auto &x : v) {
      if (!x.is_number() || !std::isfinite(x.get<double>()))
        throw Error(who + ": the provider answered a vector holding something other than finite numbers");
      f.push_back(x.get<float>());
    }
    if (!out.empty() && f.size() != out.front().size())
      throw Error(who + ": the provider answered vectors of " + std::to_string(out.front().size()) + " and " +
                  std::to_string(f.size()) + " dimensions");
    out.push_back(std::move(f));
  }
  return out;
}

} // namespace

Embedder::Embedder(const Config &config, plugin::Registry &plugins, store::Db *db, chat::ModelRef model,
                   std::optional<int64_t> dimensions, std::optional<double> max_cost_usd)
    : m_config(config), m_db(db), m_model(std::move(model)), m_dimensions(dimensions), m_max_cost(max_cost_usd) {
  m_provider = std::make_unique<plugin::Provider>(plugin::bind_provider(plugins, config, m_model.provider));
  if (!m_provider->can(WEBOX_CAP_EMBED))
    throw UsageError(m_model.provider + " does not compute embeddings (try openai:text-embedding-3-small, "
                                        "gemini:gemini-embedding-001, ollama:nomic-embed-text or mistral:mistral-embed)");
}

Embedder::~Embedder() = default;

Embeddings Embedder::embed(const std::vector<std::string> &texts, EmbedPurpose purpose, bool normalised) {
  Embeddings all;
  for (size_t first = 0; first < texts.size(); first += kEmbedBatch) {
    Embeddings part = embed_batch(texts, first, std::min(texts.size(), first + kEmbedBatch), purpose);
    if (all.dimensions == 0) all.dimensions = part.dimensions;
    if (part.dimensions != all.dimensions)
      throw Error(m_model.text() + ": the provider changed dimension between batches (" +
                  std::to_string(all.dimensions) + ", then " + std::to_string(part.dimensions) + ")");
    if (part.input_tokens) all.input_tokens = all.input_tokens.value_or(0) + *part.input_tokens;
    if (part.cost) all.cost = all.cost.value_or(0) + *part.cost;
    all.resolved_model = part.resolved_model;
    for (auto &v : part.vectors) {
      if (normalised) normalise(v);
      all.vectors.push_back(std::move(v));
    }
  }
  return all;
}

Embeddings Embedder::embed_batch(const std::vector<std::string> &texts, size_t first, size_t last,
                                 EmbedPurpose purpose) {
  const chat::PriceTable prices = chat::PriceTable::for_config(m_config);
  chat::CallEstimate estimate;
  estimate.model = m_model;
  estimate.prompt_tokens = estimate_embed_tokens(texts, first, last);
  estimate.worst_case_usd = prices.cost(m_model.provider, m_model.model, estimate.prompt_tokens, 0);
  chat::Budget(m_config, m_db, m_max_cost).check({estimate}, m_spent);

  nlohmann::json request = {{"model", m_model.model},
                  {"input", std::vector<std::string>(texts.begin() + static_cast<std::ptrdiff_t>(first),
                                                     texts.begin() + static_cast<std::ptrdiff_t>(last))},
                  {"options", nlohmann::json::object()}};
  if (m_dimensions) request["options"]["dimensions"] = *m_dimensions;
  if (const char *task = task_type_for(purpose); *task) request["options"]["task_type"] = task;

  store::CallRecord record;
  record.provider = m_model.provider;
  record.model = m_model.model;
  record.prompt = "embed " + std::to_string(last - first) + " text(s)";
  record.options_json = request["options"].dump();
  const auto started = std::chrono::steady_clock::now();
  auto log_call = [&](const std::string &status, const std::string &error) {
    if (!m_db) return;
    record.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    record.status = status;
    record.error = logging::redact(error);
    store::Calls(*m_db).record(record, m_model.text());
  };

  Embeddings out;
  try {
    const nlohmann::json doc = m_provider->embed(request);
    out.vectors = read_vectors(doc, last - first, m_model.text());
    out.dimensions = out.vectors.front().size();
    if (m_dimensions && out.dimensions != static_cast<size_t>(*m_dimensions))
      throw Error(m_model.text() + ": asked for " + std::to_string(*m_dimensions) + " dimensions, the provider answered " +
                  std::to_string(out.dimensions));
    out.resolved_model = doc.value("model", m_model.model);
    if (doc.contains("usage") && doc["usage"].is_object() && doc["usage"].value("input_tokens", nlohmann::json()).is_number_integer())
      out.input_tokens = doc["usage"]["input_tokens"].get<int64_t>();
    out.cost = prices.cost(m_model.provider, m_model.model, out.input_tokens, int64_t{0});
  } catch (const plugin::ProviderError &e) {
    log_call(e.status() == WEBOX_E_CANCELLED ? "cancelled" : "error", e.what());
    throw;
  } catch (const Error &e) {
    log_call("error", e.what());
    throw;
  }
  record.resolved_model = out.resolved_model;
  record.response = std::to_string(out.vectors.size()) + " vector(s) of " + std::to_string(out.dimensions) + " dimensions";
  record.input_tokens = out.input_tokens.value_or(-1);
  record.output_tokens = 0;
  record.cost = out.cost;
  log_call("ok", "");
  if (out.cost) m_spent += *out.cost;
  return out;
}

} // namespace webox::rag
