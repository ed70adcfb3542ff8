// The LLM phone fallback's side of the store: texts asked about after their
// page committed, the phones the model pointed at (and the checks passed)
// stored as contacts detected by the model, the person rescored or marked.
#include "lib/store/db.hpp"
#include <spdlog/spdlog.h>

#include "lib/core/error.hpp"
#include "lib/leads/contacts/contacts.hpp"
#include "lib/leads/contacts/phone_fallback.hpp"
#include "lib/leads/leads_store.hpp"
#include "lib/leads/score/scorer.hpp"

namespace webox::leads {

void LeadsStore::set_phone_asker(std::unique_ptr<PhoneAsker> asker) { m_asker = std::move(asker); }

void LeadsStore::ask_model(const std::vector<AskLater> &texts, bool defer_scoring) {
  for (const AskLater &t : texts) {
    std::string reply;
    try {
      ++m_counts.model_calls;
      reply = m_asker->ask(phone_fallback_prompt(), t.text);
    } catch (const Error &e) {
      // The fallback is a bonus: the interaction is stored already.
      if (!m_asker_failed_once) spdlog::warn("phone fallback {}: {}", m_asker->model(), e.what());
      m_asker_failed_once = true;
      continue;
    }
    std::vector<std::string> refused;
    std::vector<ContactMatch> found = accept_fallback_answer(reply, t.text, m_phones, refused);
    for (const auto &why : refused) spdlog::info("phone fallback {}: refused: {}", m_asker->model(), why);
    if (found.empty()) continue;
    store::guarded(m_db, [&] {
      store::WriteTransaction tx(m_db);
      store::Statement ins(m_db, "INSERT INTO contacts(person_id, kind, value, raw, digits, region, type, interaction_id, "
                                        "created_at, detected_by) VALUES(?, 'phone', ?, ?, ?, ?, ?, ?, ?, ?) "
                                        "ON CONFLICT(person_id, kind, value) DO NOTHING");
      std::string at = store::now_iso8601(), by = "model:" + m_asker->model();
      int64_t added = 0;
      for (const ContactMatch &c : found) {
        ins.bind(1, t.person_id);
        ins.bind(2, c.value);
        ins.bind(3, c.raw);
        ins.bind(4, digits_of(c.raw));
        ins.bind(5, c.region);
        ins.bind(6, c.type);
        ins.bind(7, t.interaction_id);
        ins.bind(8, at);
        ins.bind(9, by);
        ins.exec();
        added += m_db.getChanges();
        ins.reset();
      }
      if (added && defer_scoring) {
        store::Statement mark(m_db, "UPDATE people SET needs_rescore = 1 WHERE id = ?");
        mark.bind(1, t.person_id);
        mark.exec();
        m_marked.insert(t.person_id);
      } else if (added) {
        Scorer scorer(m_db, m_settings.scoring, now());
        m_counts.new_leads += scorer.rescore(t.person_id, true).second;
      }
      tx.commit();
      m_counts.new_contacts += added;
      m_counts.model_phones += added;
    });
  }
}

} // namespace webox::leads
