// Spending caps for media (tts, generate-image), checked like a model call's
// (lib/chat/budget.hpp) before any request leaves the machine: the worst
// case from the media prices (lib/media/media_prices.hpp) against --max-cost
// and the config's daily/monthly caps. An unknown price under a cap is
// refused, as for chat.
#pragma once

#include <optional>
#include <string>

#include "lib/chat/model_ref.hpp"
#include "lib/core/config.hpp"

namespace webox::store {
class Db;
}

namespace webox::media {

// Throws webox::Error (exit 5, one line) when `worst_usd` could pass a cap.
// `basis` says what was counted ("2 images, quality hd, 1024x1024").
// `db` is read for the caps (what was spent today, this month);
// `spent_here` is what this command already spent (against --max-cost).
void check_media_budget(const Config &config, store::Db *db, std::optional<double> max_cost, const chat::ModelRef &model,
                        std::optional<double> worst_usd, const std::string &basis, double spent_here = 0);

} // namespace webox::media
