#include "lib/workflow/batch_client.hpp"

#include <spdlog/spdlog.h>

#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"

namespace webox::workflow {
namespace {

using nlohmann::json;

// Results recorded per transaction while collecting: one commit per result
// would cost more than the results themselves; a kill loses at most these
// (still pending, so the next collect records them).
constexpr int64_t kResultsPerCommit = 256;
// The most result lines read for a batch of `total` requests: a line per
// request, room for a provider's repeats and strays (each recorded once,
// or counted), and a bound on a server that would never stop.
int64_t batch_results_allowed(int64_t total) { return 2 * std::max<int64_t>(total, 1) + 16; }
// Warnings about unreadable lines said one by one; the rest are counted.
constexpr int64_t kWarningsSaid = 5;

int64_t batch_count_at(const json &doc, const char *key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string batch_text_at(const json &doc, const char *key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> batch_tokens(const json &usage, const char *key) {
  auto it = usage.find(key);
  if (it == usage.end() || !it->is_number_integer() || it->get<int64_t>() < 0) return std::nullopt;
  return it->get<int64_t>();
}

// The call log row of one result that ran at the provider.
store::CallRecord batch_call_record(const BatchRow &batch, const BatchItemRow &item, const json &event,
                                    const chat::PriceTable &prices) {
  store::CallRecord c;
  c.group_id = batch.run_id;
  c.provider = batch.provider;
  c.model = batch.model;
  c.system = item.system;
  c.prompt = item.prompt;
  c.options_json = item.options_json;
  c.chain = "batch " + batch.remote_id;
  if (event.value("ok", false)) {
    const json answer = event.value("answer", json::object());
    c.status = "ok";
    c.response = batch_text_at(answer, "text");
    c.resolved_model = batch_text_at(answer, "model");
    const json usage = answer.value("usage", json::object());
    auto in = batch_tokens(usage, "input_tokens"), out = batch_tokens(usage, "output_tokens");
    c.input_tokens = in.value_or(-1);
    c.output_tokens = out.value_or(-1);
    c.cost = prices.cost(batch.provider, batch.model, in, out);
  } else {
    c.status = "error";
    c.error = logging::redact(batch_text_at(event.value("error", json::object()), "message"));
  }
  return c;
}

// One "result" event into the store. Returns what happened to it.
enum class Recorded { now_ok, now_failed, before, unknown };

Recorded record_batch_event(BatchStore &store, const BatchRow &batch, const json &event,
                            const chat::PriceTable &prices) {
  const std::string custom_id = batch_text_at(event, "custom_id");
  std::optional<BatchItemRow> item = store.item(batch.id, custom_id);
  if (!item) return Recorded::unknown;
  if (item->result_status != "pending") return Recorded::before;
  const bool ok = event.value("ok", false);
  const json error = event.value("error", json::object());
  std::string kind = ok ? "ok" : batch_text_at(error, "kind");
  if (kind != "ok" && kind != "expired" && kind != "cancelled") kind = "errored";
  BatchResult result{custom_id, kind, ok ? "" : logging::redact(batch_text_at(error, "message")), nullptr};
  // Expired and cancelled requests never ran: no call, nothing billed.
  std::optional<store::CallRecord> call;
  if (kind == "ok" || kind == "errored") call = batch_call_record(batch, *item, event, prices);
  result.call = call ? &*call : nullptr;
  if (!store.record(batch.id, result)) return Recorded::before;
  return ok ? Recorded::now_ok : Recorded::now_failed;
}

} // namespace

bool batch_status_final(const std::string &status) {
  return status == "ended" || status == "expired" || status == "cancelled" || status == "failed";
}

BatchStatus batch_status_of(const json &doc) {
  BatchStatus s;
  s.remote_id = batch_text_at(doc, "id");
  s.status = batch_text_at(doc, "status");
  s.provider_status = batch_text_at(doc, "provider_status");
  s.message = logging::redact(batch_text_at(doc, "message"));
  const json counts = doc.value("request_counts", json::object());
  if (counts.is_object()) {
    s.total = batch_count_at(counts, "total");
    s.succeeded = batch_count_at(counts, "succeeded");
    s.failed = batch_count_at(counts, "failed");
  }
  static const char *const known[] = {"in_progress", "cancelling", "ended", "expired", "cancelled", "failed"};
  bool is_known = false;
  for (const char *k : known) is_known = is_known || s.status == k;
  if (!is_known) s.status = "in_progress"; // a word added later: keep waiting, the provider decides
  return s;
}

int64_t submit_batch(plugin::Provider &provider, BatchStore &store, const BatchRow &batch,
                     const std::vector<BatchRequest> &requests) {
  std::vector<BatchItemRow> items;
  items.reserve(requests.size());
  std::string jsonl;
  for (const auto &r : requests) {
    BatchItemRow it;
    it.custom_id = r.custom_id;
    it.step_id = r.step_id;
    it.item = r.item;
    it.request_hash = r.request_hash;
    it.prompt = r.prompt;
    it.system = r.system;
    it.options_json = r.request.value("options", json::object()).dump();
    items.push_back(std::move(it));
    jsonl += json{{"custom_id", r.custom_id}, {"request", r.request}}.dump(-1, ' ', false, json::error_handler_t::replace);
    jsonl += '\n';
  }
  const int64_t id = store.create(batch, items);
  items.clear();
  items.shrink_to_fit();
  json doc;
  try {
    doc = provider.batch({{"action", "submit"}, {"metadata", {{"webox_batch", std::to_string(id)}}}}, jsonl);
  } catch (const std::exception &e) {
    store.submit_failed(id, logging::redact(e.what()));
    throw;
  }
  BatchStatus status = batch_status_of(doc);
  if (status.remote_id.empty()) {
    store.submit_failed(id, "the provider answered no batch id");
    throw Error(provider.instance() + ": the batch was submitted but the provider answered no id");
  }
  store.submitted(id, status);
  return id;
}

BatchStatus refresh_batch(plugin::Provider &provider, BatchStore &store, const BatchRow &batch) {
  BatchStatus s = batch_status_of(provider.batch({{"action", "status"}, {"id", batch.remote_id}}));
  store.update_status(batch.id, s);
  return s;
}

BatchStatus cancel_batch(plugin::Provider &provider, BatchStore &store, const BatchRow &batch) {
  BatchStatus s = batch_status_of(provider.batch({{"action", "cancel"}, {"id", batch.remote_id}}));
  store.update_status(batch.id, s);
  return s;
}

CollectCounts collect_batch(plugin::Provider &provider, BatchStore &store, const BatchRow &batch,
                            const chat::PriceTable &batch_prices) {
  CollectCounts counts;
  std::optional<store::WriteTransaction> chunk;
  int64_t in_chunk = 0;
  auto on_event = [&](const json &event) {
    const std::string type = batch_text_at(event, "type");
    if (type == "warning") {
      if (++counts.warnings <= kWarningsSaid) spdlog::warn("{}", logging::redact(batch_text_at(event, "message")));
      return true;
    }
    if (type != "result") return true;
    if (!chunk) chunk.emplace(store.db());
    switch (record_batch_event(store, batch, event, batch_prices)) {
      case Recorded::now_ok: ++counts.recorded, ++counts.ok; break;
      case Recorded::now_failed: ++counts.recorded, ++counts.failed; break;
      case Recorded::before: ++counts.already; break;
      case Recorded::unknown: ++counts.unknown; break;
    }
    if (++in_chunk >= kResultsPerCommit) {
      chunk->commit();
      chunk.reset();
      in_chunk = 0;
    }
    return true;
  };
  // A batch the provider refused as a whole has no results to read.
  if (batch.status != "failed")
    provider.batch_results({{"id", batch.remote_id}, {"max_results", batch_results_allowed(batch.total)}}, on_event);
  if (chunk) chunk->commit();
  if (counts.warnings > kWarningsSaid)
    spdlog::warn("{}: {} more unreadable result lines", provider.instance(), counts.warnings - kWarningsSaid);
  if (counts.unknown > 0)
    spdlog::warn("{}: {} result lines name no request of batch {}", provider.instance(), counts.unknown, batch.id);
  counts.missing = store.mark_missing(batch.id);
  store.mark_collected(batch.id);
  return counts;
}

} // namespace webox::workflow
