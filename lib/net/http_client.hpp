// HTTP for the whole program, over libcurl.
//
// Plugins never link libcurl: they ask the host, and the host does it here,
// once, for everyone: connect and idle-read timeouts, a deadline, bounded
// retries with backoff that honour the server's Retry-After, gzip, TLS
// verification, redirects that never go from HTTPS to HTTP, bounded
// response sizes, and cancellation by Ctrl-C within milliseconds (libcurl's
// progress callback polls the cancel token).
//
// Streamed requests hand the 2xx body to a Framer (SSE, NDJSON or raw) as it
// arrives. They are retried only while nothing has been handed out yet:
// after the first delta, a retry would repeat text the user already saw.
// A non-2xx answer is never streamed: its body is collected (bounded) so the
// caller can read the provider's error.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/net/framing.hpp"
#include "lib/net/retry.hpp"

namespace webox::net {

inline constexpr int64_t kDefaultTotalTimeoutMs = 3'600'000;

struct HttpSettings {
  int64_t connect_timeout_ms = 10'000;
  int64_t idle_timeout_ms = 120'000; // no byte received for this long = timeout
  // The longest one request may take, its retries and waits included, however
  // the server behaves (a stream that drips a comment a second is never
  // idle); 0 = none. From http.total_timeout_ms or WEBOX_TOTAL_TIMEOUT_MS.
  // Generous by default (an hour) so that a long answer still streams, and
  // a cron job still ends.
  int64_t total_timeout_ms = kDefaultTotalTimeoutMs;
  RetryPolicy retry;
  std::string ca_bundle;             // extra CA file; verification is always on
  // Bodies (collected or streamed) larger than this end the transfer with a
  // network error that is not retried; from http.max_response_bytes or
  // WEBOX_MAX_RESPONSE_BYTES.
  size_t max_body_bytes = 64u << 20;
  size_t max_error_body_bytes = 64u << 10;
  // The header block of one response (lines and bytes): a server sending
  // megabytes of headers is refused for good (libcurl's own limit would end
  // in a misleading "out of memory").
  size_t max_header_bytes = 64u << 10;
  size_t max_header_lines = 500;
};

enum class Framing { raw, sse, ndjson };

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers; // "Name: value"
  std::string_view body;
  int64_t idle_timeout_ms = 0;      // 0 = settings default
  int64_t deadline_ms = 0;          // monotonic ms, 0 = none
  // Decides whether a non-2xx answer may be retried; empty = the default
  // statuses (RetryPolicy::retryable_status).
  std::function<bool(int status, std::string_view body)> should_retry;
  // The wait a retryable answer asks for in its body (Google's RetryInfo),
  // in ms, before the Retry-After headers are read; empty or nullopt = none.
  // Bounded like any server hint (RetryPolicy::usable_hint).
  std::function<std::optional<int64_t>(int status, std::string_view body)> retry_delay;
  // Not idempotent (a message to a person): after a failure that may come
  // after the request reached the server, it is not sent again.
  bool once = false;
};

struct Response {
  int status = 0;       // 0 when no response arrived
  std::string headers;  // the final response's header lines
  std::string body;     // empty for a streamed 2xx
  int attempts = 0;
};

enum class Failure { none, network, timeout, cancelled };

struct Outcome {
  Response response;
  Failure failure = Failure::none;
  std::string message; // what went wrong when failure != none
  // Refused by webox's own rules or by what the server is (its certificate,
  // a redirect down to HTTP, a body over the size limit, a redirect loop):
  // neither a retry nor a later run can help, only a change of settings.
  bool permanent = false;
  // The failure is http.total_timeout_ms running out: the message says so,
  // and callers must not reword it as a silent server.
  bool total_timeout = false;
  bool ok() const { return failure == Failure::none; }
};

class HttpClient {
public:
  explicit HttpClient(HttpSettings settings = {});

  // Sends `request` and collects the body.
  Outcome send(const Request &request) const;

  // Sends `request`; a 2xx body goes through `framing` to `sink`. A sink that
  // returns false stops the transfer (Failure::cancelled).
  Outcome stream(const Request &request, Framing framing, const UnitSink &sink) const;

  const HttpSettings &settings() const { return m_settings; }

private:
  Outcome run(const Request &request, Framing framing, const UnitSink *sink) const;
  HttpSettings m_settings;
};

// Why `url` cannot be sent (libcurl's URL parser refuses it, or its scheme is
// not http/https), or nullopt when it can. For settings checked before any
// request: a malformed base URL is a configuration error, not a network one.
std::optional<std::string> url_problem(const std::string &url);

// libcurl's global initialisation; idempotent and thread-safe. Called by the
// first HttpClient, and by main before any thread starts.
void global_init();

} // namespace webox::net
