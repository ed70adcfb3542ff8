// Signed webhook deliveries, the Standard Webhooks way.
//
// Wire: POST URL with the batch as a JSON body and
//   webhook-id: msg_<32 hex>           same on every retry of a delivery
//   webhook-timestamp: <Unix seconds>
//   webhook-signature: v1,<base64(HMAC-SHA256(key, id "." timestamp "." body))>
// where key is the base64-decoded part of the `whsec_...` secret
// (WEBOX_WEBHOOK_SECRET, or `webox keys set WEBOX_WEBHOOK_SECRET`).
// Receivers verify the signature, reject timestamps more than 5 minutes
// away from their clock, and dedupe on webhook-id.
//
// Body: {"type": "leads.exported", "data": [lead, ...]}, each lead a flat
// object of the exported fields. The id is derived from the URL and the
// body, so a rerun that sends the same leads (after a failed export) reuses
// the id and the receiver drops the duplicate.
//
// Retries: 408, 429 and 5xx, and network failures, with exponential backoff
// (lib/net/retry) and the same webhook-id; other 4xx are the receiver's
// verdict on the batch and are not retried; 401/403 mean the secret is
// wrong (exit 4).
//
// Source: github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/net/http_client.hpp"

namespace webox::exporting {

// The HMAC key inside "whsec_<base64>"; throws Error (exit 4) otherwise.
std::string webhook_key(std::string_view secret);

// "v1,<base64 signature>" for (id, timestamp, body).
std::string webhook_signature(std::string_view key, std::string_view id, int64_t timestamp, std::string_view body);

// "msg_" + 32 hex digits of SHA-256(url "\n" body).
std::string webhook_message_id(std::string_view url, std::string_view body);

class WebhookSender {
public:
  WebhookSender(std::string url, std::string key, const net::HttpClient &http);

  // Delivers one batch. Returns the receiver's refusal ("HTTP 400 ...") or
  // an empty string on 2xx; throws for 401/403 (4) and for failures that
  // outlived the retries (75).
  std::string deliver(const std::string &body);

private:
  std::string m_url, m_key;
  const net::HttpClient &m_http;
};

} // namespace webox::exporting
