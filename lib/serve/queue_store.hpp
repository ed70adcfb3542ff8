// The persistent, bounded queue of webhook deliveries (migration 15). The
// only store-facing file of lib/serve: every statement is portable SQL
// (the PostgreSQL backend runs them too) and wrapped by store::guarded.
//
// A delivery is added in ONE write transaction (duplicate? full? insert), so
// the HTTP side answers 200 only for a body that is committed; a worker
// takes one with ONE statement (UPDATE ... WHERE id = (oldest claimable) AND
// state = 'pending' RETURNING ...), so two workers never take the same.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace webox::store {
class Db;
}

namespace webox::serve {

struct Delivery {
  int64_t id = 0;
  std::string platform;
  std::string body;
  int attempts = 0; // including this one
  std::string received_at;
};

enum class Enqueued { accepted, duplicate, full };

struct QueueCounts {
  int64_t pending = 0; // waiting, retries included
  int64_t working = 0;
  int64_t failed = 0;  // parked
  std::string oldest_pending; // received_at of the oldest waiting one, "" when none
};

class DeliveryQueue {
public:
  // `max_pending`: deliveries waiting or being worked on beyond which add()
  // answers `full` (the HTTP side then says 503 with Retry-After).
  DeliveryQueue(store::Db &db, int64_t max_pending);

  // `delivery_id`: the platform's id of the delivery, "" when it sends none.
  // Same body (SHA-256) or same id for the platform = duplicate, stored once.
  Enqueued add(const std::string &platform, std::string_view body, const std::string &delivery_id, const std::string &now);
  // The oldest pending delivery whose retry time has come, now `working`.
  std::optional<Delivery> claim(const std::string &now);
  // Processed: its body is dropped (the hash keeps answering duplicates).
  void done(int64_t id, const std::string &now);
  // Failed once: back to pending after `retry_at`, or parked as `failed`
  // once it has had `max_attempts`. Returns true when parked.
  bool fail(int64_t id, int attempts, int max_attempts, const std::string &error, const std::string &retry_at,
            const std::string &now);
  // Back to pending without spending an attempt (a stop interrupted it).
  void release(int64_t id);
  // Deliveries a killed process left `working` go back to pending. Call
  // only while holding the serve lock (no other worker on this store).
  int64_t recover();
  QueueCounts counts();

private:
  store::Db &m_db;
  int64_t m_max_pending;
};

} // namespace webox::serve
