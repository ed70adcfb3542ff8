// The user's configuration: $XDG_CONFIG_HOME/webox/config.yaml (or
// WEBOX_CONFIG). Every setting is optional; a missing file is an empty
// configuration.
//
//   default_model: anthropic:claude-sonnet-4-5
//   aliases:
//     claude: anthropic:claude-sonnet-4-5
//     local: ollama:llama3.2
//   providers:
//     openai:
//       base_url: https://my-proxy.example/v1
//       options: {temperature: 0.3}
//     lmstudio:                     # any OpenAI-compatible server
//       type: openai                # the plugin that speaks its protocol
//       base_url: http://127.0.0.1:1234/v1
//       api_key_env: LMSTUDIO_KEY
//   fallbacks:
//     fast: [groq:llama-3.1-8b-instant, openai:gpt-4o-mini]   # -m @fast
//   budgets:
//     daily: 2.00                   # USD across providers; 0 = no cap
//     monthly: 30
//     providers: {openai: {daily: 1.00}}
//   prices:                         # USD per million tokens, overriding data/prices.json
//     "openai:gpt-4o-mini": {input: 0.15, output: 0.60}
//   http:
//     connect_timeout_ms: 10000
//     read_timeout_ms: 120000
//     retries: 3
//     ca_bundle: /etc/ssl/private-ca.pem
//     max_response_bytes: 67108864  # larger bodies are refused (64 MiB)
//     total_timeout_ms: 3600000     # one request, retries included; 0 = none
//     max_retry_wait_ms: 60000      # longest wait before a retry
//     max_cooldown_ms: 600000       # longest a rate-limited model is skipped
//   media:                          # the models media commands use without -m
//     image_model: openai:gpt-image-1
//     tts_model: espeak
//     stt_model: pocketsphinx
//   workflow:
//     jobs: 4                       # steps run at once without --jobs
//
// The sections leads, social, export and mcp_servers are read by their
// features (lib/leads/settings.cpp, lib/export/export_settings.cpp,
// lib/mcp/server_config.cpp); here they are only accepted.
//
// Precedence, everywhere: command-line flag > environment > this file >
// built-in default. Errors name the file, line and column.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace webox {

struct ProviderSettings {
  std::string plugin;       // plugin id; "" = the provider name itself
  std::string base_url;     // "" = unset
  std::string api_key_env;  // "" = the plugin's own variable
  std::string options_json = "{}";
};

struct HttpConfig {
  std::optional<int64_t> connect_timeout_ms;
  std::optional<int64_t> read_timeout_ms;
  std::optional<int> retries;
  std::string ca_bundle;
  std::optional<int64_t> max_response_bytes;
  std::optional<int64_t> total_timeout_ms;   // 0 = no overall deadline
  std::optional<int64_t> max_retry_wait_ms;  // longest wait before one retry
  std::optional<int64_t> max_cooldown_ms;    // longest a rate-limited model is skipped
};

// A price per million tokens, in US dollars.
struct Price {
  double input_per_million = 0;
  double output_per_million = 0;
  // The provider's batch price (provider batches, `workflow run --batch`);
  // unknown when absent, never assumed.
  std::optional<double> batch_input_per_million{};
  std::optional<double> batch_output_per_million{};
};

// Spending caps in US dollars; 0 = no cap.
struct BudgetCaps {
  double daily = 0;
  double monthly = 0;
};

struct Budgets {
  BudgetCaps overall;
  std::map<std::string, BudgetCaps> providers;
};

// Default models of the media commands and workflow steps ("" = unset).
struct MediaConfig {
  std::string image_model;
  std::string tts_model;
  std::string stt_model;
};

struct Config {
  std::filesystem::path source; // the file read, even when it did not exist
  bool file_exists = false;
  std::string default_model;
  std::map<std::string, std::string> aliases;
  std::map<std::string, ProviderSettings> providers;
  HttpConfig http;
  // Named fallback chains, used as `-m @name`: fallbacks: {fast: [groq:x, openai:y]}.
  std::map<std::string, std::vector<std::string>> fallbacks;
  Budgets budgets;
  // Price overrides keyed "provider:model" or "provider:*".
  std::map<std::string, Price> prices;
  MediaConfig media;
  std::optional<int> workflow_jobs; // workflow.jobs: 1..256
};

// Reads and validates the config at `file`. A missing file yields defaults;
// a malformed one throws webox::Error (exit 4) with file:line:column.
Config load_config(const std::filesystem::path &file);

} // namespace webox
