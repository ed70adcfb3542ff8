#include "lib/core/config.hpp"

#include <set>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "lib/core/config_error.hpp"
#include "lib/core/error.hpp"
#include "lib/core/text_input.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/core/yaml_load.hpp"

namespace webox {
namespace {

// A configuration is a few kilobytes; a file larger than this is not one.
constexpr size_t kMaxConfigBytes = size_t{1} << 20;
// Nodes visited when looking for duplicate keys. Aliases share nodes, so a
// small file can stand for billions of them; no configuration has this many.
constexpr size_t kMaxConfigNodes = 100000;

YAML::Mark mark_at(size_t line, size_t column) {
  YAML::Mark mark;
  mark.line = static_cast<int>(line) - 1;
  mark.column = static_cast<int>(column) - 1;
  return mark;
}

// The file's text: a folder, an unreadable or oversized file, or bytes that
// are not UTF-8 are configuration errors (exit 4) naming the file, and for
// bad bytes the line and column.
std::string read_config_text(const std::filesystem::path &file) {
  std::string text;
  try {
    text = text::read_file(file, {kMaxConfigBytes, "the limit for a configuration", ""}, "configuration file");
  } catch (const UsageError &e) {
    throw Error(e.what(), ExitCode::config);
  }
  if (auto bad = text::invalid_utf8_offset(text)) {
    text::LineColumn at = text::line_column(text, *bad);
    fail_config_at(file, mark_at(at.line, at.column), "not valid UTF-8 (byte " + std::to_string(*bad) + ")");
  }
  return text;
}

// yaml-cpp keeps every pair of a mapping, so a key written twice would be
// read twice and the last one would silently win. Refused instead, at the
// second occurrence, in every mapping of the file (the sections read by
// their features included). An explicit stack: a hostile file may nest deep.
void refuse_duplicate_keys(const std::filesystem::path &file, const YAML::Node &root) {
  std::vector<YAML::Node> pending{root};
  size_t visited = 0;
  while (!pending.empty()) {
    YAML::Node node = pending.back();
    pending.pop_back();
    if (++visited > kMaxConfigNodes)
      fail_config_at(file, node.Mark(), "more than " + std::to_string(kMaxConfigNodes) + " values (aliases included); not a configuration");
    if (node.IsSequence()) {
      for (const auto &item : node) pending.push_back(item);
    } else if (node.IsMap()) {
      std::set<std::string> seen;
      for (const auto &kv : node) {
        if (kv.first.IsScalar() && !seen.insert(kv.first.Scalar()).second)
          fail_config_at(file, kv.first.Mark(), "'" + kv.first.Scalar() + "' is set twice in the same mapping");
        pending.push_back(kv.second);
      }
    }
  }
}

std::string scalar(const std::filesystem::path &file, const YAML::Node &node, const std::string &key) {
  if (!node.IsScalar()) fail_config_at(file, node.Mark(), "'" + key + "' must be a text value");
  return node.as<std::string>();
}

// YAML to JSON for provider options: scalars that look like numbers or
// booleans become numbers or booleans, as a user writing `temperature: 0.3`
// means.
nlohmann::json to_json(const YAML::Node &node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto &kv : node) obj[kv.first.as<std::string>()] = to_json(kv.second);
      return obj;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto &item : node) arr.push_back(to_json(item));
      return arr;
    }
    case YAML::NodeType::Scalar: {
      std::string text = node.as<std::string>();
      if (node.Tag() == "!") return text; // quoted in the file: keep it a string
      auto parsed = parse_json_or_discarded(text);
      if (!parsed.is_discarded() && (parsed.is_number() || parsed.is_boolean() || parsed.is_null()))
        return parsed;
      return text;
    }
    default:
      return nullptr;
  }
}

int64_t positive_int(const std::filesystem::path &file, const YAML::Node &node, const std::string &key) {
  try {
    long long v = node.as<long long>();
    if (v < 0) fail_config_at(file, node.Mark(), "'" + key + "' must not be negative");
    return v;
  } catch (const YAML::BadConversion &) {
    fail_config_at(file, node.Mark(), "'" + key + "' must be a whole number");
  }
}

void read_providers(const std::filesystem::path &file, const YAML::Node &node, Config &cfg) {
  if (!node.IsMap()) fail_config_at(file, node.Mark(), "'providers' must be a mapping of provider names");
  for (const auto &kv : node) {
    std::string name = kv.first.as<std::string>();
    const YAML::Node &p = kv.second;
    if (!p.IsMap()) fail_config_at(file, p.Mark(), "provider '" + name + "' must be a mapping");
    ProviderSettings s;
    for (const auto &field : p) {
      std::string key = field.first.as<std::string>();
      if (key == "type" || key == "plugin") s.plugin = scalar(file, field.second, key);
      else if (key == "base_url") s.base_url = scalar(file, field.second, key);
      else if (key == "api_key_env") s.api_key_env = scalar(file, field.second, key);
      else if (key == "options") {
        if (!field.second.IsMap()) fail_config_at(file, field.second.Mark(), "'options' must be a mapping");
        s.options_json = to_json(field.second).dump();
      } else {
        fail_config_at(file, field.first.Mark(), "unknown setting '" + key + "' for provider '" + name +
                                              "' (known: type, base_url, api_key_env, options)");
      }
    }
    cfg.providers[name] = std::move(s);
  }
}

void read_http(const std::filesystem::path &file, const YAML::Node &node, Config &cfg) {
  if (!node.IsMap()) fail_config_at(file, node.Mark(), "'http' must be a mapping");
  for (const auto &kv : node) {
    std::string key = kv.first.as<std::string>();
    if (key == "connect_timeout_ms") cfg.http.connect_timeout_ms = positive_int(file, kv.second, key);
    else if (key == "read_timeout_ms") cfg.http.read_timeout_ms = positive_int(file, kv.second, key);
    else if (key == "retries") cfg.http.retries = static_cast<int>(positive_int(file, kv.second, key));
    else if (key == "ca_bundle") cfg.http.ca_bundle = scalar(file, kv.second, key);
    else if (key == "max_response_bytes") cfg.http.max_response_bytes = positive_int(file, kv.second, key);
    else if (key == "total_timeout_ms") cfg.http.total_timeout_ms = positive_int(file, kv.second, key);
    else if (key == "max_retry_wait_ms") cfg.http.max_retry_wait_ms = positive_int(file, kv.second, key);
    else if (key == "max_cooldown_ms") cfg.http.max_cooldown_ms = positive_int(file, kv.second, key);
    else fail_config_at(file, kv.first.Mark(), "unknown http setting '" + key + "'");
  }
}

double money(const std::filesystem::path &file, const YAML::Node &node, const std::string &key) {
  try {
    double v = node.as<double>();
    if (v < 0) fail_config_at(file, node.Mark(), "'" + key + "' must not be negative");
    return v;
  } catch (const YAML::BadConversion &) {
    fail_config_at(file, node.Mark(), "'" + key + "' must be an amount in US dollars");
  }
}

BudgetCaps read_caps(const std::filesystem::path &file, const YAML::Node &node, const std::string &where) {
  if (!node.IsMap()) fail_config_at(file, node.Mark(), "'" + where + "' must be a mapping with daily and/or monthly");
  BudgetCaps caps;
  for (const auto &kv : node) {
    std::string key = kv.first.as<std::string>();
    if (key == "daily") caps.daily = money(file, kv.second, key);
    else if (key == "monthly") caps.monthly = money(file, kv.second, key);
    else if (where == "budgets" && key == "providers") continue;
    else fail_config_at(file, kv.first.Mark(), "unknown budget setting '" + key + "' (known: daily, monthly" +
                                           std::string(where == "budgets" ? ", providers" : "") + ")");
  }
  return caps;
}

void read_budgets(const std::filesystem::path &file, const YAML::Node &node, Config &cfg) {
  cfg.budgets.overall = read_caps(file, node, "budgets");
  if (const YAML::Node providers = node["providers"]) {
    if (!providers.IsMap()) fail_config_at(file, providers.Mark(), "'budgets.providers' must be a mapping");
    for (const auto &kv : providers)
      cfg.budgets.providers[kv.first.as<std::string>()] = read_caps(file, kv.second, kv.first.as<std::string>());
  }
}

void read_media(const std::filesystem::path &file, const YAML::Node &node, Config &cfg) {
  if (!node.IsMap()) fail_config_at(file, node.Mark(), "'media' must be a mapping");
  for (const auto &kv : node) {
    std::string key = kv.first.as<std::string>();
    std::string *slot = key == "image_model" ? &cfg.media.image_model
                        : key == "tts_model" ? &cfg.media.tts_model
                        : key == "stt_model" ? &cfg.media.stt_model
                                             : nullptr;
    if (!slot) fail_config_at(file, kv.first.Mark(), "unknown media setting '" + key + "' (known: image_model, tts_model, stt_model)");
    *slot = scalar(file, kv.second, "media." + key);
    if (slot->empty()) fail_config_at(file, kv.second.Mark(), "'media." + key + "' must be a model such as espeak or openai:tts-1");
  }
}

void read_workflow(const std::filesystem::path &file, const YAML::Node &node, Config &cfg) {
  if (!node.IsMap()) fail_config_at(file, node.Mark(), "'workflow' must be a mapping");
  for (const auto &kv : node) {
    std::string key = kv.first.as<std::string>();
    if (key != "jobs") fail_config_at(file, kv.first.Mark(), "unknown workflow setting '" + key + "' (known: jobs)");
    int64_t jobs = positive_int(file, kv.second, "workflow.jobs");
    if (jobs < 1 || jobs > 256) fail_config_at(file, kv.second.Mark(), "'workflow.jobs' must be from 1 to 256");
    cfg.workflow_jobs = static_cast<int>(jobs);
  }
}

void read_fallbacks(const std::filesystem::path &file, const YAML::Node &node, Config &cfg) {
  if (!node.IsMap()) fail_config_at(file, node.Mark(), "'fallbacks' must be a mapping of name: [models]");
  for (const auto &kv : node) {
    std::string name = kv.first.as<std::string>();
    if (!kv.second.IsSequence() || kv.second.size() == 0)
      fail_config_at(file, kv.second.Mark(), "fallback chain '" + name + "' must be a non-empty list of models");
    std::vector<std::string> chain;
    for (const auto &m : kv.second) chain.push_back(scalar(file, m, "fallbacks"));
    cfg.fallbacks[name] = std::move(chain);
  }
}

void read_prices(const std::filesystem::path &file, const YAML::Node &node, Config &cfg) {
  if (!node.IsMap()) fail_config_at(file, node.Mark(), "'prices' must be a mapping of \"provider:model\": {input, output}");
  for (const auto &kv : node) {
    std::string model = kv.first.as<std::string>();
    if (model.find(':') == std::string::npos)
      fail_config_at(file, kv.first.Mark(), "price key '" + model + "' must be provider:model or provider:*");
    if (!kv.second.IsMap() || !kv.second["input"] || !kv.second["output"])
      fail_config_at(file, kv.second.Mark(), "price of '" + model + "' needs input and output (USD per million tokens)");
    Price price{money(file, kv.second["input"], "input"), money(file, kv.second["output"], "output"), {}, {}};
    // Both or neither: half a batch price would price half a call.
    if (kv.second["batch_input"] || kv.second["batch_output"]) {
      if (!kv.second["batch_input"] || !kv.second["batch_output"])
        fail_config_at(file, kv.second.Mark(), "price of '" + model + "' needs both batch_input and batch_output");
      price.batch_input_per_million = money(file, kv.second["batch_input"], "batch_input");
      price.batch_output_per_million = money(file, kv.second["batch_output"], "batch_output");
    }
    cfg.prices[model] = price;
  }
}

} // namespace

Config load_config(const std::filesystem::path &file) {
  Config cfg;
  cfg.source = file;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return cfg;
  const std::string text = read_config_text(file);
  cfg.file_exists = true;
  YAML::Node root;
  try {
    root = load_yaml(text);
  } catch (const YAML::ParserException &e) {
    fail_config_at(file, e.mark, e.msg);
  }
  refuse_duplicate_keys(file, root);
  if (root.IsNull()) return cfg;
  if (!root.IsMap()) fail_config_at(file, root.Mark(), "the configuration must be a mapping");
  for (const auto &kv : root) {
    std::string key = kv.first.as<std::string>();
    const YAML::Node &value = kv.second;
    if (key == "default_model") {
      cfg.default_model = scalar(file, value, key);
    } else if (key == "aliases") {
      if (!value.IsMap()) fail_config_at(file, value.Mark(), "'aliases' must be a mapping of name: provider:model");
      for (const auto &a : value) cfg.aliases[a.first.as<std::string>()] = scalar(file, a.second, "aliases");
    } else if (key == "providers") {
      read_providers(file, value, cfg);
    } else if (key == "http") {
      read_http(file, value, cfg);
    } else if (key == "fallbacks") {
      read_fallbacks(file, value, cfg);
    } else if (key == "budgets") {
      read_budgets(file, value, cfg);
    } else if (key == "prices") {
      read_prices(file, value, cfg);
    } else if (key == "media") {
      read_media(file, value, cfg);
    } else if (key == "workflow") {
      read_workflow(file, value, cfg);
    } else {
      // Sections that their own features read (lib/leads/settings.cpp,
      // lib/export/export_settings.cpp, lib/mcp/server_config.cpp,
      // lib/agent/tool_settings.cpp, lib/rag/settings.cpp,
      // lib/workflow/batch_settings.cpp, lib/serve/settings.cpp,
      // lib/store/open.cpp, lib/store/workspace.cpp) are only
      // accepted here; they are validated where they are used.
      static const char *const later[] = {"leads", "social", "export", "mcp_servers", "tools", "rag", "serve", "batch", "store", "workspace"};
      bool known = false;
      for (const char *k : later) known = known || key == k;
      if (!known)
        fail_config_at(file, kv.first.Mark(), "unknown setting '" + key +
                                           "' (known: default_model, aliases, providers, fallbacks, budgets, "
                                           "prices, http, leads, workflow, social, media, export, mcp_servers, tools, rag, batch, store, workspace)");
    }
  }
  return cfg;
}

} // namespace webox
