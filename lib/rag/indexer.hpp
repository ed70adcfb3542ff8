// `webox rag index`: walk the given paths, read and chunk what changed,
// embed the chunks when the collection has an embedding model, and store
// each document in its own transaction.
//
// Incremental: a file whose size and mtime match the store is not read; one
// whose bytes hash the same is only re-stamped; a changed one is re-chunked;
// a stored document under one of the given paths that no longer exists is
// removed. An interrupted run (Ctrl-C, kill -9) leaves whole documents, and
// the next run picks up where it stopped.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lib/rag/chunker.hpp"
#include "lib/rag/collections.hpp"

namespace webox {
struct Config;
namespace plugin {
class Registry;
}
} // namespace webox

namespace webox::rag {

struct RagSettings;

class Embedder;

// Files above this are skipped (counted, named with -v): `rag.max_file_mb`.
constexpr int64_t kDefaultMaxFileBytes = 16ll << 20;

struct IndexOptions {
  std::vector<std::string> paths;
  int64_t max_file_bytes = kDefaultMaxFileBytes;
  ChunkLimits limits;
  // `rag index --rebuild`: every stored document under `paths` (all of the
  // collection's when `paths` is empty) is read, chunked and embedded again,
  // as if it had changed (Collections::mark_stale).
  bool rebuild = false;
  // Called before each file is looked at: done so far, total, path.
  std::function<void(size_t done, size_t total, const std::string &path)> on_progress;
};

struct Skipped {
  std::string path;
  std::string why;
};

struct IndexReport {
  size_t files = 0;     // files found under the paths
  size_t added = 0;
  size_t updated = 0;
  size_t unchanged = 0;
  size_t removed = 0;
  size_t chunks = 0;    // chunks written this run
  size_t repaired_utf8 = 0; // files whose invalid UTF-8 was replaced by U+FFFD
  int64_t bytes = 0;    // bytes read and chunked this run
  std::vector<Skipped> skipped; // binary, too large, unreadable, unsupported
};

// Indexes `options.paths` into `collection`. `embedder` is null for a
// lexical collection. Throws UsageError when a path does not exist and no
// stored document lies under it, or when `paths` is empty without
// `rebuild`; Interrupted on Ctrl-C (between documents).
IndexReport index_paths(Collections &collections, const CollectionInfo &collection, Embedder *embedder,
                        const IndexOptions &options);

// Absolute, lexically normal form of a user's path (not resolving symlinks).
std::string absolute_path(const std::string &path);

// The embedding model of an index run: the collection's, `asked` (-m, an
// alias resolved), or rag.embed_model for a new collection; "" for a lexical
// one. UsageError for a change of model (the vectors would not compare) or
// embeddings asked of a collection indexed without them.
std::string index_model(const CollectionInfo &collection, const std::string &asked, const RagSettings &settings,
                        const Config &config, plugin::Registry &plugins);

} // namespace webox::rag
