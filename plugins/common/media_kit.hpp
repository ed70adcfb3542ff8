// Helpers shared by the media plugins (elevenlabs, stability, sdwebui and
// the media part of openai): base64, multipart/form-data bodies, and turning
// an HTTP failure into a status class. Header-only, compiled into each
// plugin; not part of the ABI.
//
// MULTIPART (RFC 7578). A multipart/form-data body is a sequence of parts,
// each introduced by "--BOUNDARY" CRLF, its headers (Content-Disposition:
// form-data; name="..."[; filename="..."], optionally Content-Type), an
// empty line, the raw bytes, then CRLF; the body ends with "--BOUNDARY--"
// CRLF. Bytes are sent as they are (no transfer encoding), so the boundary
// must not occur inside any part: it is chosen after the parts are known,
// and a new one is drawn in the (astronomically unlikely) case it does.
#pragma once

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <webox/plugin.hpp>

#include "plugins/common/json_fields.hpp"
#include "plugins/common/shared/bounded_json.hpp"

namespace webox::media_plugin {

// ---- base64 (RFC 4648, standard alphabet; whitespace ignored) -------------

inline std::string base64_decode(std::string_view in, bool *ok = nullptr) {
  auto value = [](unsigned char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  bool good = true;
  for (unsigned char c : in) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    int v = value(c);
    if (v < 0) {
      good = false;
      break;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (ok) *ok = good;
  return out;
}

// "data:image/png;base64,AAAA" -> the payload; anything else unchanged.
inline std::string_view strip_data_url(std::string_view s) {
  if (s.substr(0, 5) == "data:") {
    size_t comma = s.find(',');
    if (comma != std::string_view::npos) return s.substr(comma + 1);
  }
  return s;
}

// ---- multipart/form-data ----------------------------------------------------

class Multipart {
public:
  void field(std::string name, std::string value) { m_parts.push_back({std::move(name), "", "", std::move(value)}); }
  void file(std::string name, std::string filename, std::string content_type, std::string bytes) {
    m_parts.push_back({std::move(name), std::move(filename), std::move(content_type), std::move(bytes)});
  }

  // Builds the body; content_type() is valid afterwards.
  std::string body() {
    std::mt19937_64 rng(std::random_device{}());
    for (;;) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "webox-%016llx%08llx", static_cast<unsigned long long>(rng()),
                    static_cast<unsigned long long>(rng() & 0xFFFFFFFFu));
      m_boundary = buf;
      bool clash = false;
      for (const auto &p : m_parts) clash = clash || p.bytes.find(m_boundary) != std::string::npos;
      if (!clash) break;
    }
    std::string out;
    for (const auto &p : m_parts) {
      out += "--" + m_boundary + "\r\nContent-Disposition: form-data; name=\"" + escape(p.name) + "\"";
      if (!p.filename.empty()) out += "; filename=\"" + escape(p.filename) + "\"";
      out += "\r\n";
      if (!p.content_type.empty()) out += "Content-Type: " + p.content_type + "\r\n";
      out += "\r\n";
      out += p.bytes;
      out += "\r\n";
    }
    out += "--" + m_boundary + "--\r\n";
    return out;
  }

  std::string content_type() const { return "multipart/form-data; boundary=" + m_boundary; }

private:
  struct Part {
    std::string name, filename, content_type, bytes;
  };
  // Quotes and line breaks cannot appear in a quoted header parameter.
  static std::string escape(const std::string &s) {
    std::string out;
    for (char c : s) {
      if (c == '"') out += "%22";
      else if (c == '\r') out += "%0D";
      else if (c == '\n') out += "%0A";
      else out += c;
    }
    return out;
  }
  std::vector<Part> m_parts;
  std::string m_boundary;
};

// ---- errors -------------------------------------------------------------------

inline bool looks_like_html(std::string_view body) {
  size_t i = body.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos) return false;
  std::string head;
  for (char c : body.substr(i, 15)) head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head.rfind("<!doctype html", 0) == 0 || head.rfind("<html", 0) == 0;
}

// Milliseconds from a Retry-After header holding seconds; -1 when absent or
// not a sane number (HTTP dates are read by the host).
inline long long retry_after_ms(const sdk::HttpResponse &r) { return sdk::wait_ms_from_text(r.header("retry-after"), 1000.0); }

// The status class of a failed answer; `quota` says the provider's own code
// means "out of credit".
inline webox_status status_class(int http_status, bool quota) {
  if (quota) return WEBOX_E_QUOTA;
  if (http_status == 401 || http_status == 403) return WEBOX_E_AUTH;
  if (http_status == 429) return WEBOX_E_RATE_LIMITED;
  if (http_status == 400 || http_status == 404 || http_status == 413 || http_status == 422) return WEBOX_E_INVALID;
  return WEBOX_E_UPSTREAM;
}

// Fails with the provider's name, the HTTP status, its code and message.
[[noreturn]] inline void fail_http(const std::string &provider, const sdk::HttpResponse &r, std::string code,
                                   std::string message, bool quota = false) {
  if (message.empty()) {
    if (looks_like_html(r.body)) message = "the server answered with an HTML page instead of the API's answer";
    else if (r.body.empty()) message = "no error detail in the answer";
    else message = r.body.substr(0, 300);
  }
  std::string text = provider + ": " + std::to_string(r.status) + (code.empty() ? "" : " " + code) + ": " + message;
  throw sdk::Failure(status_class(r.status, quota), text, r.status, r.status == 429 ? retry_after_ms(r) : -1, code);
}

inline std::string require_key(const webox_call *call, const std::string &provider, const std::string &name) {
  auto key = sdk::secret(call, name);
  if (!key || key->empty())
    throw sdk::Failure(WEBOX_E_AUTH, provider + ": no API key: set " + name + " or run 'webox keys set " + provider + "'");
  return *key;
}

inline nlohmann::json parse_request(const webox_request *req, const std::string &provider) {
  nlohmann::json doc = webox::bounded_json::parse_or_discarded(std::string_view(req->json, req->json_size));
  if (doc.is_discarded() || !doc.is_object())
    throw sdk::Failure(WEBOX_E_INVALID, provider + ": request is not a JSON object");
  return doc;
}

// ---- the instance ------------------------------------------------------------

// What a service's instance knows (docs/ARCHITECTURE.md, "Instance
// configuration"); a plugin's webox_instance derives from it.
struct Service {
  std::string name;     // the instance as the user named it
  std::string base_url;
  std::string key_name; // the secret holding the API key ("" = none)
};

// The `create` slot of a plugin whose instance is a Service: the create()
// document with the plugin's defaults (`default_key_name` nullptr: no key).
template <class Instance>
webox_status create_service(const char *config, size_t size, Instance **out, webox_buf *error, const char *provider,
                            const char *default_base_url, const char *default_key_name) {
  return sdk::guard(error, [&] {
    nlohmann::json cfg = bounded_json::parse_or_discarded(std::string_view(config ? config : "", config ? size : 0));
    if (!cfg.is_object()) throw sdk::Failure(WEBOX_E_INVALID, std::string(provider) + ": bad configuration");
    auto instance = std::make_unique<Instance>();
    instance->name = cfg.value("instance", provider);
    instance->base_url = cfg.value("base_url", default_base_url);
    if (default_key_name) instance->key_name = cfg.value("api_key_name", default_key_name);
    *out = instance.release();
    return WEBOX_OK;
  });
}

// Lays images end to end in one blob and describes each in "images".
struct ImageBlob {
  std::string bytes;
  nlohmann::json images = nlohmann::json::array();
  void add(const std::string &image, nlohmann::json info = nlohmann::json::object()) {
    info["offset"] = bytes.size();
    info["size"] = image.size();
    bytes += image;
    images.push_back(std::move(info));
  }
};

} // namespace webox::media_plugin
