#include "lib/net/cassette.hpp"

#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::net {
namespace {

using nlohmann::json;

std::unique_ptr<Framer> make_framer(Framing framing, const UnitSink &sink) {
  if (framing == Framing::sse) return std::make_unique<SseDecoder>(sink);
  if (framing == Framing::ndjson) return std::make_unique<NdjsonDecoder>(sink);
  return std::make_unique<RawPassThrough>(sink);
}

bool is_text(const std::string &s) {
  for (unsigned char c : s)
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
  try {
    (void)json(s).dump(); // throws on invalid UTF-8
    return true;
  } catch (const json::exception &) {
    return false;
  }
}

// Response headers worth keeping: everything but cookies, redacted.
std::string kept_headers(const std::string &headers) {
  std::string out;
  std::istringstream in(headers);
  std::string line;
  while (std::getline(in, line)) {
    std::string lower;
    for (char c : line) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("set-cookie:", 0) == 0) continue;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out += logging::redact(line) + "\r\n";
  }
  return out;
}

json to_line(const Exchange &e) {
  json j = {{"method", e.method}, {"url", e.url}, {"request", e.request_body}};
  if (!e.failure.empty()) {
    j["failure"] = e.failure;
    j["message"] = e.message;
    return j;
  }
  j["status"] = e.status;
  j["headers"] = e.headers;
  if (is_text(e.body)) j["body"] = e.body;
  else j["body_base64"] = crypto::base64_encode(e.body);
  return j;
}

} // namespace

std::string exchange_key(const std::string &method, const std::string &url, std::string_view body) {
  return method + " " + logging::redact(url) + "\n" + logging::redact(body);
}

std::unique_ptr<Cassette> Cassette::record_to(const std::filesystem::path &file) {
  std::unique_ptr<Cassette> c(new Cassette());
  c->m_file = file;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  try {
    c->m_out = std::make_unique<AtomicFile>(file);
  } catch (const Error &e) {
    throw UsageError(std::string("--record: ") + e.what());
  }
  return c;
}

std::unique_ptr<Cassette> Cassette::replay_from(const std::filesystem::path &file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UsageError("--replay: cannot read " + file.string());
  std::unique_ptr<Cassette> c(new Cassette());
  c->m_replay = true;
  c->m_file = file;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    json j = parse_json_or_discarded(line);
    if (j.is_discarded() || !j.is_object() || !j.contains("method") || !j.contains("url"))
      throw UsageError("--replay: " + file.string() + ":" + std::to_string(number) + ": not a recorded exchange");
    Exchange e;
    e.method = j.value("method", "");
    e.url = j.value("url", "");
    e.request_body = j.value("request", "");
    e.status = j.value("status", 0);
    e.headers = j.value("headers", "");
    e.failure = j.value("failure", "");
    e.message = j.value("message", "");
    try {
      e.body = j.contains("body_base64") ? crypto::base64_decode(j.value("body_base64", "")) : j.value("body", "");
    } catch (const Error &) {
      throw UsageError("--replay: " + file.string() + ":" + std::to_string(number) + ": body_base64 is not base64");
    }
    // The file is already redacted; the key is built the same way a live
    // request's is, so "[REDACTED]" meets "[REDACTED]".
    c->m_by_key[exchange_key(e.method, e.url, e.request_body)].left.push_back(std::move(e));
  }
  return c;
}

Cassette::~Cassette() {
  try {
    finish();
  } catch (...) {
    // A destructor must not throw; finish() already reported what it could.
  }
}

void Cassette::finish() {
  std::lock_guard lock(m_mutex);
  if (m_replay || m_finished) return;
  m_finished = true;
  try {
    m_out->commit();
  } catch (const Error &e) {
    throw Error(std::string("--record: ") + e.what());
  }
}

size_t Cassette::recorded() const {
  std::lock_guard lock(m_mutex);
  return m_count;
}

Outcome Cassette::exchange(const HttpClient &client, const Request &request, Framing framing, const UnitSink *sink) {
  return m_replay ? replay(request, framing, sink) : record(client, request, framing, sink);
}

Outcome Cassette::replay(const Request &request, Framing framing, const UnitSink *sink) {
  Exchange e;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_by_key.find(exchange_key(request.method, request.url, request.body));
    if (it == m_by_key.end()) {
      Outcome miss;
      miss.failure = Failure::network;
      miss.message = "not in the replay file " + m_file.filename().string() + ": " + request.method + " " +
                     logging::redact(request.url) + " with this body (record again with --record)";
      return miss;
    }
    Served &served = it->second;
    if (!served.left.empty()) {
      served.last = std::move(served.left.front());
      served.left.pop_front();
    }
    e = *served.last;
  }
  Outcome o;
  if (!e.failure.empty()) {
    o.failure = e.failure == "timeout" ? Failure::timeout : Failure::network;
    o.message = e.message;
    return o;
  }
  o.response.status = e.status;
  o.response.headers = e.headers;
  o.response.attempts = 1;
  bool success = e.status >= 200 && e.status < 300;
  if (sink && success) {
    std::unique_ptr<Framer> framer = make_framer(framing, *sink);
    if (!framer->feed(e.body) || !framer->finish()) {
      o.failure = Failure::cancelled;
      o.message = "stopped by the receiver";
    }
  } else {
    o.response.body = std::move(e.body);
  }
  return o;
}

Outcome Cassette::record(const HttpClient &client, const Request &request, Framing framing, const UnitSink *sink) {
  Exchange e;
  e.method = request.method;
  e.url = logging::redact(request.url);
  e.request_body = logging::redact(request.body);
  Outcome o;
  if (sink) {
    // Keep the raw 2xx body as it arrives while the real framer hands units
    // to the caller: replay will frame the same bytes the same way.
    std::string raw;
    std::unique_ptr<Framer> framer = make_framer(framing, *sink);
    UnitSink tee = [&](std::string_view bytes) {
      raw.append(bytes);
      return framer->feed(bytes);
    };
    o = client.stream(request, Framing::raw, tee);
    if (o.ok() && o.response.status >= 200 && o.response.status < 300 && !framer->finish()) {
      o.failure = Failure::cancelled;
      o.message = "stopped by the receiver";
    }
    e.body = o.response.status >= 200 && o.response.status < 300 ? raw : o.response.body;
  } else {
    o = client.send(request);
    e.body = o.response.body;
  }
  if (o.response.status == 0 && !o.ok()) {
    e.failure = o.failure == Failure::timeout ? "timeout" : "network";
    e.message = logging::redact(o.message);
  } else if (o.failure == Failure::cancelled) {
    return o; // the user stopped: nothing worth replaying
  }
  e.status = o.response.status;
  e.headers = kept_headers(o.response.headers);
  e.body = logging::redact(e.body);
  std::string line = to_line(e).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::lock_guard lock(m_mutex);
  m_out->write(line);
  ++m_count;
  return o;
}

} // namespace webox::net
