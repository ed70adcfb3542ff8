#include "lib/rag/settings.hpp"


#include <yaml-cpp/yaml.h>

#include "lib/core/config_error.hpp"

namespace webox::rag {
RagSettings load_rag_settings(const std::filesystem::path &file) {
  RagSettings out;
  const YAML::Node rag = config_section(file, "rag");
  if (!rag || rag.IsNull()) return out;
  if (!rag.IsMap()) fail_config_at(file, rag.Mark(), "'rag' must be a mapping");
  for (const auto &kv : rag) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node &v = kv.second;
    if (key == "embed_model") {
      if (!v.IsScalar()) fail_config_at(file, v.Mark(), "'rag.embed_model' must be provider:model");
      out.embed_model = v.as<std::string>();
    } else if (key == "max_file_mb") {
      out.max_file_bytes = config_integer(file, v, "rag.max_file_mb", 1, 1024) << 20;
    } else if (key == "chunk_bytes") {
      out.limits.target_bytes = static_cast<size_t>(config_integer(file, v, "rag.chunk_bytes", 200, 100000));
    } else if (key == "overlap_bytes") {
      out.limits.overlap_bytes = static_cast<size_t>(config_integer(file, v, "rag.overlap_bytes", 0, 50000));
    } else if (key == "context_tokens") {
      out.context_tokens = config_integer(file, v, "rag.context_tokens", 100, 1000000);
    } else if (key == "k") {
      out.k = static_cast<size_t>(config_integer(file, v, "rag.k", 1, 1000));
    } else {
      fail_config_at(file, kv.first.Mark(),
                     "unknown setting 'rag." + key +
                         "' (known: embed_model, max_file_mb, chunk_bytes, overlap_bytes, context_tokens, k)");
    }
  }
  return out;
}

} // namespace webox::rag
