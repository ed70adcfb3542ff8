// The retrieval a user asks for: BM25 for a lexical collection (offline),
// hybrid (exact vector search + BM25, fused by reciprocal rank) for one with
// an embedding model. Shared by `rag search`, `rag ask`, `chat --rag`
// and the workflow step `retrieve:`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lib/rag/collections.hpp"
#include "lib/rag/search.hpp"

namespace webox {
struct Config;
namespace plugin {
class Registry;
}
namespace store {
class Db;
}
} // namespace webox

namespace webox::rag {

struct RetrieveOptions {
  size_t k = 5;
  bool lexical_only = false;   // --lexical: BM25 even when the collection has vectors (offline)
  std::string model_spec;      // -m: must name the collection's embedding model ("" = the collection's)
  std::optional<double> max_cost_usd;
};

enum class RetrievalMode { lexical, hybrid };

struct Retrieval {
  CollectionInfo collection;
  RetrievalMode mode = RetrievalMode::lexical;
  std::vector<Hit> hits;
};

// Candidates taken from each ranking before fusion.
constexpr size_t kFusionCandidates = 50;

// Throws UsageError for an unknown collection, and for a model other than
// the collection's (the message says how to re-index); the query's vector
// of another dimension is refused the same way.
Retrieval retrieve(const Config &config, plugin::Registry &plugins, store::Db &db, const std::string &collection,
                   const std::string &query, const RetrieveOptions &options);

// The collection or UsageError naming `rag list`.
CollectionInfo require_collection(store::Db &db, const std::string &name, Counts counts = Counts::yes);

} // namespace webox::rag
