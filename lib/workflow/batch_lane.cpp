#include "lib/workflow/batch_lane.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/workflow/batch_client.hpp"
#include "lib/workflow/json_answer.hpp"
#include "lib/workflow/run_store.hpp"
#include "lib/workflow/step_render.hpp"

namespace webox::workflow {
namespace {

using nlohmann::json;

// A status poll that fails (network, 5xx) is tried again at the next
// interval; after this many in a row the batch's tasks fail (the batch
// stays stored: `webox batch collect` can still record it).
constexpr int kPollErrorsTolerated = 5;

json lane_request_of(const Task &t) {
  return {{"model", t.links.front().model.model}, {"messages", t.messages}, {"options", t.options}};
}

std::string lane_hash_of(const Task &t) {
  const chat::ModelRef &m = t.links.front().model;
  return cache_key(m.provider, m.model, t.messages, t.options);
}

TaskResult lane_failed(const Task &t, const std::string &error, const char *status = "failed") {
  TaskResult r;
  r.status = status;
  r.error = error;
  r.model = t.links.front().model.text();
  return r;
}

std::string lane_describe(const BatchRow &b) {
  return "batch " + std::to_string(b.id) + " (" + b.provider + " " + b.remote_id + ")";
}

} // namespace

BatchLane::BatchLane(BatchLaneSetup setup) : m_setup(std::move(setup)), m_store(m_setup.db) {}

bool BatchLane::takes(const Task &t) {
  if (!calls_a_model(t.action) || t.tools || t.links.empty() || !t.links.front().binding.plugin) return false;
  const chat::ChainLink &first = t.links.front();
  if (first.binding.plugin->manifest.capabilities & WEBOX_CAP_BATCH) return true;
  if (m_told.insert(first.model.provider).second)
    spdlog::warn("{} has no batch service: its calls run one by one, at the normal price", first.model.provider);
  return false;
}

void BatchLane::add(Task t) { m_pending.push_back(std::move(t)); }

// A stored batch no run has consumed holds this very request: wait for it
// (or read what was already collected) instead of sending it again.
bool BatchLane::adopt(Task &t, const std::string &hash) {
  const chat::ModelRef &m = t.links.front().model;
  for (const AdoptableItem &item : m_store.adoptable(m.provider, m.model, hash)) {
    if (!m_adopted.insert({item.batch_id, item.custom_id}).second) continue;
    auto it = m_active.find(item.batch_id);
    if (it == m_active.end()) {
      auto row = m_store.find(std::to_string(item.batch_id));
      if (!row) continue;
      spdlog::warn("{} holds calls of this run already: waiting for it instead of sending them again",
                   lane_describe(*row));
      it = m_active.emplace(item.batch_id, Active{*row, t.links.front().binding, {}, 0, 0}).first;
      ++m_tally.batches;
    }
    it->second.tasks.emplace(item.custom_id, std::move(t));
    return true;
  }
  return false;
}

std::vector<WorkerPool::Done> BatchLane::flush() {
  std::vector<WorkerPool::Done> failed;
  if (m_pending.empty()) return failed;
  std::map<std::pair<std::string, std::string>, std::vector<Task>> groups; // (provider, model)
  for (Task &t : m_pending) {
    if (adopt(t, lane_hash_of(t))) continue;
    const chat::ModelRef &m = t.links.front().model;
    groups[{m.provider, m.model}].push_back(std::move(t));
  }
  m_pending.clear();
  for (auto &[key, tasks] : groups) submit_group(std::move(tasks), failed);
  return failed;
}

// One provider and model: split at the provider's limits (requests and bytes).
void BatchLane::submit_group(std::vector<Task> tasks, std::vector<WorkerPool::Done> &failed) {
  const plugin::Manifest &manifest = tasks.front().links.front().binding.plugin->manifest;
  int64_t max_requests = manifest.batch_max_requests;
  if (m_setup.max_requests > 0) max_requests = std::min(max_requests, m_setup.max_requests);
  const int64_t max_bytes = manifest.batch_max_bytes;
  std::vector<Task> chunk;
  int64_t bytes = 0;
  for (Task &t : tasks) {
    // A line's size as the plugin will send it is not known here; the
    // request's own size with room for the envelope stands for it.
    const int64_t size = static_cast<int64_t>(lane_request_of(t).dump().size()) + 512;
    if (!chunk.empty() && (static_cast<int64_t>(chunk.size()) >= max_requests || bytes + size > max_bytes)) {
      submit_chunk(std::move(chunk), failed);
      chunk.clear();
      bytes = 0;
    }
    bytes += size;
    chunk.push_back(std::move(t));
  }
  if (!chunk.empty()) submit_chunk(std::move(chunk), failed);
}

void BatchLane::submit_chunk(std::vector<Task> tasks, std::vector<WorkerPool::Done> &failed) {
  const chat::ChainLink &link = tasks.front().links.front();
  BatchRow row;
  row.provider = link.model.provider;
  row.model = link.model.model;
  row.run_id = m_setup.run_id;
  row.workflow_file = m_setup.wf.file.string();
  row.inputs_json = m_setup.inputs.dump(-1, ' ', false, json::error_handler_t::replace);
  std::vector<BatchRequest> requests;
  requests.reserve(tasks.size());
  for (size_t k = 0; k < tasks.size(); ++k) {
    const Task &t = tasks[k];
    requests.push_back({"t" + std::to_string(k), m_setup.wf.steps[t.step].id, static_cast<int64_t>(t.item),
                        lane_hash_of(t), lane_request_of(t), t.prompt, t.system});
  }
  plugin::ProviderBinding binding = link.binding;
  int64_t id = 0;
  try {
    plugin::Provider provider(binding);
    id = submit_batch(provider, m_store, row, requests);
  } catch (const std::exception &e) {
    const std::string why = logging::redact(std::string("batch submission: ") + e.what());
    for (Task &t : tasks) {
      TaskResult r = lane_failed(t, why);
      failed.emplace_back(std::move(t), std::move(r));
    }
    return;
  }
  requests.clear();
  auto stored = m_store.find(std::to_string(id));
  Active a{*stored, binding, {}, cancel::monotonic_ms() + m_setup.poll_ms, 0};
  for (size_t k = 0; k < tasks.size(); ++k) a.tasks.emplace("t" + std::to_string(k), std::move(tasks[k]));
  spdlog::info("submitted {} with {} requests; `webox batch status {}` shows it", lane_describe(a.row), a.tasks.size(),
               id);
  ++m_tally.batches;
  m_active.emplace(id, std::move(a));
}

std::vector<WorkerPool::Done> BatchLane::poll() {
  std::vector<WorkerPool::Done> done;
  const int64_t now = cancel::monotonic_ms();
  for (auto it = m_active.begin(); it != m_active.end();) {
    Active &a = it->second;
    if (a.next_poll_ms > now) {
      ++it;
      continue;
    }
    a.next_poll_ms = now + m_setup.poll_ms;
    try {
      plugin::Provider provider(a.binding);
      if (a.row.state == "open") {
        BatchStatus s = refresh_batch(provider, m_store, a.row);
        if (!batch_status_final(s.status)) {
          a.errors = 0;
          ++it;
          continue;
        }
        a.row = *m_store.find(std::to_string(a.row.id));
        collect_batch(provider, m_store, a.row, m_setup.batch_prices);
        if (a.row.status == "expired" || a.row.status == "cancelled" || a.row.status == "failed")
          spdlog::warn("{} {}{}: {} of {} requests answered; the rest failed", lane_describe(a.row), a.row.status,
                       a.row.message.empty() ? "" : " (" + a.row.message + ")", s.succeeded, a.row.total);
      }
    } catch (const std::exception &e) {
      if (++a.errors < kPollErrorsTolerated) {
        spdlog::warn("{}: {} (asking again in {} s)", lane_describe(a.row), logging::redact(e.what()),
                     m_setup.poll_ms / 1000);
        ++it;
        continue;
      }
      const std::string why = logging::redact(lane_describe(a.row) + ": " + e.what() +
                                              " (its results can still be recorded: webox batch collect " +
                                              std::to_string(a.row.id) + ")");
      for (auto &[custom_id, t] : a.tasks) {
        TaskResult r = lane_failed(t, why);
        done.emplace_back(std::move(t), std::move(r));
      }
      it = m_active.erase(it);
      continue;
    }
    finish(a, done);
    it = m_active.erase(it);
  }
  return done;
}

// The batch is recorded: its tasks' results, from the store, then the batch
// belongs to this run.
void BatchLane::finish(Active &a, std::vector<WorkerPool::Done> &done) {
  m_store.each_item(a.row.id, [&](const BatchItemRow &item) {
    auto t = a.tasks.find(item.custom_id);
    if (t == a.tasks.end()) return;
    TaskResult r = result_of(t->second, item);
    if (r.status == "ok") ++m_tally.ok;
    else ++m_tally.failed;
    done.emplace_back(std::move(t->second), std::move(r));
    a.tasks.erase(t);
  });
  for (auto &[custom_id, t] : a.tasks) { // an adopted item that vanished: should not happen
    ++m_tally.failed;
    TaskResult r = lane_failed(t, lane_describe(a.row) + " has no request " + custom_id);
    done.emplace_back(std::move(t), std::move(r));
  }
  m_store.mark_consumed(a.row.id);
}

TaskResult BatchLane::result_of(const Task &t, const BatchItemRow &item) const {
  if (item.result_status != "ok") {
    return lane_failed(t, item.error.empty() ? "the batch request " + item.result_status : item.error);
  }
  TaskResult r;
  r.model = t.links.front().model.text();
  r.text = item.answer;
  r.input_tokens = item.input_tokens;
  r.output_tokens = item.output_tokens;
  r.cost = item.cost;
  r.cost_unknown = !item.cost;
  if (t.json_format) {
    try {
      r.json = parse_json_answer(r.text, t.schema);
    } catch (const std::runtime_error &e) {
      // A batch has no second round for the repair a direct call gets:
      // the answer is kept in the log, the item fails.
      r.status = "failed";
      r.error = std::string("the model's answer is not the JSON asked for (batch answers get no repair round; "
                            "run the step without --batch to let the model repair it): ") + e.what();
    }
  }
  return r;
}

std::vector<WorkerPool::Done> BatchLane::abandon() {
  std::vector<WorkerPool::Done> done;
  for (Task &t : m_pending) {
    TaskResult r = lane_failed(t, "cancelled", "cancelled");
    done.emplace_back(std::move(t), std::move(r));
  }
  m_pending.clear();
  for (auto &[id, a] : m_active) {
    spdlog::warn("{} keeps running at the provider; record its results later with: webox batch collect {}",
                 lane_describe(a.row), id);
    for (auto &[custom_id, t] : a.tasks) {
      TaskResult r = lane_failed(t, "cancelled", "cancelled");
      done.emplace_back(std::move(t), std::move(r));
    }
  }
  m_active.clear();
  return done;
}

} // namespace webox::workflow
