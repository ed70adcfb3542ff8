#include "lib/net/http_client.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include "lib/core/cancel.hpp"

#ifndef WEBOX_VERSION
#define WEBOX_VERSION "0"
#endif

namespace webox::net {
namespace {

struct CurlDeleter {
  void operator()(CURL *h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist *l) const { curl_slist_free_all(l); }
};

// One easy handle per thread, reused so that keep-alive connections survive
// from one request to the next (compare and workflows send many).
CURL *thread_handle() {
  thread_local std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
  curl_easy_reset(handle.get());
  return handle.get();
}

constexpr long kMaxRedirects = 5;

bool is_success(long status) { return status >= 200 && status < 300; }

// What one attempt collects while libcurl runs its callbacks.
struct Transfer {
  Transfer(const HttpSettings &s, const Request &r, Framer *f, int64_t deadline)
      : settings(s), request(r), framer(f), deadline_ms(deadline),
        idle_ms(r.idle_timeout_ms ? r.idle_timeout_ms : s.idle_timeout_ms), last_activity_ms(cancel::monotonic_ms()) {}
  const HttpSettings &settings;
  const Request &request;
  Framer *framer = nullptr; // null for collected bodies
  long status = 0;
  std::string headers;
  std::string body;
  bool delivered = false;     // something went to the framer
  bool sink_stopped = false;  // the framer's sink asked to stop
  bool too_big = false;
  bool headers_done = false;     // the current response's blank line was seen
  size_t header_bytes = 0, header_lines = 0;
  bool headers_too_big = false;
  size_t streamed_bytes = 0;
  bool deadline_hit = false;
  int64_t deadline_ms = 0;
  // The idle timeout, kept here rather than by libcurl's low-speed check:
  // that one averages over a window of several seconds that includes the
  // upload, so a server that read a POST and went silent was given
  // ~5 s more than the setting.
  int64_t idle_ms = 0;
  int64_t last_activity_ms = 0;
  curl_off_t seen_down = 0, seen_up = 0;
  bool idle_hit = false;
};

size_t on_header(char *data, size_t size, size_t count, void *user) {
  auto *t = static_cast<Transfer *>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response starts (after a redirect or a 100 Continue): keep only
    // the final response's headers.
    t->headers.clear();
    t->headers_done = false;
    t->header_bytes = t->header_lines = 0;
    size_t space = line.find(' ');
    if (space != std::string_view::npos) t->status = std::strtol(line.data() + space + 1, nullptr, 10);
    return size * count;
  }
  t->header_bytes += line.size();
  if (++t->header_lines > t->settings.max_header_lines || t->header_bytes > t->settings.max_header_bytes) {
    t->headers_too_big = true;
    return 0; // makes libcurl stop with CURLE_WRITE_ERROR
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.empty()) t->headers_done = true;
  if (!line.empty()) {
    t->headers.append(line);
    t->headers += '\n';
  }
  return size * count;
}

size_t on_body(char *data, size_t size, size_t count, void *user) {
  auto *t = static_cast<Transfer *>(user);
  size_t n = size * count;
  std::string_view bytes(data, n);
  if (t->framer && is_success(t->status)) {
    // Streams are bounded too: a server that never stops must not fill the
    // disk or the memory of whatever the sink builds.
    t->streamed_bytes += n;
    if (t->streamed_bytes > t->settings.max_body_bytes) {
      t->too_big = true;
      return 0;
    }
    t->delivered = true;
    if (!t->framer->feed(bytes)) {
      t->sink_stopped = true;
      return 0; // makes libcurl stop with CURLE_WRITE_ERROR
    }
    return n;
  }
  size_t limit = t->framer ? t->settings.max_error_body_bytes : t->settings.max_body_bytes;
  if (t->body.size() + n > limit) {
    if (t->framer) { // an error body: a truncated message is still a message
      t->body.append(bytes.substr(0, limit - t->body.size()));
      return n;
    }
    t->too_big = true;
    return 0;
  }
  t->body.append(bytes);
  return n;
}

int on_progress(void *user, curl_off_t, curl_off_t down, curl_off_t, curl_off_t up) {
  auto *t = static_cast<Transfer *>(user);
  if (cancel::requested()) return 1;
  int64_t now = cancel::monotonic_ms();
  if (t->deadline_ms && now >= t->deadline_ms) {
    t->deadline_hit = true;
    return 1;
  }
  if (down != t->seen_down || up != t->seen_up) {
    t->seen_down = down;
    t->seen_up = up;
    t->last_activity_ms = now;
  } else if (t->idle_ms > 0 && now - t->last_activity_ms >= t->idle_ms) {
    t->idle_hit = true;
    return 1;
  }
  return 0;
}

// Sleeps `ms` in short slices so that Ctrl-C still interrupts a backoff.
// Returns false when cancelled or when the deadline would pass.
bool wait_interruptibly(int64_t ms, int64_t deadline_ms) {
  int64_t until = cancel::monotonic_ms() + ms;
  if (deadline_ms && until > deadline_ms) return false;
  while (cancel::monotonic_ms() < until) {
    if (cancel::requested()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(10, until - cancel::monotonic_ms())));
  }
  return !cancel::requested();
}

void configure(CURL *h, Transfer &t, curl_slist *headers, char *errbuf) {
  const Request &r = t.request;
  curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "webox/" WEBOX_VERSION);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, kMaxRedirects);
  // Never follow a redirect from HTTPS down to HTTP: the next request would
  // carry the same Authorization header in clear text.
  bool https = r.url.rfind("https://", 0) == 0;
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); // every encoding libcurl decodes
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(t.settings.connect_timeout_ms));
  // Verification is libcurl's default; it is set anyway so that no future
  // option or reset can turn it off. There is deliberately no setting to
  // disable it: a private CA is added with ca_bundle instead.
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!t.settings.ca_bundle.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, t.settings.ca_bundle.c_str());
  // A Content-Length above the limit is refused before the body is read.
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t.settings.max_body_bytes));
  if (r.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    if (r.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    else curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
}

struct Attempt {
  Outcome outcome;
  bool delivered = false;
  bool unsent = false;    // failed before a byte of the request left
};

std::string header_limit_message(const HttpSettings &settings) {
  return "the server sent response headers over webox's limit (" + std::to_string(settings.max_header_lines) +
         " lines or " + std::to_string(settings.max_header_bytes) + " bytes); refused";
}

// libcurl's own refusal of a giant header line is reported as "out of memory"
// (or, in versions that count the whole header block, a receive error that
// says "Too large response headers"): said plainly when it comes while the
// headers are still being read.
bool libcurl_refused_headers(CURLcode rc, const Transfer &t, const char *errbuf) {
  if (t.status == 0 || t.headers_done) return false;
  return rc == CURLE_OUT_OF_MEMORY ||
         (rc == CURLE_RECV_ERROR && std::string_view(errbuf).find("response headers") != std::string_view::npos);
}

std::string total_timeout_message(const HttpSettings &settings) {
  return "gave up after " + std::to_string(settings.total_timeout_ms) +
         " ms, the longest a request may take (http.total_timeout_ms or WEBOX_TOTAL_TIMEOUT_MS)";
}

// Failures that are a property of the server or of webox's policy, not of
// the moment: a retry would fail the same way, so none is made, and the
// message says what to do.
std::optional<std::string> explain_permanent(CURLcode rc, const Request &request, const HttpSettings &settings,
                                             const char *errbuf) {
  std::string detail = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
  switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return "TLS certificate verification failed (" + detail +
             "); webox always verifies certificates: if the server uses a private CA, add it with "
             "--ca-bundle FILE, WEBOX_CA_BUNDLE or http.ca_bundle";
    case CURLE_UNSUPPORTED_PROTOCOL:
      if (request.url.rfind("https://", 0) == 0)
        return "refused to follow a redirect from HTTPS to an insecure URL (" + detail +
               "): it would send the request's credentials in clear text";
      return detail;
    case CURLE_TOO_MANY_REDIRECTS:
      return "more than " + std::to_string(kMaxRedirects) + " redirects; stopped following them";
    case CURLE_FILESIZE_EXCEEDED:
      return "response larger than " + std::to_string(settings.max_body_bytes) +
             " bytes (the limit is http.max_response_bytes or WEBOX_MAX_RESPONSE_BYTES)";
    default: return std::nullopt;
  }
}

// `total_deadline_ms` is the end of http.total_timeout_ms (0 = none); the
// request's own deadline applies too, whichever comes first.
Attempt attempt_once(const HttpSettings &settings, const Request &request, Framer *framer, int64_t total_deadline_ms) {
  int64_t deadline = request.deadline_ms;
  bool total_first = total_deadline_ms && (!deadline || total_deadline_ms <= deadline);
  if (total_first) deadline = total_deadline_ms;
  Transfer t(settings, request, framer, deadline);
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  curl_slist *list = curl_slist_append(nullptr, "Expect:"); // no 100-continue round trip
  for (const auto &h : request.headers) list = curl_slist_append(list, h.c_str());
  headers.reset(list);
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL *h = thread_handle();
  configure(h, t, headers.get(), errbuf);
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK && framer && is_success(t.status) && !framer->finish()) t.sink_stopped = true;

  Attempt a;
  a.delivered = t.delivered;
  Outcome &o = a.outcome;
  o.response.status = static_cast<int>(t.status);
  o.response.headers = std::move(t.headers);
  o.response.body = std::move(t.body);
  if (t.sink_stopped) {
    o.failure = Failure::cancelled;
    o.message = "stopped by the reader";
  } else if (rc == CURLE_OK) {
    o.failure = Failure::none;
  } else if (rc == CURLE_ABORTED_BY_CALLBACK && t.idle_hit) {
    o.failure = Failure::timeout;
    o.message = "no data from the server for " + std::to_string(t.idle_ms) + " ms";
  } else if (rc == CURLE_ABORTED_BY_CALLBACK && !t.deadline_hit) {
    o.failure = Failure::cancelled;
    o.message = "interrupted";
  } else if (t.deadline_hit && total_first) {
    o.failure = Failure::timeout;
    o.total_timeout = true;
    o.message = total_timeout_message(settings);
  } else if (rc == CURLE_OPERATION_TIMEDOUT || t.deadline_hit) {
    o.failure = Failure::timeout;
    o.message = errbuf[0] ? errbuf : "deadline reached";
  } else if (t.headers_too_big || libcurl_refused_headers(rc, t, errbuf)) {
    o.failure = Failure::network;
    o.message = header_limit_message(settings);
    o.permanent = true;
  } else if (t.too_big) {
    o.failure = Failure::network;
    o.message = "response larger than " + std::to_string(settings.max_body_bytes) +
                " bytes (the limit is http.max_response_bytes or WEBOX_MAX_RESPONSE_BYTES)";
    o.permanent = true;
  } else if (auto why = explain_permanent(rc, request, settings, errbuf)) {
    o.failure = Failure::network;
    o.message = std::move(*why);
    o.permanent = true;
  } else {
    o.failure = Failure::network;
    o.message = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    if (t.delivered) o.message = "connection lost mid-stream: " + o.message;
    a.unsent = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY;
  }
  return a;
}

} // namespace

std::optional<std::string> url_problem(const std::string &url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  if (!parsed) return "cannot check the URL (out of memory)";
  if (CURLUcode rc = curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK)
    return std::string(curl_url_strerror(rc));
  char *scheme = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || !scheme)
    return std::string("no scheme");
  std::string name(scheme);
  curl_free(scheme);
  if (name != "http" && name != "https") return "the scheme '" + name + "' is not http or https";
  return std::nullopt;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpClient::HttpClient(HttpSettings settings) : m_settings(std::move(settings)) { global_init(); }

Outcome HttpClient::send(const Request &request) const { return run(request, Framing::raw, nullptr); }

Outcome HttpClient::stream(const Request &request, Framing framing, const UnitSink &sink) const {
  return run(request, framing, &sink);
}

Outcome HttpClient::run(const Request &request, Framing framing, const UnitSink *sink) const {
  const RetryPolicy &policy = m_settings.retry;
  const int64_t total_deadline =
      m_settings.total_timeout_ms > 0 ? cancel::monotonic_ms() + m_settings.total_timeout_ms : 0;
  for (int attempt = 1;; ++attempt) {
    std::unique_ptr<Framer> framer;
    if (sink) {
      if (framing == Framing::sse) framer = std::make_unique<SseDecoder>(*sink);
      else if (framing == Framing::ndjson) framer = std::make_unique<NdjsonDecoder>(*sink);
      else framer = std::make_unique<RawPassThrough>(*sink);
    }
    int64_t started = cancel::monotonic_ms();
    Attempt a = attempt_once(m_settings, request, framer.get(), total_deadline);
    Outcome &o = a.outcome;
    o.response.attempts = attempt;
    spdlog::debug("{} {} -> {} in {} ms (attempt {}){}", request.method, request.url, o.response.status,
                  cancel::monotonic_ms() - started, attempt, o.ok() ? "" : ": " + o.message);

    // A request sent `once` is repeated only when it surely never left; an
    // HTTP answer to it is still the plugin's to judge (should_retry).
    bool may_retry = attempt <= policy.max_retries && !a.delivered && !o.permanent &&
                     (!request.once || a.unsent || o.failure == Failure::none);
    if (o.failure == Failure::cancelled || !may_retry) return o;
    std::optional<int64_t> hint;
    if (o.failure == Failure::none) {
      int status = o.response.status;
      if (is_success(status) || (status >= 300 && status < 400)) return o;
      bool retry = request.should_retry ? request.should_retry(status, o.response.body)
                                        : RetryPolicy::retryable_status(status);
      if (!retry) return o;
      if (request.retry_delay) hint = request.retry_delay(status, o.response.body);
      if (!policy.usable_hint(hint))
        hint = server_wait_from_headers(o.response.headers, static_cast<int64_t>(std::time(nullptr)));
    }
    int64_t delay = policy.delay_ms(attempt, hint);
    spdlog::info("retrying {} in {} ms ({})", request.url, delay,
                 o.failure == Failure::none ? "HTTP " + std::to_string(o.response.status) : o.message);
    int64_t wait_deadline = request.deadline_ms;
    if (total_deadline && (!wait_deadline || total_deadline < wait_deadline)) wait_deadline = total_deadline;
    if (!wait_interruptibly(delay, wait_deadline)) {
      if (cancel::requested()) {
        o.failure = Failure::cancelled;
        o.message = "interrupted";
      }
      return o;
    }
  }
}

} // namespace webox::net
