#include "lib/plugin/manifest.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string_view>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <webox/plugin.h>

#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::plugin {
namespace {

struct CapabilityName {
  uint64_t bit;
  const char *name;
};

constexpr CapabilityName kCapabilities[] = {
    {WEBOX_CAP_CHAT, "chat"},
    {WEBOX_CAP_CHAT_STREAM, "chat-stream"},
    {WEBOX_CAP_EMBED, "embed"},
    {WEBOX_CAP_IMAGE, "image"},
    {WEBOX_CAP_TTS, "tts"},
    {WEBOX_CAP_STT, "stt"},
    {WEBOX_CAP_SOCIAL_COLLECT, "social-collect"},
    {WEBOX_CAP_SOCIAL_SEND, "social-send"},
    {WEBOX_CAP_TOOLS, "tools"}, // a chat feature, no slot of its own
    {WEBOX_CAP_VISION, "vision"}, // ABI 1.4: image parts in chat messages, no slot either
    {WEBOX_CAP_LIST_MODELS, "list-models"}, // ABI 1.4
    {WEBOX_CAP_WEBHOOKS, "webhooks"},       // ABI 1.5 (webhooks)
    {WEBOX_CAP_BATCH, "batch"},             // ABI 1.5 (batch)
    {WEBOX_CAP_AUTH, "auth"},               // ABI 1.6 (auth)
};

[[noreturn]] void bad(const std::string &why) { throw Error("plugin.json: " + why); }

// ABI 1.5 (batch): "batch_limits": {"max_requests": N, "max_bytes": N},
// each a positive integer; absent fields keep the defaults.
void read_batch_limits(const nlohmann::json &j, Manifest &m) {
  if (!j.contains("batch_limits")) return;
  const nlohmann::json &limits = j["batch_limits"];
  if (!limits.is_object()) bad("'batch_limits' must be an object");
  auto positive = [&](const char *key, int64_t &out) {
    if (!limits.contains(key)) return;
    const nlohmann::json &v = limits[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 1) bad(std::string("'batch_limits.") + key + "' must be a positive integer");
    out = v.get<int64_t>();
  };
  positive("max_requests", m.batch_max_requests);
  positive("max_bytes", m.batch_max_bytes);
}

std::string text_field(const nlohmann::json &j, const char *key, bool required) {
  if (!j.contains(key)) {
    if (required) bad(std::string("missing '") + key + "'");
    return {};
  }
  if (!j[key].is_string()) bad(std::string("'") + key + "' must be a string");
  return j[key].get<std::string>();
}

std::vector<std::string> string_list(const nlohmann::json &j, const char *key) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_array()) bad(std::string("'") + key + "' must be a list of strings");
  for (const auto &v : j[key]) {
    if (!v.is_string()) bad(std::string("'") + key + "' must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

// ABI 1.5 (webhooks): "webhooks": {"path", "secret", "verify_token",
// "signature_header", "delivery_id_header"?}. The path is one URL segment.
void read_webhook_route(const nlohmann::json &j, Manifest &m) {
  if (!j.contains("webhooks")) return;
  const nlohmann::json &w = j["webhooks"];
  if (!w.is_object()) bad("'webhooks' must be an object");
  WebhookRoute r;
  r.path = text_field(w, "path", true);
  r.secret = text_field(w, "secret", true);
  r.verify_token = text_field(w, "verify_token", true);
  r.signature_header = text_field(w, "signature_header", true);
  r.delivery_id_header = text_field(w, "delivery_id_header", false);
  bool segment = !r.path.empty() && r.path.size() <= 64;
  for (char c : r.path)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) segment = false;
  if (!segment) bad("'webhooks.path' must be one URL segment of letters, digits, - and _");
  m.webhooks = r;
}

// "pdf": {"models": [...], "max_request_bytes": N, "max_pages": N,
// "tokens_per_page": N}; the limits are optional positive integers.
void read_native_pdf(const nlohmann::json &j, Manifest &m) {
  if (!j.contains("pdf")) return;
  const nlohmann::json &pdf = j["pdf"];
  if (!pdf.is_object()) bad("'pdf' must be an object");
  m.pdf.models = string_list(pdf, "models");
  auto positive = [&](const char *key, int64_t &out) {
    if (!pdf.contains(key)) return;
    const nlohmann::json &v = pdf[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 1) bad(std::string("'pdf.") + key + "' must be a positive integer");
    out = v.get<int64_t>();
  };
  positive("max_request_bytes", m.pdf.max_request_bytes);
  positive("max_pages", m.pdf.max_pages);
  positive("tokens_per_page", m.pdf.tokens_per_page);
}

} // namespace

bool accepts_native_pdf(const Manifest &m, const std::string &model) {
  return std::any_of(m.pdf.models.begin(), m.pdf.models.end(), [&](const std::string &listed) {
    if (!listed.empty() && listed.back() == '*')
      return std::string_view(model).substr(0, listed.size() - 1) == std::string_view(listed).substr(0, listed.size() - 1);
    return listed == model;
  });
}

uint64_t capability_bit(const std::string &name) {
  for (const auto &c : kCapabilities)
    if (name == c.name) return c.bit;
  return 0;
}

std::vector<std::string> capability_names(uint64_t caps) {
  std::vector<std::string> out;
  for (const auto &c : kCapabilities)
    if (caps & c.bit) out.emplace_back(c.name);
  return out;
}

bool known_text_only(const Manifest &m, const std::string &model) {
  if (!m.vision_models_listed) return false;
  auto has = [&](const std::vector<std::string> &list) { return std::find(list.begin(), list.end(), model) != list.end(); };
  return has(m.models) && !has(m.vision_models);
}

Manifest read_manifest(const std::filesystem::path &dir) {
  std::ifstream in(dir / "plugin.json");
  if (!in) bad("cannot be read");
  nlohmann::json j = parse_json_or_discarded(in);
  if (j.is_discarded() || !j.is_object()) bad("is not a JSON object");

  Manifest m;
  m.dir = dir;
  m.id = text_field(j, "id", true);
  if (m.id != dir.filename().string()) bad("id '" + m.id + "' differs from its folder name '" + dir.filename().string() + "'");
  m.name = text_field(j, "name", false);
  if (m.name.empty()) m.name = m.id;
  m.version = text_field(j, "version", true);
  m.library = text_field(j, "library", false);
  if (m.library.empty()) m.library = "webox-" + m.id + ".so";
  if (m.library.find('/') != std::string::npos) bad("'library' must be a file name in the plugin's folder");
  m.description = text_field(j, "description", false);
  m.base_url_env = text_field(j, "base_url_env", false);
  m.default_base_url = text_field(j, "default_base_url", false);
  m.secrets = string_list(j, "secrets");
  m.models = string_list(j, "models");
  // ABI 1.4: which of `models` see images. A model of `models` left out of a
  // present list is known to be text-only; without the list, or for a model
  // the manifest does not name, the provider decides.
  if (j.contains("vision_models")) {
    m.vision_models = string_list(j, "vision_models");
    m.vision_models_listed = true;
  }
  read_batch_limits(j, m);
  read_native_pdf(j, m);

  if (!j.contains("abi") || !j["abi"].is_object() || !j["abi"].contains("major") || !j["abi"]["major"].is_number_integer())
    bad("missing 'abi.major'");
  const nlohmann::json &abi = j["abi"];
  if (abi.contains("min_host_minor") && !abi["min_host_minor"].is_number_integer())
    bad("'abi.min_host_minor' must be an integer");
  // Read wide and clamped, so that a huge number is refused below instead of
  // wrapping into a plausible one.
  auto small_int = [](const nlohmann::json &v) {
    constexpr int64_t kCeiling = 1 << 20;
    if (v.is_number_unsigned()) return static_cast<int>(std::min<uint64_t>(v.get<uint64_t>(), kCeiling));
    return static_cast<int>(std::clamp<int64_t>(v.get<int64_t>(), -1, kCeiling));
  };
  m.abi_major = small_int(abi["major"]);
  m.min_host_minor = abi.contains("min_host_minor") ? small_int(abi["min_host_minor"]) : 0;
  if (m.abi_major != WEBOX_ABI_MAJOR)
    bad("'abi.major' is " + std::to_string(m.abi_major) + ", this webox speaks " + std::to_string(WEBOX_ABI_MAJOR));
  if (m.min_host_minor > WEBOX_ABI_MINOR)
    bad("needs host ABI 1." + std::to_string(m.min_host_minor) + ", this webox provides 1." + std::to_string(WEBOX_ABI_MINOR));

  for (const auto &name : string_list(j, "capabilities")) {
    uint64_t bit = capability_bit(name);
    // Capabilities are append-only: a newer plugin may know one we do not.
    if (!bit) spdlog::debug("plugin {}: ignoring unknown capability '{}'", m.id, name);
    m.capabilities |= bit;
  }
  read_webhook_route(j, m);
  return m;
}

} // namespace webox::plugin
