// plugin.json: what the host knows about a plugin without loading it.
//
// `webox plugins list`, model listings and shell completion read manifests
// only; no library is opened until a command needs the plugin. That is what
// keeps start-up in milliseconds however many plugins are installed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace webox::plugin {

// ABI 1.5 (webhooks): the route a platform plugin declares ("webhooks" in
// plugin.json); `webox serve` checks everything here before the plugin sees
// a byte. Empty `path` = no webhooks.
struct WebhookRoute {
  std::string path;               // the segment of /webhooks/<path>
  std::string secret;             // the HMAC key's variable: INSTAGRAM_APP_SECRET
  std::string verify_token;       // the GET handshake's token variable
  std::string signature_header;   // "X-Hub-Signature-256": "sha256=" + hex HMAC-SHA256 of the body
  std::string delivery_id_header; // optional: a header naming the delivery (deduplicated)
};

// "pdf" in plugin.json (a fact, no capability bit and no slot): the models
// that take a PDF whole, as a document part of a chat message, and the
// provider's documented limits for it. Without it every PDF goes as text.
struct NativePdf {
  std::vector<std::string> models; // exact names, or a prefix ending in '*'
  int64_t max_request_bytes = 0;   // the base64 of the PDFs of one request; 0 = not said
  int64_t max_pages = 0;           // pages of one PDF; 0 = not said
  int64_t tokens_per_page = 0;     // what a page costs in input tokens (budget estimate); 0 = not said
};

struct Manifest {
  std::filesystem::path dir;      // the plugin's folder
  std::string id;
  std::string name;
  std::string version;
  std::string library;            // "webox-<id>.so"
  std::string description;
  int abi_major = 0;
  int min_host_minor = 0;
  uint64_t capabilities = 0;      // WEBOX_CAP_* bits
  std::vector<std::string> secrets;  // secrets[0] is the primary key
  std::string base_url_env;       // e.g. "OPENAI_BASE_URL"
  std::string default_base_url;
  std::vector<std::string> models;
  // ABI 1.4 ("vision_models"): the models of `models` that see images.
  std::vector<std::string> vision_models;
  bool vision_models_listed = false;
  NativePdf pdf;                  // "pdf": PDFs sent as document parts
  WebhookRoute webhooks;          // ABI 1.5 (webhooks)
  // ABI 1.5 (batch, "batch_limits"): the most requests and bytes of input
  // one provider batch takes; the host splits bigger rounds.
  int64_t batch_max_requests = 10000;
  int64_t batch_max_bytes = 100 * 1000 * 1000;

  std::filesystem::path library_path() const { return dir / library; }
  std::string primary_secret() const { return secrets.empty() ? std::string() : secrets.front(); }
};

// Reads and checks `<dir>/plugin.json`. Throws webox::Error with a one-line
// reason ("plugin.json: 'abi.major' is 2, this webox speaks 1").
Manifest read_manifest(const std::filesystem::path &dir);

// "chat-stream" -> WEBOX_CAP_CHAT_STREAM; 0 for an unknown name.
uint64_t capability_bit(const std::string &name);

// Names of the bits set in `caps`, in bit order.
std::vector<std::string> capability_names(uint64_t caps);

// True when the manifest says `model` cannot see images: it lists the model
// in "models" and lists "vision_models" without it. A model it does not
// name is not known either way (false).
bool known_text_only(const Manifest &m, const std::string &model);

// True when the manifest's "pdf" lists `model` (exactly, or by a prefix
// ending in '*'): a PDF may go to it natively.
bool accepts_native_pdf(const Manifest &m, const std::string &model);

} // namespace webox::plugin
