// The `batch:` section of config.yaml (provider batches, `workflow run
// --batch`, `webox batch collect`):
//   batch:
//     poll_seconds: 30     how often a waiting batch's status is asked (1 to 86400)
// WEBOX_BATCH_POLL_MS overrides it in milliseconds (tests, impatient users);
// WEBOX_BATCH_MAX_REQUESTS lowers the requests per batch below the
// provider's limit (tests of the splitting).
#pragma once

#include <cstdint>
#include <filesystem>

namespace webox::workflow {

struct BatchSettings {
  int64_t poll_ms = 30000;
  int64_t max_requests = 0; // 0 = the provider's limit (its manifest's batch_limits)
};

// Throws the configuration error (exit 4) naming file:line:column, or a
// UsageError naming a malformed variable.
BatchSettings load_batch_settings(const std::filesystem::path &config_file);

} // namespace webox::workflow
