#include "lib/serve/serve.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/leads/collect/collect.hpp"
#include "lib/leads/leads_store.hpp"
#include "lib/plugin/host_api.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/serve/httpd.hpp"
#include "lib/serve/queue_store.hpp"
#include "lib/store/db.hpp"
#include "lib/core/paths.hpp"

namespace webox::serve {
namespace {

using nlohmann::json;

// One `webox serve` per store: the flock is released when the process ends,
// however it ends.
class ServeLock {
public:
  explicit ServeLock(const store::Location &database) {
    // A server store: one serve per host (the lock is a local file).
    const std::string path = database.is_server() ? (paths::state_dir() / "webox-pg-serve.lock").string()
                                                  : database.value + "-serve.lock";
    if (database.is_server()) paths::ensure_private_dir(paths::state_dir());
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (m_fd < 0) throw Error("serve: cannot open " + path);
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(m_fd);
      throw Error("serve: another `webox serve` uses this store (" + database.shown() + ")", ExitCode::temporary);
    }
  }
  ~ServeLock() { ::close(m_fd); }
  ServeLock(const ServeLock &) = delete;
  ServeLock &operator=(const ServeLock &) = delete;

private:
  int m_fd = -1;
};

// ISO-8601 UTC with milliseconds, `ms` from now (the store's format).
std::string serve_iso_after(int64_t ms) {
  using namespace std::chrono;
  const auto at = system_clock::now() + milliseconds(ms);
  const auto since = duration_cast<milliseconds>(at.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(since / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(since % 1000));
  return buf;
}

// Wakes the worker when a delivery is stored, rather than polling fast.
struct WorkerBell {
  std::mutex mutex;
  std::condition_variable cv;
  bool rung = false;
  void ring() {
    {
      std::lock_guard lock(mutex);
      rung = true;
    }
    cv.notify_one();
  }
  void wait(std::chrono::milliseconds at_most) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, at_most, [this] { return rung; });
    rung = false;
  }
};

class DeliveryWorker {
public:
  DeliveryWorker(const ServeRun &run, DeliveryQueue &queue, leads::LeadsStore &store, Metrics &metrics)
      : m_run(run), m_queue(queue), m_store(store), m_metrics(metrics) {}

  // Takes deliveries until the stop is asked and the queue is empty, or the
  // drain deadline passes.
  void loop(WorkerBell &bell, const std::atomic<int64_t> &drain_until) {
    for (;;) {
      const int64_t deadline = drain_until.load();
      if (deadline && cancel::monotonic_ms() > deadline) return;
      std::optional<Delivery> d;
      try {
        d = m_queue.claim(store::now_iso8601());
      } catch (const Error &e) {
        spdlog::warn("serve: cannot take a delivery: {}", e.what());
      }
      if (!d) {
        if (deadline) return;
        bell.wait(std::chrono::milliseconds(200));
        continue;
      }
      process(*d);
    }
  }

private:
  plugin::Provider &provider(const std::string &platform) {
    auto it = m_providers.find(platform);
    if (it == m_providers.end())
      it = m_providers.emplace(platform, std::make_unique<plugin::Provider>(m_run.bind(platform))).first;
    return *it->second;
  }

  void apply(const Delivery &d) {
    if (m_run.keep_fresh) m_run.keep_fresh(d.platform);
    json request = {{"delivery", parse_json_or_discarded(d.body)}};
    const leads::PlatformSettings settings = leads::load_platform_settings(m_run.config_file, d.platform);
    request["options"] = settings;
    if (d.platform == "instagram") {
      const std::string base = leads::instagram_base_override(settings);
      if (!base.empty()) request["base_url"] = base;
    }
    leads::EventSink sink(m_store, 0, d.platform);
    json result = provider(d.platform).webhook(request, [&](const json &event) { return sink.on_event(event); });
    sink.finish();
    spdlog::debug("serve: delivery {} ({}): {}", d.id, d.platform, result.dump());
  }

  void process(const Delivery &d) {
    try {
      apply(d);
      m_queue.done(d.id, store::now_iso8601());
      m_metrics.processed.fetch_add(1);
      return;
    } catch (const std::exception &e) {
      failed(d, e.what());
    }
  }

  void failed(const Delivery &d, const std::string &why) {
    try {
      if (cancel::requested()) {
        // The stop interrupted it (a plugin call sees the cancel flag): not its fault.
        m_queue.release(d.id);
        return;
      }
      const int64_t backoff_ms = int64_t{1000} << std::min(d.attempts, 10);
      if (m_queue.fail(d.id, d.attempts, m_run.settings.max_attempts, why, serve_iso_after(backoff_ms), store::now_iso8601())) {
        m_metrics.failed.fetch_add(1);
        spdlog::error("serve: delivery {} ({}) failed {} times, parked as failed: {}", d.id, d.platform, d.attempts, why);
      } else {
        m_metrics.retried.fetch_add(1);
        spdlog::warn("serve: delivery {} ({}) failed (attempt {} of {}), retried in {} s: {}", d.id, d.platform, d.attempts,
                     m_run.settings.max_attempts, backoff_ms / 1000, why);
      }
    } catch (const std::exception &e) {
      spdlog::error("serve: delivery {}: cannot record its failure: {}", d.id, e.what());
    }
  }

  const ServeRun &m_run;
  DeliveryQueue &m_queue;
  leads::LeadsStore &m_store;
  Metrics &m_metrics;
  std::map<std::string, std::unique_ptr<plugin::Provider>> m_providers;
};

} // namespace

std::vector<ServedRoute> resolve_routes(plugin::Registry &registry) {
  std::vector<ServedRoute> routes;
  std::string missing;
  for (const auto &m : registry.manifests()) {
    if (!(m.capabilities & WEBOX_CAP_WEBHOOKS) || m.webhooks.path.empty()) continue;
    auto secret = plugin::lookup_secret(m.webhooks.secret, m.id, m.primary_secret());
    auto token = plugin::lookup_secret(m.webhooks.verify_token, m.id, m.primary_secret());
    if (!secret || secret->empty() || !token || token->empty()) {
      std::string names;
      if (!secret || secret->empty()) names = m.webhooks.secret;
      if (!token || token->empty()) names += (names.empty() ? "" : " and ") + m.webhooks.verify_token;
      spdlog::warn("serve: /webhooks/{} is not served: set {} (environment or `webox keys set NAME`)", m.webhooks.path, names);
      missing += (missing.empty() ? "" : "; ") + names;
      continue;
    }
    routes.push_back({m.id, m.webhooks.path, *secret, *token, m.webhooks.signature_header, m.webhooks.delivery_id_header});
  }
  if (routes.empty())
    throw Error("serve: no webhook route can be served" + (missing.empty() ? std::string(" (no plugin declares webhooks)") : ": set " + missing),
                ExitCode::config);
  return routes;
}

ServeSummary run_serve(const ServeRun &run) {
  ServeLock lock(run.store);
  std::unique_ptr<store::Db> http_store = store::open(run.store), worker_store = store::open(run.store);
  store::Db &http_db = *http_store, &worker_db = *worker_store;
  DeliveryQueue http_queue(http_db, run.settings.max_pending), worker_queue(worker_db, run.settings.max_pending);
  ServeSummary summary;
  summary.recovered = worker_queue.recover();
  if (summary.recovered) spdlog::info("serve: {} deliveries a stopped serve was processing are taken again", summary.recovered);

  Metrics metrics;
  WorkerBell bell;
  WebhookService service(run.routes, http_queue, metrics, [&bell] { bell.ring(); });
  const ListenAddress address = parse_listen(run.settings.listen, "--listen");
  Httpd httpd({address.host, address.port, static_cast<size_t>(run.settings.max_body_bytes), run.settings.threads}, service);
  if (run.on_listening) run.on_listening(address.host + ":" + std::to_string(httpd.port()));

  leads::LeadsStore store(worker_db, run.leads);
  DeliveryWorker worker(run, worker_queue, store, metrics);
  std::atomic<int64_t> drain_until{0};
  std::thread thread([&] { worker.loop(bell, drain_until); });

  while (!cancel::requested()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  spdlog::info("serve: stopping: no new deliveries, draining the queue for at most {} ms", run.settings.drain_ms);
  httpd.stop();
  drain_until.store(cancel::monotonic_ms() + std::max<int64_t>(run.settings.drain_ms, 1));
  bell.ring();
  thread.join();

  summary.accepted = metrics.accepted.load();
  summary.processed = metrics.processed.load();
  summary.failed = metrics.failed.load();
  const QueueCounts left = worker_queue.counts();
  summary.left = left.pending + left.working;
  return summary;
}

} // namespace webox::serve
