// `webox config`: where the configuration lives and which source won for
// every resolved setting (flag, environment, file, default). Keys are never
// printed, only where they come from.
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/chat/fallback.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/core/config.hpp"
#include "lib/core/keystore.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/url_redact.hpp"
#include "lib/media/generate.hpp"
#include "lib/plugin/host_api.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/store/open.hpp"
#include "lib/workflow/runner.hpp"

namespace webox::cli {
namespace {

struct Setting {
  std::string name;
  std::string value;
  std::string source;
};

std::string env_or(const char *var, const std::string &fallback, std::string &source, const std::string &fallback_source) {
  std::string v = paths::env(var);
  if (!v.empty()) {
    source = std::string("env ") + var;
    return v;
  }
  source = fallback_source;
  return fallback;
}

// Where webox reads and writes: config, database, model, keys, plugins.
void explain_locations(Context &ctx, std::vector<Setting> &out) {
  const Config &cfg = ctx.config();
  std::string src;
  out.push_back({"config_file", cfg.source.string(),
                 std::string(paths::env("WEBOX_CONFIG").empty() ? "default" : "env WEBOX_CONFIG") +
                     (cfg.file_exists ? "" : " (missing)")});
  const store::Location where = ctx.store_location();
  out.push_back({"database", where.shown(), where.setting == "WEBOX_DB" ? "env WEBOX_DB" : where.setting});
  const std::string &ws = where.workspace.setting;
  const std::string ws_source = ws == "--workspace"       ? "flag --workspace"
                                : ws == "WEBOX_WORKSPACE" ? "env WEBOX_WORKSPACE"
                                : ws == "default"         ? "default"
                                                          : "file";
  out.push_back({"workspace", where.workspace.name, ws_source});
  std::string model = env_or("WEBOX_MODEL", cfg.default_model, src, cfg.default_model.empty() ? "default" : "file");
  out.push_back({"default_model", chat::default_model_spec(cfg), src});
  out.push_back({"keys_file", ctx.keys().file().string(), "default"});
  std::string plugin_path = paths::env("WEBOX_PLUGIN_PATH");
  out.push_back({"plugin_path", plugin_path, plugin_path.empty() ? "default" : "env WEBOX_PLUGIN_PATH"});
}

void explain_http(Context &ctx, std::vector<Setting> &out) {
  const Config &cfg = ctx.config();
  const net::HttpSettings http = plugin::http_settings();
  auto numeric = [&](const char *name, const char *env, bool in_file, int64_t value) {
    out.push_back({name, std::to_string(value),
                   !paths::env(env).empty() ? std::string("env ") + env : in_file ? "file" : "default"});
  };
  numeric("http.connect_timeout_ms", "WEBOX_CONNECT_TIMEOUT_MS", cfg.http.connect_timeout_ms.has_value(),
          http.connect_timeout_ms);
  numeric("http.read_timeout_ms", "WEBOX_TIMEOUT_MS", cfg.http.read_timeout_ms.has_value(), http.idle_timeout_ms);
  numeric("http.retries", "WEBOX_RETRIES", cfg.http.retries.has_value(), http.retry.max_retries);
  numeric("http.max_response_bytes", "WEBOX_MAX_RESPONSE_BYTES", cfg.http.max_response_bytes.has_value(),
          static_cast<int64_t>(http.max_body_bytes));
  numeric("http.total_timeout_ms", "WEBOX_TOTAL_TIMEOUT_MS", cfg.http.total_timeout_ms.has_value(),
          http.total_timeout_ms);
  out.push_back({"http.max_retry_wait_ms", std::to_string(http.retry.max_wait_ms),
                 cfg.http.max_retry_wait_ms ? "file" : "default"});
  out.push_back({"http.max_cooldown_ms", std::to_string(chat::max_cooldown_ms(cfg)),
                 cfg.http.max_cooldown_ms ? "file" : "default"});
  out.push_back({"http.ca_bundle", http.ca_bundle,
                 !ctx.global.ca_bundle.empty()          ? "flag --ca-bundle"
                 : !paths::env("WEBOX_CA_BUNDLE").empty() ? "env WEBOX_CA_BUNDLE"
                 : cfg.http.ca_bundle.empty()           ? "default (system store)"
                                                        : "file"});
}

void explain_media_and_workflow(const Config &cfg, std::vector<Setting> &out) {
  for (auto [name, kind] : {std::pair{"media.image_model", media::MediaKind::image},
                            std::pair{"media.tts_model", media::MediaKind::speech},
                            std::pair{"media.stt_model", media::MediaKind::transcription}}) {
    media::MediaDefault d = media::default_media_model(kind, cfg.media);
    out.push_back({name, d.model, d.source});
  }
  out.push_back({"workflow.jobs", std::to_string(cfg.workflow_jobs.value_or(workflow::kDefaultJobs)),
                 cfg.workflow_jobs ? "file" : "default"});
}

// A plugin's base URL: the environment, else the config, else its manifest.
void explain_base_url(const Config &cfg, const plugin::Manifest &m, std::vector<Setting> &out) {
  std::string base = m.default_base_url;
  std::string base_src = "default";
  if (auto it = cfg.providers.find(m.id); it != cfg.providers.end() && !it->second.base_url.empty()) {
    base = it->second.base_url;
    base_src = "file";
  }
  if (!m.base_url_env.empty() && !paths::env(m.base_url_env.c_str()).empty()) {
    base = paths::env(m.base_url_env.c_str());
    base_src = "env " + m.base_url_env;
  }
  if (!base.empty()) out.push_back({m.id + ".base_url", url::redact(base), base_src});
}

// Where a plugin's key comes from; its value is never shown.
void explain_key(const plugin::Manifest &m, const std::vector<std::string> &stored, std::vector<Setting> &out) {
  if (m.secrets.empty()) return;
  auto has_stored = [&](const std::string &n) { return std::find(stored.begin(), stored.end(), n) != stored.end(); };
  std::string key_src = "missing";
  for (const auto &s : m.secrets) {
    if (!paths::env(s.c_str()).empty()) {
      key_src = "env " + s;
      break;
    }
    if (has_stored(s)) {
      key_src = "keys file (" + s + ")";
      break;
    }
  }
  if (key_src == "missing" && has_stored(m.id)) key_src = "keys file (" + m.id + ")";
  out.push_back({m.id + ".key", key_src == "missing" ? "" : "[REDACTED]", key_src});
}

void explain_providers(Context &ctx, std::vector<Setting> &out) {
  const Config &cfg = ctx.config();
  KeyStore &keys = ctx.keys();
  std::vector<std::string> stored;
  std::error_code ec;
  if (std::filesystem::exists(keys.file(), ec)) stored = keys.names();
  for (const auto &m : ctx.plugins().manifests()) {
    explain_base_url(cfg, m, out);
    explain_key(m, stored, out);
  }
  for (const auto &[name, p] : cfg.providers) {
    if (ctx.plugins().find(name)) continue;
    out.push_back({name + ".base_url", url::redact(p.base_url), "file (type " + (p.plugin.empty() ? name : p.plugin) + ")"});
  }
}

std::vector<Setting> explain(Context &ctx) {
  std::vector<Setting> out;
  explain_locations(ctx, out);
  explain_http(ctx, out);
  explain_media_and_workflow(ctx.config(), out);
  explain_providers(ctx, out);
  return out;
}

void run_explain(Context &ctx, bool json) {
  std::vector<Setting> settings = explain(ctx);
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto &s : settings) arr.push_back({{"setting", s.name}, {"value", s.value}, {"source", s.source}});
    out::line(arr.dump(2));
    return;
  }
  size_t width = 0;
  for (const auto &s : settings) width = std::max(width, s.name.size());
  for (const auto &s : settings) {
    std::string name = s.name;
    name.resize(width + 2, ' ');
    out::line(name + (s.value.empty() ? "-" : s.value) + "  [" + s.source + "]");
  }
}

} // namespace

void setup_config(CLI::App *cmd, Context &ctx) {
  cmd->require_subcommand(1);
  cmd->footer(R"(
Examples:
  webox config path
  webox config explain
  OPENAI_BASE_URL=http://127.0.0.1:8080/v1 webox config explain --json

Precedence: flag > environment > config file > default. Keys are never shown.)");
  CLI::App *path = cmd->add_subcommand("path", "The config file's path");
  path->callback([&ctx] { ctx.command = [] { out::line(paths::config_file().string()); }; });
  auto json = std::make_shared<bool>(false);
  CLI::App *exp = cmd->add_subcommand("explain", "Every resolved setting and its source");
  exp->add_flag("--json", *json, "JSON output");
  exp->callback([&ctx, json] { ctx.command = [&ctx, json] { run_explain(ctx, *json); }; });
}

WEBOX_COMMAND(80, "config", "Where settings live and which source won", setup_config);

} // namespace webox::cli
