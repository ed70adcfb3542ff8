#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lib/core/crypto.hpp"
#include "lib/serve/metrics.hpp"
#include "lib/serve/queue_store.hpp"
#include "lib/serve/signature.hpp"
#include "lib/serve/webhook_service.hpp"
#include "lib/store/db.hpp"
#include "tests/unit/temp_dir.hpp"

using webox::serve::DeliveryQueue;
using webox::serve::Enqueued;
using webox::serve::Signature;

TEST_CASE("serve: X-Hub-Signature-256 is checked over the raw body", "[serve]") {
  // The vector of social-apis.md §1.8, computed with another HMAC.
  const std::string body = R"({"object":"instagram","entry":[]})";
  const std::string good = "sha256=4c166c139fb15bf4adbda063a21a4c7d870270ce3473257f03812313995045bd";
  CHECK(webox::serve::check_hub_signature("test_app_secret", good, body) == Signature::valid);
  std::string upper = good;
  for (size_t i = 7; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  CHECK(webox::serve::check_hub_signature("test_app_secret", upper, body) == Signature::valid);
  CHECK(webox::serve::check_hub_signature("other", good, body) == Signature::mismatch);
  CHECK(webox::serve::check_hub_signature("test_app_secret", good, body + " ") == Signature::mismatch);
  CHECK(webox::serve::check_hub_signature("test_app_secret", "", body) == Signature::missing);
  CHECK(webox::serve::check_hub_signature("test_app_secret", "sha1=abc", body) == Signature::malformed);
  CHECK(webox::serve::check_hub_signature("test_app_secret", good.substr(0, 70), body) == Signature::malformed);
  CHECK(webox::serve::check_hub_signature("test_app_secret", "sha256=" + std::string(64, 'g'), body) == Signature::malformed);
}

TEST_CASE("serve: verify tokens compare whole, and an unset one matches nothing", "[serve]") {
  CHECK(webox::serve::same_secret("token-1", "token-1"));
  CHECK_FALSE(webox::serve::same_secret("token-1", "token-2"));
  CHECK_FALSE(webox::serve::same_secret("token-1", "token-"));
  CHECK_FALSE(webox::serve::same_secret("token-1", "token-12"));
  CHECK_FALSE(webox::serve::same_secret("", ""));
}

TEST_CASE("serve: the queue stores a delivery once, is bounded, and hands each out once", "[serve]") {
  TempDir tmp;
  const auto file = tmp.path / "webox.db";
  webox::store::Db a(file), b(file);
  DeliveryQueue qa(a, 3), qb(b, 3);
  const std::string now = webox::store::now_iso8601();
  CHECK(qa.add("instagram", R"({"n":1})", "", now) == Enqueued::accepted);
  CHECK(qb.add("instagram", R"({"n":1})", "", now) == Enqueued::duplicate);
  CHECK(qa.add("instagram", R"({"n":2})", "id-2", now) == Enqueued::accepted);
  CHECK(qa.add("instagram", R"({"n":2, "again":true})", "id-2", now) == Enqueued::duplicate); // same delivery id
  CHECK(qa.add("x", R"({"n":1})", "", now) == Enqueued::accepted);                           // another platform
  CHECK(qa.add("instagram", R"({"n":3})", "", now) == Enqueued::full);
  CHECK(qa.counts().pending == 3);

  // Two connections claiming at once never get the same delivery.
  std::vector<int64_t> got_a, got_b;
  std::thread ta([&] {
    while (auto d = qa.claim(webox::store::now_iso8601())) got_a.push_back(d->id);
  });
  std::thread tb([&] {
    while (auto d = qb.claim(webox::store::now_iso8601())) got_b.push_back(d->id);
  });
  ta.join();
  tb.join();
  std::set<int64_t> all(got_a.begin(), got_a.end());
  all.insert(got_b.begin(), got_b.end());
  CHECK(all.size() == 3);
  CHECK(got_a.size() + got_b.size() == 3);
  CHECK(qa.counts().working == 3);

  // A killed worker's deliveries come back; done ones keep answering duplicates.
  CHECK(qa.recover() == 3);
  auto d = qa.claim(webox::store::now_iso8601());
  REQUIRE(d);
  CHECK(d->body == R"({"n":1})");
  CHECK(d->attempts == 2); // the interrupted take counts: a delivery that kills serve each time ends parked
  qa.done(d->id, webox::store::now_iso8601());
  CHECK(qa.add("instagram", R"({"n":1})", "", now) == Enqueued::duplicate);
  CHECK(qa.add("instagram", R"({"n":4})", "", now) == Enqueued::accepted); // room again
}

TEST_CASE("serve: a failed delivery waits for its retry time, then is parked", "[serve]") {
  TempDir tmp;
  webox::store::Db db(tmp.path / "webox.db");
  DeliveryQueue q(db, 10);
  q.add("instagram", "{}", "", webox::store::now_iso8601());
  auto d = q.claim(webox::store::now_iso8601());
  REQUIRE(d);
  CHECK_FALSE(q.fail(d->id, d->attempts, 2, "boom", "2999-01-01T00:00:00.000Z", webox::store::now_iso8601()));
  CHECK_FALSE(q.claim(webox::store::now_iso8601())); // not before its time
  CHECK(q.counts().pending == 1);
  d = q.claim("2999-01-01T00:00:00.001Z");
  REQUIRE(d);
  CHECK(d->attempts == 2);
  CHECK(q.fail(d->id, d->attempts, 2, "boom", "", webox::store::now_iso8601()));
  CHECK(q.counts().failed == 1);
  CHECK_FALSE(q.claim("2999-12-31T00:00:00.000Z"));
}

TEST_CASE("serve: /metrics is Prometheus text with every refusal reason", "[serve]") {
  webox::serve::Metrics m;
  m.refuse(webox::serve::Refusal::signature);
  m.accepted = 2;
  webox::serve::QueueCounts q;
  q.pending = 4;
  const std::string text = webox::serve::render_metrics(m, q, 1.5);
  CHECK(text.find("webox_serve_deliveries_rejected_total{reason=\"signature\"} 1\n") != std::string::npos);
  CHECK(text.find("webox_serve_deliveries_rejected_total{reason=\"size\"} 0\n") != std::string::npos);
  CHECK(text.find("webox_serve_deliveries_accepted_total 2\n") != std::string::npos);
  CHECK(text.find("webox_serve_queue_depth 4\n") != std::string::npos);
  CHECK(text.find("webox_serve_processing_lag_seconds 1.5\n") != std::string::npos);
  CHECK(webox::serve::seconds_between("2026-11-23T10:44:03.123Z", "2026-11-23T10:44:05.623Z") == Approx(2.5));
}
