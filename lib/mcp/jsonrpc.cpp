#include "lib/mcp/jsonrpc.hpp"

#include "plugins/common/shared/bounded_json.hpp"

namespace webox::mcp {

nlohmann::json make_request(int64_t id, const std::string &method, const nlohmann::json &params) {
  nlohmann::json m = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) m["params"] = params;
  return m;
}

nlohmann::json make_notification(const std::string &method, const nlohmann::json &params) {
  nlohmann::json m = {{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) m["params"] = params;
  return m;
}

Incoming classify(const nlohmann::json &message) {
  Incoming in;
  if (!message.is_object()) return in;
  in.body = message;
  const auto method = message.find("method");
  const auto id = message.find("id");
  if (method != message.end()) {
    if (!method->is_string()) return in;
    in.method = method->get<std::string>();
    if (id == message.end() || id->is_null()) {
      in.kind = Incoming::Kind::notification;
    } else {
      in.kind = Incoming::Kind::request;
      in.raw_id = *id;
    }
    return in;
  }
  if (id != message.end() && id->is_number_integer() &&
      (message.contains("result") || (message.contains("error") && message["error"].is_object()))) {
    in.kind = Incoming::Kind::response;
    in.id = id->get<int64_t>();
  }
  return in;
}

std::optional<nlohmann::json> parse_message(std::string_view text) {
  nlohmann::json j = bounded_json::parse_or_discarded(text);
  if (j.is_discarded() || !(j.is_object() || j.is_array())) return std::nullopt;
  return j;
}

nlohmann::json answer_server_request(const Incoming &request) {
  if (request.method == "ping")
    return {{"jsonrpc", "2.0"}, {"id", request.raw_id}, {"result", nlohmann::json::object()}};
  return {{"jsonrpc", "2.0"},
          {"id", request.raw_id},
          {"error", {{"code", -32601}, {"message", "Method not found: webox does not offer " + request.method}}}};
}

nlohmann::json result_or_throw(const Incoming &response, const std::string &server, const std::string &method) {
  const nlohmann::json &body = response.body;
  if (body.contains("error")) {
    const nlohmann::json &e = body["error"];
    const int64_t code = e.contains("code") && e["code"].is_number_integer() ? e["code"].get<int64_t>() : 0;
    const std::string message =
        e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
    throw RpcError("mcp server '" + server + "': " + method + " failed: " + std::to_string(code) + " " +
                       excerpt(message, 300),
                   code);
  }
  return body["result"];
}

std::string excerpt(std::string_view text, size_t n) {
  std::string out;
  for (char c : text.substr(0, n)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (text.size() > n) out += "...";
  return out;
}

} // namespace webox::mcp
