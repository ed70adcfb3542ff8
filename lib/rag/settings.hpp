// The `rag:` section of the config, read here (lib/core/config only accepts it):
//
//   rag:
//     embed_model: ollama:nomic-embed-text  # new collections get vectors without -m
//     max_file_mb: 16        # files above are skipped (counted; -v names them)
//     chunk_bytes: 1500      # target chunk size
//     overlap_bytes: 200     # carried from one chunk to the next (markdown, text)
//     context_tokens: 3000   # room for sources in `rag ask`
//     k: 5                   # results of search and ask
//
// Errors name the file, line and column (exit 4).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "lib/rag/ask.hpp"
#include "lib/rag/chunker.hpp"
#include "lib/rag/indexer.hpp"

namespace webox::rag {

struct RagSettings {
  std::string embed_model;
  int64_t max_file_bytes = kDefaultMaxFileBytes;
  ChunkLimits limits;
  int64_t context_tokens = kDefaultContextTokens;
  size_t k = 5;
};

RagSettings load_rag_settings(const std::filesystem::path &config_file);

} // namespace webox::rag
