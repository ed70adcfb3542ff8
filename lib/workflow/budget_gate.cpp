#include "lib/workflow/budget_gate.hpp"

#include "lib/workflow/step_render.hpp"

namespace webox::workflow {

BudgetGate::BudgetGate(const Config &config, store::Db *db, std::optional<double> max_cost,
                       const chat::PriceTable &prices)
    : m_budget(config, db, max_cost), m_prices(prices) {}

void BudgetGate::reserve(const std::vector<Task> &tasks) {
  if (!m_budget.active()) return;
  std::vector<chat::CallEstimate> all;
  std::vector<std::pair<Key, chat::CallEstimate>> mine;
  for (const auto &[key, e] : m_in_flight) all.push_back(e);
  for (const Task &t : tasks) {
    if (!calls_a_model(t.action)) continue;
    std::vector<chat::ModelRef> chain;
    for (const auto &link : t.links) chain.push_back(link.model);
    mine.push_back({{t.step, t.item}, chat::estimate_chain(m_prices, chain, t.messages, t.options)});
    all.push_back(mine.back().second);
  }
  if (mine.empty()) return;
  m_budget.check(all, m_spent);
  for (auto &[key, e] : mine) m_in_flight.emplace(key, std::move(e));
}

void BudgetGate::returned(const Task &task, const std::optional<double> &cost) {
  m_in_flight.erase({task.step, task.item});
  if (cost) m_spent += *cost;
}

} // namespace webox::workflow
