// JSON-RPC 2.0 as the Model Context Protocol uses it, independent of the
// transport (lib/mcp/stdio_transport.cpp, lib/mcp/http_transport.cpp).
//
// MCP (https://modelcontextprotocol.io/specification, "Base Protocol") sends
// JSON-RPC 2.0 messages: requests {"jsonrpc":"2.0","id":N,"method","params"}
// that expect exactly one response with the same id, carrying either
// "result" or "error" {"code","message","data"}; notifications (a method, no
// id) that expect none. Ids here are integers from one counter per
// connection, never reused, so a response is matched to its request by id
// alone whatever order they arrive in: several threads may have calls in
// flight on one connection at once.
//
// Both sides send requests: a server may ask the client things (`ping`,
// which MUST be answered with an empty result, and the client features
// webox does not declare — roots, sampling, elicitation — which are refused
// with -32601 "Method not found", as the spec wants for undeclared
// capabilities). Notifications from the server (logging messages, progress,
// list changes) need no answer and are only logged.
//
// Every message from a server is outside input: it is parsed with the
// nesting limit of plugins/common/shared/bounded_json.hpp, and the
// transports cap its size (kMaxMessageBytes) before it is parsed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lib/core/error.hpp"

namespace webox::mcp {

// The largest message accepted from a server (a tool result with an image
// fits; a 50 MB answer is refused with a message instead of being held).
inline constexpr size_t kMaxMessageBytes = 16u << 20;

// A JSON-RPC error answered by the server (unknown tool, invalid params).
// Exit 1: the server is there and refused.
class RpcError : public Error {
public:
  RpcError(const std::string &message, int64_t rpc_code) : Error(message, ExitCode::failure), m_rpc_code(rpc_code) {}
  int64_t rpc_code() const { return m_rpc_code; }

private:
  int64_t m_rpc_code;
};

struct Incoming {
  enum class Kind { response, request, notification, invalid } kind = Kind::invalid;
  int64_t id = 0;        // response: the request it answers; request: the server's id
  nlohmann::json raw_id; // a request's id as sent (ids may be strings)
  std::string method;    // request or notification
  nlohmann::json body;   // the whole message
};

nlohmann::json make_request(int64_t id, const std::string &method, const nlohmann::json &params);
nlohmann::json make_notification(const std::string &method, const nlohmann::json &params);

// Sorts one message from the server. A response whose id is not an integer
// (webox only ever sends integers) is invalid.
Incoming classify(const nlohmann::json &message);

// Parses one message; nullopt when it is not JSON, nests too deep, or is not
// an object (a batch array is returned as is: only HTTP servers send those).
std::optional<nlohmann::json> parse_message(std::string_view text);

// The answer to a request from the server: an empty result for `ping`,
// -32601 for everything else.
nlohmann::json answer_server_request(const Incoming &request);

// A response's result, or RpcError "mcp server 'NAME': METHOD: CODE MESSAGE".
nlohmann::json result_or_throw(const Incoming &response, const std::string &server, const std::string &method);

// The first `n` bytes of `text`, for quoting what a server sent in a message.
std::string excerpt(std::string_view text, size_t n = 80);

} // namespace webox::mcp
