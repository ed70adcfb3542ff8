// What /metrics shows (Prometheus text format 0.0.4): counters since start,
// the queue read from the store at scrape time.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "lib/serve/queue_store.hpp"

namespace webox::serve {

enum class Refusal { signature, json, size, verify, truncated, unknown_platform, queue_full, store, count_ };

const char *refusal_name(Refusal r);

struct Metrics {
  std::atomic<int64_t> received{0};  // POSTs to a webhook route
  std::atomic<int64_t> accepted{0};  // stored, 200
  std::atomic<int64_t> duplicate{0}; // already stored, 200
  std::atomic<int64_t> refused[static_cast<int>(Refusal::count_)]{};
  std::atomic<int64_t> processed{0};
  std::atomic<int64_t> retried{0};
  std::atomic<int64_t> failed{0};    // parked
  std::atomic<int64_t> verified{0};  // GET handshakes answered

  void refuse(Refusal r) { refused[static_cast<int>(r)].fetch_add(1, std::memory_order_relaxed); }
  int64_t refused_count(Refusal r) const { return refused[static_cast<int>(r)].load(); }
};

// `lag_seconds`: age of the oldest delivery waiting (0 when none).
std::string render_metrics(const Metrics &m, const QueueCounts &queue, double lag_seconds);

// Seconds between two ISO-8601 UTC times of store::now_iso8601 (0 when either is unreadable).
double seconds_between(const std::string &earlier, const std::string &later);

} // namespace webox::serve
