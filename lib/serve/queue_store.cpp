#include "lib/serve/queue_store.hpp"

#include "lib/store/db.hpp"

#include "lib/core/crypto.hpp"

namespace webox::serve {

DeliveryQueue::DeliveryQueue(store::Db &db, int64_t max_pending) : m_db(db), m_max_pending(max_pending) {}

Enqueued DeliveryQueue::add(const std::string &platform, std::string_view body, const std::string &delivery_id,
                            const std::string &now) {
  const std::string hash = crypto::hex_encode(crypto::sha256(body));
  return store::guarded(m_db, [&] {
    store::WriteTransaction tx(m_db);
    store::Statement seen(m_db, "SELECT 1 FROM webhook_deliveries WHERE platform = ? AND (body_sha256 = ? OR delivery_id = ?) LIMIT 1");
    seen.bind(1, platform);
    seen.bind(2, hash);
    if (delivery_id.empty()) seen.bind(3);
    else seen.bind(3, delivery_id);
    if (seen.executeStep()) return Enqueued::duplicate;
    store::Statement depth(m_db, "SELECT count(*) FROM webhook_deliveries WHERE state IN ('pending', 'working')");
    depth.executeStep();
    if (depth.getColumn(0).getInt64() >= m_max_pending) return Enqueued::full;
    store::Statement insert(m_db,
                             "INSERT INTO webhook_deliveries(platform, body, body_sha256, delivery_id, received_at, state) "
                             "VALUES(?, ?, ?, ?, ?, 'pending') ON CONFLICT DO NOTHING");
    insert.bind(1, platform);
    insert.bind(2, body.data(), static_cast<int>(body.size()));
    insert.bind(3, hash);
    if (delivery_id.empty()) insert.bind(4);
    else insert.bind(4, delivery_id);
    insert.bind(5, now);
    const bool stored = insert.exec() == 1;
    tx.commit();
    return stored ? Enqueued::accepted : Enqueued::duplicate;
  });
}

std::optional<Delivery> DeliveryQueue::claim(const std::string &now) {
  return store::guarded(m_db, [&]() -> std::optional<Delivery> {
    store::Statement q(m_db,
                        "UPDATE webhook_deliveries SET state = 'working', attempts = attempts + 1, claimed_at = ? "
                        "WHERE id = (SELECT id FROM webhook_deliveries WHERE state = 'pending' "
                        "AND (not_before IS NULL OR not_before <= ?) ORDER BY id LIMIT 1) AND state = 'pending' "
                        "RETURNING id, platform, body, attempts, received_at");
    q.bind(1, now);
    q.bind(2, now);
    if (!q.executeStep()) return std::nullopt;
    Delivery d;
    d.id = q.getColumn(0).getInt64();
    d.platform = q.getColumn(1).getString();
    const store::Column body = q.getColumn(2);
    d.body.assign(static_cast<const char *>(body.getBlob()), static_cast<size_t>(body.getBytes()));
    d.attempts = q.getColumn(3).getInt();
    d.received_at = q.getColumn(4).getString();
    while (q.executeStep()) {
    }
    return d;
  });
}

void DeliveryQueue::done(int64_t id, const std::string &now) {
  store::guarded(m_db, [&] {
    store::Statement q(m_db, "UPDATE webhook_deliveries SET state = 'done', body = ?, finished_at = ?, last_error = NULL WHERE id = ?");
    q.bind(1, "", 0);
    q.bind(2, now);
    q.bind(3, id);
    q.exec();
  });
}

bool DeliveryQueue::fail(int64_t id, int attempts, int max_attempts, const std::string &error, const std::string &retry_at,
                         const std::string &now) {
  const bool park = attempts >= max_attempts;
  store::guarded(m_db, [&] {
    store::Statement q(m_db, "UPDATE webhook_deliveries SET state = ?, last_error = ?, not_before = ?, finished_at = ? WHERE id = ?");
    q.bind(1, park ? "failed" : "pending");
    q.bind(2, error.substr(0, 1000));
    q.bind(3, retry_at);
    if (park) q.bind(4, now);
    else q.bind(4);
    q.bind(5, id);
    q.exec();
  });
  return park;
}

void DeliveryQueue::release(int64_t id) {
  store::guarded(m_db, [&] {
    store::Statement q(m_db, "UPDATE webhook_deliveries SET state = 'pending', attempts = attempts - 1 WHERE id = ? AND state = 'working'");
    q.bind(1, id);
    q.exec();
  });
}

int64_t DeliveryQueue::recover() {
  return store::guarded(m_db, [&] {
    store::Statement q(m_db, "UPDATE webhook_deliveries SET state = 'pending' WHERE state = 'working'");
    return static_cast<int64_t>(q.exec());
  });
}

QueueCounts DeliveryQueue::counts() {
  return store::guarded(m_db, [&] {
    QueueCounts c;
    store::Statement q(m_db, "SELECT state, count(*), min(received_at) FROM webhook_deliveries "
                                    "WHERE state IN ('pending', 'working', 'failed') GROUP BY state");
    while (q.executeStep()) {
      const std::string state = q.getColumn(0).getString();
      const int64_t n = q.getColumn(1).getInt64();
      if (state == "pending") {
        c.pending = n;
        c.oldest_pending = q.getColumn(2).getString();
      } else if (state == "working") {
        c.working = n;
      } else {
        c.failed = n;
      }
    }
    return c;
  });
}

} // namespace webox::serve
