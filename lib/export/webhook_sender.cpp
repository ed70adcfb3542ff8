#include "lib/export/webhook_sender.hpp"

#include <ctime>

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/export/rejection.hpp"

namespace webox::exporting {

std::string webhook_key(std::string_view secret) {
  constexpr std::string_view prefix = "whsec_";
  if (!secret.starts_with(prefix))
    throw Error("the webhook secret must look like whsec_<base64> (Standard Webhooks)", ExitCode::config);
  std::string key;
  try {
    key = crypto::base64_decode(secret.substr(prefix.size()));
  } catch (const Error &) {
    throw Error("the webhook secret is not whsec_ followed by base64", ExitCode::config);
  }
  if (key.size() < 16) throw Error("the webhook secret is too short (at least 16 bytes after base64 decoding)", ExitCode::config);
  return key;
}

std::string webhook_signature(std::string_view key, std::string_view id, int64_t timestamp, std::string_view body) {
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  return "v1," + crypto::base64_encode(crypto::hmac_sha256(key, content));
}

std::string webhook_message_id(std::string_view url, std::string_view body) {
  std::string content(url);
  content += '\n';
  content += body;
  return "msg_" + crypto::hex_encode(crypto::sha256(content)).substr(0, 32);
}

WebhookSender::WebhookSender(std::string url, std::string key, const net::HttpClient &http)
    : m_url(std::move(url)), m_key(std::move(key)), m_http(http) {}

std::string WebhookSender::deliver(const std::string &body) {
  const std::string id = webhook_message_id(m_url, body);
  const int64_t ts = static_cast<int64_t>(std::time(nullptr));
  net::Request req;
  req.method = "POST";
  req.url = m_url;
  req.headers = {"Content-Type: application/json", "webhook-id: " + id, "webhook-timestamp: " + std::to_string(ts),
                 "webhook-signature: " + webhook_signature(m_key, id, ts, body)};
  req.body = body;
  req.should_retry = [](int status, std::string_view) { return status == 408 || status == 429 || status >= 500; };
  net::Outcome o = m_http.send(req);
  throw_unless_answered(o, "webhook");
  if (o.response.status >= 200 && o.response.status < 300) return "";
  return "HTTP " + std::to_string(o.response.status) + " " + utf8_prefix(o.response.body, 300);
}

} // namespace webox::exporting
