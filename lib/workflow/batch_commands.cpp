#include "lib/workflow/batch_commands.hpp"

#include <chrono>
#include <filesystem>
#include <thread>

#include "lib/chat/prices.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/workflow/loader.hpp"

namespace webox::workflow {
namespace {

using nlohmann::json;

plugin::Provider batch_provider(plugin::Registry &registry, const Config &config, const BatchRow &b) {
  return plugin::Provider(plugin::bind_provider(registry, config, b.provider));
}

void require_submitted(const BatchRow &b) {
  if (b.remote_id.empty())
    throw UsageError("batch " + std::to_string(b.id) + " never reached " + b.provider +
                     (b.message.empty() ? std::string() : ": " + b.message));
}

// Sleeps `ms` in small steps, so Ctrl-C is seen at once.
void batch_wait(int64_t ms) {
  const int64_t until = cancel::monotonic_ms() + ms;
  while (cancel::monotonic_ms() < until) {
    if (cancel::requested()) throw Interrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(50, until - cancel::monotonic_ms() + 1)));
  }
}

} // namespace

json batch_json(const BatchRow &b) {
  json doc = {{"id", b.id},
              {"provider", b.provider},
              {"model", b.model},
              {"remote_id", b.remote_id.empty() ? json(nullptr) : json(b.remote_id)},
              {"state", b.state},
              {"status", b.status},
              {"provider_status", b.provider_status},
              {"requests", b.total},
              {"succeeded", b.succeeded},
              {"failed", b.failed},
              {"pending_items", b.pending_items},
              {"run_id", b.run_id},
              {"workflow", b.workflow_file},
              {"created_at", b.created_at},
              {"updated_at", b.updated_at}};
  if (!b.message.empty()) doc["message"] = b.message;
  return doc;
}

std::vector<BatchRow> list_batches(store::Db &db, int limit) { return BatchStore(db).list(limit); }

BatchRow find_batch(store::Db &db, const std::string &ref) {
  if (ref.empty() || ref.size() > 200) throw UsageError("a batch is named by its number or its provider's id");
  auto row = BatchStore(db).find(ref);
  if (!row) throw UsageError("no batch '" + ref + "' (see 'webox batch list')");
  return *row;
}

BatchRow batch_status(store::Db &db, plugin::Registry &registry, const Config &config, const std::string &ref) {
  BatchRow b = find_batch(db, ref);
  if (b.state != "open" || batch_status_final(b.status)) return b;
  BatchStore store(db);
  plugin::Provider provider = batch_provider(registry, config, b);
  refresh_batch(provider, store, b);
  return *store.find(std::to_string(b.id));
}

BatchRow cancel_stored_batch(store::Db &db, plugin::Registry &registry, const Config &config, const std::string &ref) {
  BatchRow b = find_batch(db, ref);
  require_submitted(b);
  if (batch_status_final(b.status)) throw UsageError("batch " + std::to_string(b.id) + " is over (" + b.status + "): nothing to cancel");
  BatchStore store(db);
  plugin::Provider provider = batch_provider(registry, config, b);
  cancel_batch(provider, store, b);
  return *store.find(std::to_string(b.id));
}

CollectOutcome collect_stored_batch(store::Db &db, plugin::Registry &registry, const Config &config,
                                    const std::string &ref, int64_t poll_ms,
                                    const std::function<void(const BatchRow &)> &on_wait) {
  BatchRow b = find_batch(db, ref);
  require_submitted(b);
  BatchStore store(db);
  plugin::Provider provider = batch_provider(registry, config, b);
  CollectOutcome out;
  out.recorded_before = b.state == "collected";
  while (!batch_status_final(b.status)) {
    refresh_batch(provider, store, b);
    b = *store.find(std::to_string(b.id));
    if (batch_status_final(b.status)) break;
    on_wait(b);
    batch_wait(poll_ms);
  }
  const chat::PriceTable batch_prices = chat::PriceTable::for_config(config).for_batch();
  out.counts = collect_batch(provider, store, b, batch_prices);
  out.batch = *store.find(std::to_string(b.id));
  return out;
}

std::optional<RunReport> resume_batch_workflow(store::Db &db, plugin::Registry &registry, const Config &config,
                                               const BatchRow &batch, std::string &why,
                                               const std::function<void(const RunReport &, size_t)> &on_change) {
  if (batch.workflow_file.empty()) return std::nullopt;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(batch.workflow_file, ec)) {
    why = "its workflow " + batch.workflow_file + " is gone: the answers are in the log, no output was written";
    return std::nullopt;
  }
  RunSettings settings;
  settings.batch = true;
  json inputs = parse_json_or_discarded(batch.inputs_json);
  settings.resolved_inputs = inputs.is_object() ? inputs : json::object();
  WorkflowRun run(registry, config, &db, load_workflow(batch.workflow_file), settings);
  return run.run(on_change);
}

} // namespace webox::workflow
