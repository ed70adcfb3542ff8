// `webox batch`: the provider batches a workflow run submitted (list,
// status, collect, cancel), independent of the CLI.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/core/config.hpp"
#include "lib/workflow/batch_client.hpp"
#include "lib/workflow/batch_store.hpp"
#include "lib/workflow/runner.hpp"

namespace webox::plugin {
class Registry;
}

namespace webox::workflow {

// A batch as `--json` prints it.
nlohmann::json batch_json(const BatchRow &b);

std::vector<BatchRow> list_batches(store::Db &db, int limit);

// The stored batch named by its number or provider id; UsageError (exit 2)
// when there is none.
BatchRow find_batch(store::Db &db, const std::string &ref);

// The batch, asked again of its provider when it may still change.
BatchRow batch_status(store::Db &db, plugin::Registry &registry, const Config &config, const std::string &ref);

BatchRow cancel_stored_batch(store::Db &db, plugin::Registry &registry, const Config &config, const std::string &ref);

struct CollectOutcome {
  BatchRow batch;
  CollectCounts counts;
  bool recorded_before = false; // the batch was collected already: nothing new was logged
};

// Waits (polling every `poll_ms`; Ctrl-C throws Interrupted, the batch goes
// on) until the batch's status is final, then records its results.
CollectOutcome collect_stored_batch(store::Db &db, plugin::Registry &registry, const Config &config,
                                    const std::string &ref, int64_t poll_ms,
                                    const std::function<void(const BatchRow &)> &on_wait);

// The workflow run a batch came from, run again in batch mode with the
// inputs it had: the batch's answers fill its steps (no request is sent
// twice) and its outputs are written. nullopt when the batch has no
// workflow file (or the file is gone: said in `why`).
std::optional<RunReport> resume_batch_workflow(store::Db &db, plugin::Registry &registry, const Config &config,
                                               const BatchRow &batch, std::string &why,
                                               const std::function<void(const RunReport &, size_t)> &on_change);

} // namespace webox::workflow
