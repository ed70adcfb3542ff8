// Embeddings on the host side: one provider instance, texts sent in batches
// through the plugin's `embed` slot, with the same care as a chat call:
// budgets checked before anything is sent, every call logged (tokens, cost,
// latency, errors) for `webox logs` and `webox stats`, and the answer
// checked (one vector per text, one dimension, finite numbers) before a
// vector reaches the store. Retries and back-off are the host HTTP's.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/chat/model_ref.hpp"

namespace webox {
struct Config;
namespace plugin {
class Registry;
class Provider;
} // namespace plugin
namespace store {
class Db;
}
} // namespace webox

namespace webox::rag {

// Gemini's task types; other providers ignore them.
enum class EmbedPurpose { document, query, none };

struct Embeddings {
  std::vector<std::vector<float>> vectors; // one per text, in order
  size_t dimensions = 0;
  std::optional<int64_t> input_tokens;
  std::optional<double> cost;
  std::string resolved_model;
};

// Texts per call to the plugin (the plugin cuts again to its provider's limit).
constexpr size_t kEmbedBatch = 64;

class Embedder {
public:
  // Throws UsageError when the provider cannot embed. `db` may be null (then
  // nothing is logged and only --max-cost is checked).
  Embedder(const Config &config, plugin::Registry &plugins, store::Db *db, chat::ModelRef model,
           std::optional<int64_t> dimensions, std::optional<double> max_cost_usd = std::nullopt);
  ~Embedder();

  const chat::ModelRef &model() const { return m_model; }
  bool dimensions_asked() const { return m_dimensions.has_value(); }

  // Vectors for `texts`, L2-normalised when `normalised`. Throws
  // ProviderError (the plugin's failure) or webox::Error (exit 1) when the
  // answer has the wrong count or dimension, or a dimension other than the
  // one fixed by an earlier batch or the constructor's `dimensions`.
  Embeddings embed(const std::vector<std::string> &texts, EmbedPurpose purpose, bool normalised = true);

private:
  Embeddings embed_batch(const std::vector<std::string> &texts, size_t first, size_t last, EmbedPurpose purpose);

  const Config &m_config;
  store::Db *m_db;
  chat::ModelRef m_model;
  std::optional<int64_t> m_dimensions;
  std::optional<double> m_max_cost;
  double m_spent = 0;
  std::unique_ptr<plugin::Provider> m_provider;
};

} // namespace webox::rag
