// One provider batch from the host's side (ABI 1.5, plugin.h "ABI 1.5
// (batch)"): submit its requests, read its status, record its results, and
// cancel it, through the plugin's `batch` and `batch_results` operations
// and the store (batch_store.hpp). Shared by the workflow scheduler's batch
// lane and `webox batch`.
//
// The order that makes kill -9 safe: the batch and its items are stored
// (state 'submitting') before the requests leave; the provider's id is
// stored as soon as the provider accepted them; each result is recorded with
// its call log in one transaction that first moves the item off 'pending',
// so collecting again records nothing twice. (The one window left: a kill
// between the provider's acceptance and the store's update of its id loses
// the id; the batch then runs unseen. Providers take no idempotency key.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/chat/prices.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/workflow/batch_store.hpp"

namespace webox::workflow {

// One request of a batch to submit.
struct BatchRequest {
  std::string custom_id;
  std::string step_id;
  int64_t item = 0;
  std::string request_hash;
  nlohmann::json request; // the chat slot's document: {"model", "messages", "options"}
  std::string prompt, system; // as the call log shows them
};

// Statuses after which nothing changes at the provider.
bool batch_status_final(const std::string &status);

// What the provider's status document says.
BatchStatus batch_status_of(const nlohmann::json &doc);

// Stores the batch and its items, then submits them. Returns the stored
// row's id; throws (the provider's error) after marking the row 'failed'.
int64_t submit_batch(plugin::Provider &provider, BatchStore &store, const BatchRow &batch,
                     const std::vector<BatchRequest> &requests);

// Asks the provider for the batch's status and stores it.
BatchStatus refresh_batch(plugin::Provider &provider, BatchStore &store, const BatchRow &batch);

// Cancels the batch at the provider and stores the status it answers.
BatchStatus cancel_batch(plugin::Provider &provider, BatchStore &store, const BatchRow &batch);

struct CollectCounts {
  int64_t recorded = 0;   // results recorded now
  int64_t ok = 0, failed = 0; // of those
  int64_t already = 0;    // lines of results recorded before (a second collect)
  int64_t unknown = 0;    // lines naming no item of the batch
  int64_t warnings = 0;   // lines that could not be read
  int64_t missing = 0;    // items without any result line
};

// Streams the results of a batch whose status is final into the store: each
// ok or errored request logged as a call (priced at `batch_prices`, grouped
// by the batch's run id), each result recorded once; items without a result
// are marked missing; the batch becomes 'collected'. Memory: one result at
// a time.
CollectCounts collect_batch(plugin::Provider &provider, BatchStore &store, const BatchRow &batch,
                            const chat::PriceTable &batch_prices);

} // namespace webox::workflow
