// `leads rescore` and the deferred scoring of a bulk import: people scored
// in batches, one transaction each.
#include <algorithm>
#include <unordered_set>

#include "lib/store/db.hpp"

#include "lib/leads/leads_store.hpp"
#include "lib/leads/score/scorer.hpp"

namespace webox::leads {

LeadsStore::RescoreCounts LeadsStore::rescore_all(int batch) {
  RescoreCounts counts;
  return store::guarded(m_db, [&] {
    int64_t after = 0;
    for (;;) {
      store::WriteTransaction tx(m_db);
      std::vector<int64_t> ids;
      {
        store::Statement q(m_db, "SELECT id FROM people WHERE id > ? ORDER BY id LIMIT ?");
        q.bind(1, after);
        q.bind(2, batch);
        while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
      }
      if (ids.empty()) break;
      Scorer scorer(m_db, m_settings.scoring, now());
      for (auto &[id, facts] : gather_batch(m_db, ids, false, &counts.interactions)) {
        auto [changed, created] = scorer.apply(id, std::move(facts), false);
        counts.scores_changed += changed;
        counts.leads_created += created;
      }
      tx.commit();
      counts.people += static_cast<int64_t>(ids.size());
      after = ids.back();
    }
    return counts;
  });
}

LeadsStore::RescoreCounts LeadsStore::rescore_pending(int batch) {
  RescoreCounts counts;
  return store::guarded(m_db, [&] {
    // The people marked in the store, then those this run marked whose mark
    // someone else cleared meanwhile (a concurrent `leads rescore` scores
    // what was committed then, not our later pages).
    std::unordered_set<int64_t> done;
    auto score_batch = [&](const std::vector<int64_t> &ids, bool marked) {
      Scorer scorer(m_db, m_settings.scoring, now());
      if (marked) {
        for (auto &[id, facts] : gather_batch(m_db, ids, true, &counts.interactions)) {
          auto [changed, created] = scorer.apply(id, std::move(facts), true);
          counts.scores_changed += changed;
          counts.leads_created += created;
        }
      } else {
        for (int64_t id : ids) {
          auto [changed, created] = scorer.rescore(id, true, &counts.interactions);
          counts.scores_changed += changed;
          counts.leads_created += created;
        }
      }
      counts.people += static_cast<int64_t>(ids.size());
      m_counts.new_leads += counts.leads_created;
      counts.leads_created = 0;
    };
    for (;;) {
      store::WriteTransaction tx(m_db);
      std::vector<int64_t> ids;
      {
        store::Statement q(m_db, "SELECT id FROM people WHERE needs_rescore = 1 ORDER BY id LIMIT ?");
        q.bind(1, batch);
        while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
      }
      if (ids.empty()) break;
      score_batch(ids, true);
      tx.commit();
      if (!m_marked.empty()) done.insert(ids.begin(), ids.end());
    }
    std::vector<int64_t> left;
    for (int64_t id : m_marked)
      if (!done.count(id)) left.push_back(id);
    m_marked.clear();
    std::sort(left.begin(), left.end());
    for (size_t i = 0; i < left.size(); i += static_cast<size_t>(batch)) {
      store::WriteTransaction tx(m_db);
      score_batch(std::vector<int64_t>(left.begin() + static_cast<std::ptrdiff_t>(i),
                                       left.begin() + static_cast<std::ptrdiff_t>(std::min(left.size(), i + static_cast<size_t>(batch)))),
                  false);
      tx.commit();
    }
    return counts;
  });
}

} // namespace webox::leads
