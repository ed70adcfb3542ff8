// The "budget-checked" phase of a workflow run (--max-cost and the config's
// caps, as for chat). A step's prompts exist only once the steps it needs
// are done, so each step is checked when it is queued, against the worst
// case of the calls still in flight; the calls that came back count at
// their real cost.
#pragma once

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "lib/chat/budget.hpp"
#include "lib/workflow/task.hpp"

namespace webox::chat {
class PriceTable;
}

namespace webox::workflow {

class BudgetGate {
public:
  // `batch_prices` price the tasks marked `batch` (provider batches).
  BudgetGate(const Config &config, store::Db *db, std::optional<double> max_cost, const chat::PriceTable &prices,
             const chat::PriceTable &batch_prices);

  // Throws Error (exit 5) when the model calls of `tasks`, with those in
  // flight, could pass a cap; else counts them as in flight.
  void reserve(const std::vector<Task> &tasks);

  // The task's result is back: it leaves the flight and counts what it cost.
  void returned(const Task &task, const std::optional<double> &cost);

private:
  using Key = std::pair<size_t, size_t>; // (step, item)
  chat::Budget m_budget;
  const chat::PriceTable &m_prices;
  const chat::PriceTable &m_batch_prices;
  std::map<Key, chat::CallEstimate> m_in_flight; // until its result is back
  double m_spent = 0;                            // this run's calls that came back
};

} // namespace webox::workflow
