#include "lib/media/media_budget.hpp"

#include "lib/chat/budget.hpp"

namespace webox::media {

void check_media_budget(const Config &config, store::Db *db, std::optional<double> max_cost, const chat::ModelRef &model,
                        std::optional<double> worst_usd, const std::string &basis, double spent_here) {
  const chat::Budget budget(config, db, max_cost);
  if (!budget.active()) return;
  chat::CallEstimate e;
  e.model = model;
  e.worst_case_usd = worst_usd;
  e.basis = basis;
  budget.check({e}, spent_here);
}

} // namespace webox::media
