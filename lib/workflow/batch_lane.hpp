// The batch lane of a workflow run (`workflow run --batch`): the model calls
// of each round of the DAG — the tasks queued between two waits of the
// scheduler, foreach items and compare fan-outs included — go to their
// provider's batch service instead of the worker pool, one batch per
// provider and model (split at the provider's limits), and come back as
// ordinary task results: the scheduler records, caches and assembles them
// as it does the pool's.
//
// A call goes to a batch when it is a model call without tools whose first
// model's plugin has WEBOX_CAP_BATCH (its fallbacks are not tried); the
// calls of a provider without a batch service run as usual, said once on
// stderr. Before submitting, a round's requests are matched, by the hash of
// the request (the step cache's key), with the stored batches no run has
// consumed: a run killed after it submitted, run again, waits for (or
// collects) its batch instead of paying twice. On Ctrl-C the batches keep
// running at the provider; `webox batch collect ID` records them later.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/chat/prices.hpp"
#include "lib/workflow/batch_store.hpp"
#include "lib/workflow/runner.hpp"
#include "lib/workflow/task.hpp"
#include "lib/workflow/worker_pool.hpp"

namespace webox::workflow {

struct BatchLaneSetup {
  store::Db &db;
  const Workflow &wf;
  const chat::PriceTable &batch_prices;
  std::string run_id;
  nlohmann::json inputs;
  int64_t poll_ms = 30000;
  int64_t max_requests = 0; // 0: the provider's limit; tests lower it (WEBOX_BATCH_MAX_REQUESTS)
};

class BatchLane {
public:
  explicit BatchLane(BatchLaneSetup setup);

  // Whether `t` goes to a provider batch (see above).
  bool takes(const Task &t);
  void add(Task t);

  // Sends the tasks added since the last flush. Tasks whose submission
  // failed come back at once, failed.
  std::vector<WorkerPool::Done> flush();
  // The results of the batches whose status became final (each batch is
  // asked at most every poll_ms).
  std::vector<WorkerPool::Done> poll();
  bool waiting() const { return !m_active.empty(); }
  // Ctrl-C: every waiting task comes back cancelled; the batches keep
  // running at the provider, each named on stderr with the command that
  // collects it.
  std::vector<WorkerPool::Done> abandon();

  const RunReport::BatchTally &tally() const { return m_tally; }

private:
  struct Active {
    BatchRow row;
    plugin::ProviderBinding binding;
    std::map<std::string, Task> tasks; // by custom_id
    int64_t next_poll_ms = 0;
    int errors = 0;
  };

  bool adopt(Task &t, const std::string &hash);
  void submit_group(std::vector<Task> tasks, std::vector<WorkerPool::Done> &failed);
  void submit_chunk(std::vector<Task> tasks, std::vector<WorkerPool::Done> &failed);
  void finish(Active &a, std::vector<WorkerPool::Done> &done);
  TaskResult result_of(const Task &t, const BatchItemRow &item) const;

  BatchLaneSetup m_setup;
  BatchStore m_store;
  std::vector<Task> m_pending;
  std::map<int64_t, Active> m_active; // by local batch id
  std::set<std::pair<int64_t, std::string>> m_adopted; // (batch, custom_id) taken by this run
  std::set<std::string> m_told;       // providers already said to have no batch service
  RunReport::BatchTally m_tally;
};

} // namespace webox::workflow
