#include "lib/workflow/batch_settings.hpp"

#include <string>

#include <yaml-cpp/yaml.h>

#include "lib/core/config_error.hpp"
#include "lib/core/paths.hpp"

namespace webox::workflow {

BatchSettings load_batch_settings(const std::filesystem::path &file) {
  BatchSettings out;
  const YAML::Node batch = config_section(file, "batch");
  if (batch && !batch.IsNull()) {
    if (!batch.IsMap()) fail_config_at(file, batch.Mark(), "'batch' must be a mapping");
    for (const auto &kv : batch) {
      const std::string key = kv.first.as<std::string>();
      if (key != "poll_seconds")
        fail_config_at(file, kv.first.Mark(), "unknown setting 'batch." + key + "' (known: poll_seconds)");
      int64_t seconds = 0;
      try {
        seconds = kv.second.as<int64_t>();
      } catch (const YAML::Exception &) {
        fail_config_at(file, kv.second.Mark(), "'batch.poll_seconds' must be a whole number of seconds");
      }
      if (seconds < 1 || seconds > 86400)
        fail_config_at(file, kv.second.Mark(), "'batch.poll_seconds' must be between 1 and 86400");
      out.poll_ms = seconds * 1000;
    }
  }
  out.poll_ms = paths::env_number("WEBOX_BATCH_POLL_MS", out.poll_ms, 1);
  out.max_requests = paths::env_number("WEBOX_BATCH_MAX_REQUESTS", 0, 0);
  return out;
}

} // namespace webox::workflow
