#include "lib/serve/webhook_service.hpp"

#include <cctype>

#include <spdlog/spdlog.h>

#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/serve/signature.hpp"
#include "lib/store/db.hpp"

namespace webox::serve {
namespace {

HttpReply serve_text(int status, std::string body, int retry_after_s = 0) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  r.retry_after_s = retry_after_s;
  return r;
}

// The challenge goes back as the body: only what Meta sends (digits, in
// practice), bounded, so the route cannot be used to reflect markup.
bool serve_plain_challenge(const std::string &c) {
  if (c.empty() || c.size() > 256) return false;
  for (unsigned char ch : c)
    if (!std::isalnum(ch) && ch != '-' && ch != '_' && ch != '.') return false;
  return true;
}

} // namespace

WebhookService::WebhookService(std::vector<ServedRoute> routes, DeliveryQueue &queue, Metrics &metrics,
                               std::function<void()> on_stored)
    : m_routes(std::move(routes)), m_queue(queue), m_metrics(metrics), m_on_stored(std::move(on_stored)) {}

const ServedRoute *WebhookService::route_for(std::string_view path) const {
  constexpr std::string_view kPrefix = "/webhooks/";
  if (!path.starts_with(kPrefix)) return nullptr;
  std::string_view segment = path.substr(kPrefix.size());
  if (!segment.empty() && segment.back() == '/') segment.remove_suffix(1);
  for (const auto &r : m_routes)
    if (r.path == segment) return &r;
  return nullptr;
}

HttpReply WebhookService::handle(const HttpRequestView &req) {
  if (req.path == "/healthz") return serve_text(200, "ok\n");
  if (req.path == "/metrics" && req.method == "GET") {
    HttpReply r = serve_text(200, metrics_text());
    r.content_type = "text/plain; version=0.0.4";
    return r;
  }
  const ServedRoute *route = route_for(req.path);
  if (!route) {
    if (req.path.starts_with("/webhooks/")) m_metrics.refuse(Refusal::unknown_platform);
    return serve_text(404, "not found\n");
  }
  if (req.method == "GET") return verify(*route, req);
  return deliver(*route, req);
}

HttpReply WebhookService::verify(const ServedRoute &route, const HttpRequestView &req) {
  const std::string mode = req.param("hub.mode").value_or("");
  const std::string token = req.param("hub.verify_token").value_or("");
  const std::string challenge = req.param("hub.challenge").value_or("");
  if (mode != "subscribe" || !same_secret(route.verify_token, token)) {
    m_metrics.refuse(Refusal::verify);
    spdlog::warn("serve: {}: verification refused (wrong or missing hub.verify_token)", route.platform);
    return serve_text(403, "verify token mismatch\n");
  }
  if (!serve_plain_challenge(challenge)) {
    m_metrics.refuse(Refusal::verify);
    return serve_text(400, "hub.challenge missing or not plain\n");
  }
  m_metrics.verified.fetch_add(1);
  spdlog::info("serve: {}: verification answered", route.platform);
  return serve_text(200, challenge);
}

HttpReply WebhookService::deliver(const ServedRoute &route, const HttpRequestView &req) {
  m_metrics.received.fetch_add(1, std::memory_order_relaxed);
  const std::string signature = req.header(route.signature_header.c_str()).value_or("");
  switch (check_hub_signature(route.secret, signature, req.body)) {
  case Signature::valid: break;
  case Signature::missing:
    m_metrics.refuse(Refusal::signature);
    spdlog::debug("serve: {}: refused a delivery without {}", route.platform, route.signature_header);
    return serve_text(401, "missing signature\n");
  case Signature::malformed:
  case Signature::mismatch:
    m_metrics.refuse(Refusal::signature);
    spdlog::debug("serve: {}: refused a delivery with a wrong signature", route.platform);
    return serve_text(401, "bad signature\n");
  }
  // Signed, so the sender has the secret; still, what we store must parse
  // within the limits the worker will apply.
  const nlohmann::json doc = parse_json_or_discarded(req.body);
  if (doc.is_discarded() || !doc.is_object()) {
    m_metrics.refuse(Refusal::json);
    return serve_text(400, "body is not a JSON object\n");
  }
  const std::string delivery_id =
      route.delivery_id_header.empty() ? std::string() : req.header(route.delivery_id_header.c_str()).value_or("").substr(0, 200);
  Enqueued outcome;
  try {
    std::lock_guard lock(m_queue_mutex);
    outcome = m_queue.add(route.platform, req.body, delivery_id, store::now_iso8601());
  } catch (const Error &e) {
    // Busy beyond the timeout or a disk error: the platform retries later.
    m_metrics.refuse(Refusal::store);
    spdlog::error("serve: {}: could not store a delivery: {}", route.platform, e.what());
    return serve_text(503, "cannot store the delivery now\n", 5);
  }
  switch (outcome) {
  case Enqueued::accepted:
    m_metrics.accepted.fetch_add(1, std::memory_order_relaxed);
    if (m_on_stored) m_on_stored();
    return serve_text(200, "stored\n");
  case Enqueued::duplicate: m_metrics.duplicate.fetch_add(1, std::memory_order_relaxed); return serve_text(200, "duplicate\n");
  case Enqueued::full: break;
  }
  m_metrics.refuse(Refusal::queue_full);
  return serve_text(503, "queue full\n", 30);
}

void WebhookService::refused_by_server(int status) {
  if (status == 413) m_metrics.refuse(Refusal::size);
  else if (status == 400) m_metrics.refuse(Refusal::truncated);
}

std::string WebhookService::metrics_text() {
  QueueCounts counts;
  {
    std::lock_guard lock(m_queue_mutex);
    counts = m_queue.counts();
  }
  const double lag = counts.oldest_pending.empty() ? 0.0 : seconds_between(counts.oldest_pending, store::now_iso8601());
  return render_metrics(m_metrics, counts, lag);
}

} // namespace webox::serve
