// webox/plugin.hpp: C++ conveniences for plugin authors. NOT part of the ABI.
//
// Everything here is header-only and compiled into each plugin, so it may
// change between webox releases without breaking a built plugin: the contract
// is plugin.h alone. It gives a plugin written in C++ four things:
//   - WEBOX_DEFINE_ENTRY(descriptor): the exported entry that checks the ABI
//     major and keeps the host table;
//   - give()/take(): moving std::string in and out of owned webox_buf values;
//   - guard(): the exception firewall every exported function needs, turning
//     a sdk::Failure (or any std::exception) into a status plus error JSON;
//   - thin wrappers over the host's HTTP, secret, setting and log services.
#ifndef WEBOX_PLUGIN_HPP
#define WEBOX_PLUGIN_HPP

#include <webox/plugin.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace webox::sdk {

// The host table, stored by the entry. Each plugin is its own shared object
// with hidden visibility, so this inline variable is private to the plugin.
inline const webox_host_api *g_host = nullptr;

inline const webox_host_api &host() { return *g_host; }

// ---- Owned buffers --------------------------------------------------------

// Moves `text` into `out`; the release function deletes the holder.
inline void give(std::string text, webox_buf *out) {
  auto *holder = new std::string(std::move(text));
  out->data = holder->data();
  out->size = holder->size();
  out->owner = holder;
  out->release = [](webox_buf *self) {
    delete static_cast<std::string *>(self->owner);
    *self = webox_buf{};
  };
}

// Copies the bytes out of `buf` and releases it.
inline std::string take(webox_buf &buf) {
  std::string text = buf.data ? std::string(buf.data, buf.size) : std::string();
  if (buf.data && buf.release) buf.release(&buf);
  buf = webox_buf{};
  return text;
}

// ---- JSON text for error details (no JSON library required) -----------

// The length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
inline size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  const unsigned char second = byte(i + 1);
  if ((c == 0xE0 && second < 0xA0) || (c == 0xED && second > 0x9F) || (c == 0xF0 && second < 0x90) ||
      (c == 0xF4 && second > 0x8F))
    return 0;
  return n;
}

// The offset of the first byte that is not well-formed UTF-8, if any.
inline std::optional<size_t> invalid_utf8_at(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

// A JSON string literal for `s`. Bytes that are not UTF-8 (a server's text
// quoted in a message) become U+FFFD: the host parses the detail as JSON, and
// one bad byte would otherwise lose the whole message.
inline std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD"; // U+FFFD
      } else {
        out.append(s.substr(i, n));
        i += n - 1;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// An error a plugin throws from inside guard(): a status class and the
// detail document that reaches the host.
struct Failure : std::exception {
  webox_status status;
  std::string detail_json;
  std::string message;

  Failure(webox_status s, std::string msg, int http_status = 0,
          long long retry_after_ms = -1, std::string provider_code = {})
      : status(s), message(std::move(msg)) {
    detail_json = "{\"message\":" + json_quote(message);
    if (http_status) detail_json += ",\"http_status\":" + std::to_string(http_status);
    if (retry_after_ms >= 0)
      detail_json += ",\"retry_after_ms\":" + std::to_string(retry_after_ms);
    if (!provider_code.empty())
      detail_json += ",\"provider_code\":" + json_quote(provider_code);
    detail_json += "}";
  }
  const char *what() const noexcept override { return message.c_str(); }
};

// Runs `body`; converts anything thrown into a status and error JSON, so no
// exception ever crosses the C boundary.
template <class F>
webox_status guard(webox_buf *error, F &&body) noexcept {
  try {
    return body();
  } catch (const Failure &f) {
    if (error) give(f.detail_json, error);
    return f.status;
  } catch (const std::exception &e) {
    if (error) give(Failure(WEBOX_E_INTERNAL, e.what()).detail_json, error);
    return WEBOX_E_INTERNAL;
  } catch (...) {
    if (error) give(Failure(WEBOX_E_INTERNAL, "unknown exception").detail_json, error);
    return WEBOX_E_INTERNAL;
  }
}

// ---- Host services ----------------------------------------------------------

inline void log(const webox_call *call, int level, const std::string &message) {
  host().log(call, level, message.c_str());
}

inline std::optional<std::string> secret(const webox_call *call, const std::string &name) {
  webox_buf buf{};
  if (host().get_secret(call, name.c_str(), &buf) != WEBOX_OK) return std::nullopt;
  return take(buf);
}

// A non-secret setting (an account or page id): the host's get_setting
// (ABI 1.3: environment, keys file, config file; not redacted). A host older
// than 1.3 has no get_setting: then the secret lookup, where such ids were
// read before (environment, keys file). So a plugin using this keeps
// min_host_minor as it was.
inline std::optional<std::string> setting(const webox_call *call, const std::string &name) {
  const webox_host_api &h = host();
  const bool has_setting = h.abi_minor >= 3 &&
                           h.struct_size >= offsetof(webox_host_api, get_setting) + sizeof h.get_setting &&
                           h.get_setting != nullptr;
  if (!has_setting) return secret(call, name);
  webox_buf buf{};
  if (h.get_setting(call, name.c_str(), &buf) != WEBOX_OK) return std::nullopt;
  return take(buf);
}

struct HttpResponse {
  int status = 0;
  std::string headers; // "Name: value" lines as received
  std::string body;

  // The value of the first header named `name` (case-insensitive), or "".
  std::string header(std::string_view name) const {
    size_t pos = 0;
    while (pos < headers.size()) {
      size_t end = headers.find('\n', pos);
      if (end == std::string::npos) end = headers.size();
      std::string_view line(headers.data() + pos, end - pos);
      size_t colon = line.find(':');
      if (colon == name.size()) {
        bool same = true;
        for (size_t i = 0; i < colon && same; ++i)
          same = std::tolower(static_cast<unsigned char>(line[i])) ==
                 std::tolower(static_cast<unsigned char>(name[i]));
        if (same) {
          std::string_view v = line.substr(colon + 1);
          while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
          while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.remove_suffix(1);
          return std::string(v);
        }
      }
      pos = end + 1;
    }
    return {};
  }
};

// A wait given as a plain decimal number ("1.5", "120") times `unit_ms`, in
// ms; -1 for anything else (NaN, infinity, hex, negative, text). Absurd
// values saturate at a year: the host bounds what it honours.
inline long long wait_ms_from_text(std::string_view text, double unit_ms) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0)
    return -1;
  constexpr double kYearMs = 365.0 * 24 * 3600 * 1000;
  return static_cast<long long>(std::min(value * unit_ms, kYearMs));
}

// The wait a response's `retry-after-ms` (OpenAI) or `Retry-After` in seconds
// asks for, in ms; -1 when absent or unusable. An HTTP-date Retry-After is
// left to the host, which reads it for the cooldown of a rate-limited model.
inline long long retry_after_header_ms(const HttpResponse &resp) {
  if (auto ms = resp.header("retry-after-ms"); !ms.empty()) {
    if (long long v = wait_ms_from_text(ms, 1.0); v >= 0) return v;
  }
  if (auto s = resp.header("retry-after"); !s.empty()) return wait_ms_from_text(s, 1000.0);
  return -1;
}

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::string> headers;
  std::string body;
  uint32_t framing = WEBOX_HTTP_RAW;
  int32_t timeout_ms = 0;
  webox_retry_fn should_retry = nullptr;
  void *retry_user = nullptr;
  uint32_t flags = 0; // WEBOX_HTTP_ONCE (needs min_host_minor 1)
  webox_retry_delay_fn retry_delay = nullptr; // ABI 1.2; ignored by older hosts
};

namespace detail {
struct CRequest {
  std::vector<const char *> header_ptrs;
  webox_http_request req{};
  explicit CRequest(const HttpRequest &r) {
    for (const auto &h : r.headers) header_ptrs.push_back(h.c_str());
    header_ptrs.push_back(nullptr);
    req.struct_size = sizeof req;
    req.method = r.method.c_str();
    req.url = r.url.c_str();
    req.headers = header_ptrs.data();
    req.body = r.body.data();
    req.body_size = r.body.size();
    req.timeout_ms = r.timeout_ms;
    req.framing = r.framing;
    req.should_retry = r.should_retry;
    req.retry_user = r.retry_user;
    req.flags = r.flags;
    req.retry_delay = r.retry_delay;
  }
};
inline HttpResponse collect(webox_http_response &resp) {
  HttpResponse out;
  out.status = resp.status;
  out.headers = take(resp.headers);
  out.body = take(resp.body);
  return out;
}
// `why` is the host's one-line description of the failure (may be empty).
inline void throw_transport(webox_status s, const std::string &url, const std::string &why) {
  std::string detail = why.empty() ? std::string() : " (" + why + ")";
  switch (s) {
    case WEBOX_E_CANCELLED: throw Failure(s, "cancelled");
    case WEBOX_E_TIMEOUT: throw Failure(s, "timed out waiting for " + url + detail);
    default: throw Failure(s, "network error with " + url + detail);
  }
}
} // namespace detail

// One request, body collected. Throws Failure when no response arrived.
inline HttpResponse http(const webox_call *call, const HttpRequest &r) {
  detail::CRequest c(r);
  webox_http_response resp{};
  resp.struct_size = sizeof resp;
  webox_status s = host().http(call, &c.req, &resp);
  HttpResponse out = detail::collect(resp);
  if (s != WEBOX_OK) detail::throw_transport(s, r.url, out.body);
  return out;
}

// One streamed request: `on_event` receives each framed unit of a 2xx body
// and returns false to stop. Throws Failure when no response arrived or the
// stream broke; a non-2xx answer comes back with its body for the caller.
inline HttpResponse http_stream(const webox_call *call, const HttpRequest &r,
                                const std::function<bool(std::string_view)> &on_event) {
  detail::CRequest c(r);
  webox_http_response resp{};
  resp.struct_size = sizeof resp;
  struct Ctx {
    const std::function<bool(std::string_view)> *fn;
    std::exception_ptr error;
  } ctx{&on_event, nullptr};
  auto sink = [](void *user, const char *data, size_t size) -> int {
    auto *x = static_cast<Ctx *>(user);
    try {
      return (*x->fn)(std::string_view(data, size)) ? 0 : 1;
    } catch (...) {
      x->error = std::current_exception();
      return 1;
    }
  };
  webox_status s = host().http_stream(call, &c.req, sink, &ctx, &resp);
  HttpResponse out = detail::collect(resp);
  if (ctx.error) std::rethrow_exception(ctx.error);
  if (s != WEBOX_OK) detail::throw_transport(s, r.url, out.body);
  return out;
}

// Names the provider in a transport failure, and says the right thing once
// an answer has started: "network error with <url>" is then wrong, the server
// was reached and the connection dropped or went silent.
inline Failure explain_transport_failure(const std::string &provider, const Failure &f, bool answer_started) {
  if (f.status != WEBOX_E_NETWORK && f.status != WEBOX_E_TIMEOUT) return f;
  if (!answer_started) return Failure(f.status, provider + ": " + f.message);
  if (f.status == WEBOX_E_TIMEOUT)
    return Failure(f.status, provider + ": the stream went silent in the middle of the answer (timed out)");
  // The host's reason stays: "connection reset" and "response larger than
  // the limit" call for different reactions.
  return Failure(f.status, provider + ": the connection dropped in the middle of the answer: " + f.message);
}

// Emits one borrowed event to a host sink; throws a cancellation Failure when
// the sink asks to stop, which guard() turns into WEBOX_E_CANCELLED.
inline void emit(webox_sink_fn sink, void *user, const std::string &event_json) {
  if (sink(user, event_json.data(), event_json.size()) != 0)
    throw Failure(WEBOX_E_CANCELLED, "stopped by the host");
}

} // namespace webox::sdk

// Defines the exported entry for `descriptor` (a static webox_plugin).
#define WEBOX_DEFINE_ENTRY(descriptor)                                          \
  extern "C" WEBOX_EXPORT webox_status webox_plugin_entry_v1(                  \
      const webox_host_api *host, const webox_plugin **out) {                  \
    if (!host || !out || host->abi_major != WEBOX_ABI_MAJOR)                   \
      return WEBOX_E_UNSUPPORTED;                                              \
    ::webox::sdk::g_host = host;                                               \
    *out = &(descriptor);                                                      \
    return WEBOX_OK;                                                           \
  }

#endif // WEBOX_PLUGIN_HPP
