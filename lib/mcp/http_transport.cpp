// The Streamable HTTP transport of MCP: see http_transport.hpp for the
// protocol's rules and how this file keeps them.
#include "lib/mcp/http_transport.hpp"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/net/framing.hpp"
#include "lib/net/http_client.hpp"

namespace webox::mcp {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The value of header `name` in a block of "Name: value" lines ("" if absent).
std::string header_value(const std::string &block, const std::string &name) {
  const std::string wanted = lower(name);
  size_t start = 0;
  while (start < block.size()) {
    size_t end = block.find('\n', start);
    if (end == std::string::npos) end = block.size();
    std::string line = block.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon != std::string::npos && lower(line.substr(0, colon)) == wanted) {
      size_t v = colon + 1;
      while (v < line.size() && (line[v] == ' ' || line[v] == '\t')) ++v;
      return line.substr(v);
    }
    start = end + 1;
  }
  return "";
}

ExitCode exit_for_status(int status) {
  if (status == 401 || status == 403) return ExitCode::config;
  if (status == 429 || status >= 500) return ExitCode::temporary;
  return ExitCode::failure;
}

} // namespace

HttpTransport::HttpTransport(const ServerConfig &server, std::shared_ptr<const net::HttpClient> http)
    : m_name(server.name), m_url(server.url), m_headers(server.headers), m_timeout_ms(server.timeout_ms),
      m_http(std::move(http)) {}

HttpTransport::~HttpTransport() {
  std::string session;
  {
    std::lock_guard<std::mutex> lock(m_mu);
    session = m_session_id;
  }
  if (session.empty()) return;
  net::Request r;
  r.method = "DELETE";
  r.url = m_url;
  r.headers = headers(false);
  r.deadline_ms = cancel::monotonic_ms() + 5'000;
  r.once = true;
  // Best effort: a server that forgot the session, or Ctrl-C, is no error.
  net::Outcome o = m_http->send(r);
  spdlog::debug("mcp {}: session closed (HTTP {})", m_name, o.response.status);
}

void HttpTransport::set_protocol_version(const std::string &version) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_protocol_version = version;
}

std::vector<std::string> HttpTransport::headers(bool with_json_body) {
  std::vector<std::string> h;
  if (with_json_body) h.push_back("Content-Type: application/json");
  h.push_back("Accept: application/json, text/event-stream");
  {
    std::lock_guard<std::mutex> lock(m_mu);
    if (!m_session_id.empty()) h.push_back("Mcp-Session-Id: " + m_session_id);
    if (!m_protocol_version.empty()) h.push_back("MCP-Protocol-Version: " + m_protocol_version);
  }
  for (const auto &[k, v] : m_headers) h.push_back(k + ": " + v);
  return h;
}

HttpTransport::Answer HttpTransport::post(const nlohmann::json &message, int64_t timeout_ms, bool once) {
  const std::string body = message.dump();
  net::Request r;
  r.method = "POST";
  r.url = m_url;
  r.headers = headers(true);
  r.body = body;
  r.idle_timeout_ms = timeout_ms;
  r.deadline_ms = cancel::monotonic_ms() + timeout_ms;
  r.once = once;
  net::Outcome o = m_http->send(r);
  if (o.failure == net::Failure::cancelled) throw Interrupted();
  if (o.failure == net::Failure::timeout)
    throw Error("mcp server '" + m_name + "': no answer within " + std::to_string(timeout_ms) +
                    " ms (timeout_ms in its mcp_servers entry)",
                ExitCode::temporary);
  if (!o.ok())
    throw Error("mcp server '" + m_name + "': " + o.message, o.permanent ? ExitCode::failure : ExitCode::temporary);
  Answer a;
  a.status = o.response.status;
  a.content_type = lower(header_value(o.response.headers, "Content-Type"));
  a.body = std::move(o.response.body);
  const std::string session = header_value(o.response.headers, "Mcp-Session-Id");
  if (!session.empty()) {
    std::lock_guard<std::mutex> lock(m_mu);
    if (m_session_id.empty()) m_session_id = session;
  }
  if (a.status == 404) {
    std::lock_guard<std::mutex> lock(m_mu);
    if (!m_session_id.empty())
      throw Error("mcp server '" + m_name + "': the session has expired (HTTP 404); run the command again");
  }
  if (a.status < 200 || a.status >= 300)
    throw Error("mcp server '" + m_name + "': HTTP " + std::to_string(a.status) +
                    (a.body.empty() ? "" : ": " + excerpt(a.body, 200)),
                exit_for_status(a.status));
  return a;
}

// One message of an answer: the response to `id` is kept in `found`; a
// request of the server is answered; a notification logged. False when the
// message is not JSON-RPC.
bool HttpTransport::consider(const nlohmann::json &message, int64_t id, std::optional<Incoming> &found) {
  Incoming in = classify(message);
  switch (in.kind) {
    case Incoming::Kind::response:
      if (in.id == id) found = std::move(in);
      return true;
    case Incoming::Kind::request: post(answer_server_request(in), 10'000, true); return true;
    case Incoming::Kind::notification: spdlog::debug("mcp {}: {}", m_name, in.method); return true;
    case Incoming::Kind::invalid: return false;
  }
  return false;
}

nlohmann::json HttpTransport::find_response(const Answer &answer, int64_t id, const std::string &method) {
  std::optional<Incoming> found;
  auto garbage = [&](std::string_view what) {
    return Error("mcp server '" + m_name + "' answered " + method + " with something that is not JSON-RPC: '" +
                 excerpt(what) + "'");
  };
  if (answer.content_type.rfind("text/event-stream", 0) == 0) {
    std::optional<Error> bad;
    net::SseDecoder sse([&](std::string_view data) {
      std::optional<nlohmann::json> m = data.size() <= kMaxMessageBytes ? parse_message(data) : std::nullopt;
      if (!m || !consider(*m, id, found)) {
        bad = garbage(data);
        return false;
      }
      return !found;
    });
    if (sse.feed(answer.body)) sse.finish();
    if (bad) throw *bad;
  } else {
    std::optional<nlohmann::json> m = parse_message(answer.body);
    if (!m) throw garbage(answer.body);
    if (m->is_array()) {
      for (const auto &one : *m)
        if (!consider(one, id, found)) throw garbage(one.dump());
    } else if (!consider(*m, id, found)) {
      throw garbage(answer.body);
    }
  }
  if (!found) throw Error("mcp server '" + m_name + "' ended its answer to " + method + " without a response");
  return result_or_throw(*found, m_name, method);
}

nlohmann::json HttpTransport::request(const std::string &method, const nlohmann::json &params,
                                      std::chrono::milliseconds timeout) {
  const int64_t id = m_next_id++;
  // tools/call may act on the world: never sent twice.
  const Answer answer = post(make_request(id, method, params), timeout.count(), method == "tools/call");
  if (answer.body.size() > kMaxMessageBytes)
    throw Error("mcp server '" + m_name + "' answered " + method + " with more than " +
                std::to_string(kMaxMessageBytes >> 20) + " MiB (refused)");
  return find_response(answer, id, method);
}

void HttpTransport::notify(const std::string &method, const nlohmann::json &params) {
  post(make_notification(method, params), m_timeout_ms, true);
}

} // namespace webox::mcp
