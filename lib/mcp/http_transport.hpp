// MCP's Streamable HTTP transport: JSON-RPC messages POSTed to one endpoint.
//
// The spec ("Transports", Streamable HTTP): every client message is a POST of
// one JSON-RPC document to the server's MCP endpoint, with `Accept:
// application/json, text/event-stream`. For a request the server answers
// either `Content-Type: application/json` (the response) or
// `text/event-stream`, an SSE stream that may carry the server's own
// requests and notifications before the response, after which it closes.
// Notifications and responses POSTed by the client get 202 Accepted. The
// server may give a session at initialize (`Mcp-Session-Id` header): the
// client sends it on every later request, and a 404 then means the session
// has expired; the client SHOULD end it with an HTTP DELETE when it is done.
// After initialize every request carries `MCP-Protocol-Version`.
//
// Here every POST goes through lib/net (timeouts, Ctrl-C, TLS, the size cap
// of http.max_response_bytes, no retry of a tools/call that may have reached
// the server); SSE answers are collected and cut with lib/net's SseDecoder;
// the server's requests found on the way (ping) are answered with a POST.
// The optional GET stream for unsolicited server messages is not opened:
// webox needs no message it did not ask for.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "lib/mcp/jsonrpc.hpp"
#include "lib/mcp/server_config.hpp"
#include "lib/mcp/transport.hpp"

namespace webox::net {
class HttpClient;
}

namespace webox::mcp {

class HttpTransport final : public Transport {
public:
  HttpTransport(const ServerConfig &server, std::shared_ptr<const net::HttpClient> http);
  ~HttpTransport() override; // DELETE of the session, if any
  HttpTransport(const HttpTransport &) = delete;
  HttpTransport &operator=(const HttpTransport &) = delete;

  nlohmann::json request(const std::string &method, const nlohmann::json &params,
                         std::chrono::milliseconds timeout) override;
  void notify(const std::string &method, const nlohmann::json &params) override;
  void set_protocol_version(const std::string &version) override;

private:
  struct Answer {
    int status = 0;
    std::string content_type;
    std::string body;
  };
  Answer post(const nlohmann::json &message, int64_t timeout_ms, bool once);
  std::vector<std::string> headers(bool with_json_body);
  nlohmann::json find_response(const Answer &answer, int64_t id, const std::string &method);
  bool consider(const nlohmann::json &message, int64_t id, std::optional<Incoming> &found);

  std::string m_name;
  std::string m_url;
  NamedValues m_headers;
  int64_t m_timeout_ms;
  std::shared_ptr<const net::HttpClient> m_http;
  std::mutex m_mu; // guards the two below
  std::string m_session_id;
  std::string m_protocol_version;
  std::atomic<int64_t> m_next_id{1};
};

} // namespace webox::mcp
