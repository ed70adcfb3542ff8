// How lib/mcp/client.cpp reaches a server, whatever carries the messages:
// stdio (lib/mcp/stdio_transport.cpp) or Streamable HTTP
// (lib/mcp/http_transport.cpp). See lib/mcp/jsonrpc.hpp for the framing both
// share.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace webox::mcp {

class Transport {
public:
  virtual ~Transport() = default;

  // Sends a request and waits for its response; returns its result. Safe
  // from several threads at once. Throws RpcError for an error response,
  // Error (exit 75) when `timeout` passes (the request is then cancelled
  // with notifications/cancelled), Interrupted on Ctrl-C, and Error (exit 1)
  // when the server cannot answer any more (it exited, sent garbage, or a
  // message over kMaxMessageBytes).
  virtual nlohmann::json request(const std::string &method, const nlohmann::json &params,
                                 std::chrono::milliseconds timeout) = 0;

  // Sends a notification (no answer).
  virtual void notify(const std::string &method, const nlohmann::json &params) = 0;

  // The protocol version agreed by initialize (HTTP sends it as a header on
  // every later request).
  virtual void set_protocol_version(const std::string &) {}
};

} // namespace webox::mcp
