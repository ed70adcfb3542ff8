#include "lib/workflow/budget_gate.hpp"

#include "lib/workflow/step_render.hpp"

namespace webox::workflow {

BudgetGate::BudgetGate(const Config &config, store::Db *db, std::optional<double> max_cost,
                       const chat::PriceTable &prices, const chat::PriceTable &batch_prices)
    : m_budget(config, db, max_cost), m_prices(prices), m_batch_prices(batch_prices) {}

void BudgetGate::reserve(const std::vector<Task> &tasks) {
  if (!m_budget.active()) return;
  std::vector<chat::CallEstimate> all;
  std::vector<std::pair<Key, chat::CallEstimate>> mine;
  for (const auto &[key, e] : m_in_flight) all.push_back(e);
  for (const Task &t : tasks) {
    if (!calls_a_model(t.action)) continue;
    std::vector<chat::ModelRef> chain;
    for (const auto &link : t.links) chain.push_back(link.model);
    // A batch goes to the first model only, at its batch price.
    if (t.batch) chain.resize(1);
    const chat::PriceTable &prices = t.batch ? m_batch_prices : m_prices;
    chat::CallEstimate e = chat::estimate_chain(prices, chain, t.messages, t.options);
    if (t.tools) {
      // A step that acts makes up to max_steps calls, each with the tools'
      // definitions: its worst case is that many (tool results, unknown
      // yet, come on top and count when the calls are back).
      nlohmann::json counted = t.messages;
      counted.push_back({{"role", "system"}, {"content", t.tools->toolbox.definitions().dump()}});
      e = chat::estimate_chain(prices, chain, counted, t.options);
      const int64_t n = t.tools->loop.max_steps;
      e.prompt_tokens *= n;
      e.max_output_tokens *= n;
      if (e.worst_case_usd) *e.worst_case_usd *= static_cast<double>(n);
    }
    mine.push_back({{t.step, t.item}, std::move(e)});
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
