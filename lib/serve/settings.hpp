// The `serve:` section of config.yaml (read through config_section()).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace webox::serve {

struct ServeSettings {
  std::string listen = "127.0.0.1:8787";
  int64_t max_body_bytes = 1 << 20;  // Meta batches up to 1000 changes; 1 MiB is plenty
  int64_t max_pending = 10000;       // queue bound: 503 + Retry-After beyond
  int max_attempts = 3;              // then parked as failed
  int64_t drain_ms = 10000;          // SIGTERM: how long the worker may go on
  int threads = 8;                   // HTTP threads
};

ServeSettings load_serve_settings(const std::filesystem::path &config_file);

// "127.0.0.1:8787" -> host and port; throws UsageError naming `where`.
struct ListenAddress {
  std::string host;
  int port = 0;
};
ListenAddress parse_listen(const std::string &text, const std::string &where);

} // namespace webox::serve
