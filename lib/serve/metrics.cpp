#include "lib/serve/metrics.hpp"

#include <cstdio>
#include <ctime>

namespace webox::serve {
namespace {

void serve_metric(std::string &out, const char *name, const char *type, const char *help, double value,
                  const char *labels = nullptr) {
  char line[512];
  if (help) {
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    out += line;
  }
  std::snprintf(line, sizeof line, "%s%s%s%s %.17g\n", name, labels ? "{" : "", labels ? labels : "", labels ? "}" : "",
                value);
  out += line;
}

// Milliseconds since the epoch of "2026-11-23T10:44:03.123Z"; -1 when unreadable.
int64_t serve_iso_ms(const std::string &iso) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &ms) < 6)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

} // namespace

const char *refusal_name(Refusal r) {
  switch (r) {
  case Refusal::signature: return "signature";
  case Refusal::json: return "json";
  case Refusal::size: return "size";
  case Refusal::verify: return "verify";
  case Refusal::truncated: return "truncated";
  case Refusal::unknown_platform: return "unknown_platform";
  case Refusal::queue_full: return "queue_full";
  case Refusal::store: return "store";
  case Refusal::count_: break;
  }
  return "other";
}

double seconds_between(const std::string &earlier, const std::string &later) {
  const int64_t a = serve_iso_ms(earlier), b = serve_iso_ms(later);
  return a < 0 || b < 0 || b < a ? 0.0 : static_cast<double>(b - a) / 1000.0;
}

std::string render_metrics(const Metrics &m, const QueueCounts &queue, double lag_seconds) {
  std::string out;
  serve_metric(out, "webox_serve_deliveries_received_total", "counter", "Webhook POSTs received", static_cast<double>(m.received.load()));
  serve_metric(out, "webox_serve_deliveries_accepted_total", "counter", "Deliveries stored and acknowledged",
               static_cast<double>(m.accepted.load()));
  serve_metric(out, "webox_serve_deliveries_duplicate_total", "counter", "Deliveries already stored (acknowledged, stored once)",
               static_cast<double>(m.duplicate.load()));
  for (int i = 0; i < static_cast<int>(Refusal::count_); ++i) {
    char labels[64];
    std::snprintf(labels, sizeof labels, "reason=\"%s\"", refusal_name(static_cast<Refusal>(i)));
    serve_metric(out, "webox_serve_deliveries_rejected_total", "counter", i == 0 ? "Requests refused, by reason" : nullptr,
                 static_cast<double>(m.refused[i].load()), labels);
  }
  serve_metric(out, "webox_serve_verifications_total", "counter", "Verification handshakes answered", static_cast<double>(m.verified.load()));
  serve_metric(out, "webox_serve_queue_depth", "gauge", "Deliveries waiting or being processed",
               static_cast<double>(queue.pending + queue.working));
  serve_metric(out, "webox_serve_queue_failed", "gauge", "Deliveries parked as failed (in the store)", static_cast<double>(queue.failed));
  serve_metric(out, "webox_serve_processing_lag_seconds", "gauge", "Age of the oldest delivery waiting", lag_seconds);
  serve_metric(out, "webox_serve_processed_total", "counter", "Deliveries processed", static_cast<double>(m.processed.load()));
  serve_metric(out, "webox_serve_retries_total", "counter", "Processing attempts that failed and will be retried",
               static_cast<double>(m.retried.load()));
  serve_metric(out, "webox_serve_failed_total", "counter", "Deliveries parked as failed after their attempts",
               static_cast<double>(m.failed.load()));
  return out;
}

} // namespace webox::serve
