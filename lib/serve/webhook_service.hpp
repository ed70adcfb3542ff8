// What `webox serve` answers, apart from HTTP itself (lib/serve/httpd.*):
//   GET  /healthz                         200 "ok"
//   GET  /metrics                         Prometheus text
//   GET  /webhooks/<path>?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C
//                                         200 C when T matches, else 403
//   POST /webhooks/<path>                 signature (401), JSON (400), stored
//                                         (200, duplicate 200), queue full 503
// Anything else 404. Every refusal is counted and nothing refused is stored.
// Thread-safe: the HTTP threads call handle() at the same time.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/serve/metrics.hpp"
#include "lib/serve/queue_store.hpp"

namespace webox::serve {

// One platform's route, its secrets resolved (environment or key store).
struct ServedRoute {
  std::string platform;           // the plugin id
  std::string path;               // /webhooks/<path>
  std::string secret;             // HMAC key
  std::string verify_token;
  std::string signature_header;
  std::string delivery_id_header; // "" = none
};

struct HttpRequestView {
  std::string_view method, path, body;
  std::function<std::optional<std::string>(const char *name)> header, param;
};

struct HttpReply {
  int status = 500;
  std::string content_type = "text/plain";
  std::string body;
  int retry_after_s = 0;
};

class WebhookService {
public:
  WebhookService(std::vector<ServedRoute> routes, DeliveryQueue &queue, Metrics &metrics,
                 std::function<void()> on_stored = {});
  HttpReply handle(const HttpRequestView &req);
  // Counted refusals of the HTTP layer itself (413, a truncated body).
  void refused_by_server(int status);
  // The /metrics text (reads the queue).
  std::string metrics_text();

private:
  const ServedRoute *route_for(std::string_view path) const;
  HttpReply verify(const ServedRoute &route, const HttpRequestView &req);
  HttpReply deliver(const ServedRoute &route, const HttpRequestView &req);

  std::vector<ServedRoute> m_routes;
  DeliveryQueue &m_queue;
  std::mutex m_queue_mutex; // one store connection for the HTTP threads
  Metrics &m_metrics;
  std::function<void()> m_on_stored;
};

} // namespace webox::serve
