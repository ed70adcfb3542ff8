#include "lib/rag/retrieve.hpp"

#include <algorithm>

#include "lib/chat/model_ref.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/rag/embedder.hpp"
#include "lib/store/db.hpp"

namespace webox::rag {

CollectionInfo require_collection(store::Db &db, const std::string &name, Counts counts) {
  validate_collection_name(name);
  auto found = Collections(db).find(name, counts);
  if (!found) throw UsageError("no collection named '" + name + "' (see 'webox rag list'; 'webox rag index " + name + " PATHS...' makes it)");
  return *found;
}

Retrieval retrieve(const Config &config, plugin::Registry &plugins, store::Db &db, const std::string &name,
                   const std::string &query, const RetrieveOptions &options) {
  Retrieval r;
  r.collection = require_collection(db, name, Counts::no);
  const CollectionInfo &c = r.collection;
  if (!options.model_spec.empty()) {
    chat::ModelRef asked = chat::resolve_model(options.model_spec, config, plugins);
    if (c.embed_model.empty())
      throw UsageError("collection " + name + " has no embeddings (it was indexed without -m); " +
                       reindex_hint(name, asked.text()));
    if (asked.text() != c.embed_model)
      throw UsageError("collection " + name + " was indexed with " + c.embed_model + " (" + std::to_string(c.dimensions) +
                       " dimensions), not " + asked.text() + "; search it with -m " + c.embed_model + " or " +
                       reindex_hint(name, asked.text()));
  }
  const bool hybrid = !options.lexical_only && !c.embed_model.empty() && c.dimensions > 0;
  if (!hybrid) {
    r.hits = load_hits(db, bm25_search(db, c.id, query, options.k));
    return r;
  }
  r.mode = RetrievalMode::hybrid;
  chat::ModelRef model = chat::resolve_model(c.embed_model, config, plugins);
  std::optional<int64_t> dimensions;
  if (c.dimensions_asked) dimensions = c.dimensions;
  Embedder embedder(config, plugins, &db, model, dimensions, options.max_cost_usd);
  Embeddings q = embedder.embed({query}, EmbedPurpose::query);
  if (q.dimensions != static_cast<size_t>(c.dimensions))
    throw UsageError("collection " + name + " holds vectors of " + std::to_string(c.dimensions) + " dimensions, " +
                     model.text() + " now answers " + std::to_string(q.dimensions) + "; " + reindex_hint(name, model.text()));
  const size_t candidates = std::max(kFusionCandidates, options.k);
  Ranked fused = fuse_rrf({vector_search(db, c, q.vectors.front(), candidates), bm25_search(db, c.id, query, candidates)},
                          options.k);
  r.hits = load_hits(db, fused);
  return r;
}

} // namespace webox::rag
