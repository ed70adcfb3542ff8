// Provider batches in the store (schema: lib/store/migration_16_batches.cpp):
// the one store-facing file of the batch feature. A batch and its items are
// written before the requests leave; its provider id once accepted; each
// result exactly once, by one statement that moves the item off 'pending'
// inside the transaction that logs its call.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"

namespace webox::workflow {

struct BatchRow {
  int64_t id = 0;
  std::string provider, model;
  std::string remote_id;       // "" until the provider accepted it
  std::string state;           // submitting, open, collected, failed
  std::string status;          // in_progress, cancelling, ended, expired, cancelled, failed ("" before submit)
  std::string provider_status; // the provider's own word
  std::string message;
  std::string run_id, workflow_file, inputs_json;
  int64_t total = 0, succeeded = 0, failed = 0;
  bool consumed = false;
  std::string created_at, updated_at;
  int64_t pending_items = 0;   // filled by find() and list()
};

struct BatchItemRow {
  std::string custom_id;
  std::string step_id;
  int64_t item = 0;
  std::string request_hash;
  std::string prompt, system, options_json;
  std::string result_status = "pending"; // pending, ok, errored, expired, cancelled, missing
  std::string error;
  // From the logged call, when there is one.
  std::string answer, resolved_model;
  std::optional<int64_t> input_tokens, output_tokens;
  std::optional<double> cost;
};

// What the provider said about a batch (its status document).
struct BatchStatus {
  std::string remote_id, status, provider_status, message;
  int64_t total = 0, succeeded = 0, failed = 0;
};

// One result to record: `call` is logged (ok and errored requests ran at
// the provider) unless null.
struct BatchResult {
  std::string custom_id;
  std::string status; // ok, errored, expired, cancelled
  std::string error;
  const store::CallRecord *call = nullptr;
};

// A stored item whose request matches one of a new round (adoption).
struct AdoptableItem {
  int64_t batch_id = 0;
  std::string custom_id;
};

class BatchStore {
public:
  explicit BatchStore(store::Db &db) : m_db(db) {}

  // The batch (state 'submitting') and its items, in one transaction.
  int64_t create(const BatchRow &batch, const std::vector<BatchItemRow> &items);
  void submitted(int64_t id, const BatchStatus &status);
  void submit_failed(int64_t id, const std::string &message);
  void update_status(int64_t id, const BatchStatus &status);
  void mark_collected(int64_t id);
  void mark_consumed(int64_t id);

  // By local number ("12") or provider id ("batch_abc", "msgbatch_..."):
  // nullopt when neither matches.
  std::optional<BatchRow> find(const std::string &ref);
  std::vector<BatchRow> list(int limit);

  // Records one result once: false when the item was already recorded or
  // does not exist. Opens its own (nested) transaction.
  bool record(int64_t batch_id, const BatchResult &result);
  // The item's call context (prompt, system, options) or nullopt.
  std::optional<BatchItemRow> item(int64_t batch_id, const std::string &custom_id);
  // Items still pending when the batch is over had no result line.
  int64_t mark_missing(int64_t batch_id);
  // Every item with its result and logged answer, in custom_id order, one
  // at a time (memory: one row).
  void each_item(int64_t batch_id, const std::function<void(const BatchItemRow &)> &fn);

  // Items of batches of `provider`/`model` that no run has consumed, open or
  // collected, whose request hash is `hash`.
  std::vector<AdoptableItem> adoptable(const std::string &provider, const std::string &model, const std::string &hash);

  store::Db &db() { return m_db; }

private:
  store::Db &m_db;
};

} // namespace webox::workflow
