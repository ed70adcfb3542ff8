// The leads side of the store: accounts, posts, people, interactions, sync
// cursors, leads, their history and contact details (schema: migration 2 in
// lib/store/db.cpp).
//
// One LeadsStore serves a run; its methods live with the part of the leads
// pipeline they belong to: pages are written by a PageWriter
// (lib/leads/collect/page_writer.hpp), people scored by lib/leads/score/,
// the phone fallback asked by lib/leads/contacts/phone_asking.cpp. Reading
// and managing leads is lib/leads/query/lead_query.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/leads/contacts/contacts.hpp"
#include "lib/leads/optout/optout_words.hpp"
#include "lib/leads/settings.hpp"
#include "lib/store/db.hpp"

namespace SQLite {
class Statement;
}

namespace webox::leads {

struct RunCounts {
  int64_t new_interactions = 0;
  int64_t new_people = 0;
  int64_t new_leads = 0;
  int64_t new_contacts = 0;
  int64_t new_optouts = 0; // people who wrote an opt-out word
  int64_t pages = 0;
  int64_t items = 0; // items seen, new or not
  int64_t model_calls = 0;  // LLM phone fallback: texts asked about
  int64_t model_phones = 0; // phones it found that passed the checks
};

class PhoneAsker;

class PageWriter;

class LeadsStore {
public:
  LeadsStore(store::Db &db, LeadsSettings settings, int64_t now = 0 /* 0 = the clock */);
  ~LeadsStore();

  // The row id of (platform, account id), created when new.
  int64_t account(const std::string &platform, const std::string &platform_account_id);
  std::map<std::string, std::string> cursors(int64_t account_id);

  store::Db &db() { return m_db; }
  const LeadsSettings &settings() const { return m_settings; }
  PhoneDetector &phones() { return m_phones; }
  int64_t now() const;
  RunCounts &counts() { return m_counts; }

  // Recomputes every person's score (after a config change); returns how
  // many people and leads were updated. One transaction per `batch` people.
  struct RescoreCounts {
    int64_t people = 0, interactions = 0, leads_created = 0, scores_changed = 0;
  };
  RescoreCounts rescore_all(int batch = 5000);
  // Scores the people a deferred-scoring page marked (needs_rescore = 1).
  RescoreCounts rescore_pending(int batch = 5000);

  // Turns on the LLM phone fallback (lib/leads/contacts/phone_fallback.hpp): texts
  // the matcher found no phone in, but that look like they hold one, are
  // asked about after their page commits (never inside a transaction: a
  // slow model must not hold the write lock).
  void set_phone_asker(std::unique_ptr<PhoneAsker> asker);

  // A person `webox leads forget` erased (lib/leads/privacy/): collection
  // skips what they wrote instead of bringing them back.
  bool suppressed(const std::string &platform, const std::string &id, const std::string &username);

private:
  friend class PageWriter;
  // What committed pages taught us, so that later pages skip a lookup per
  // row: a person's id and names, a post's id, and which people are already
  // marked for deferred scoring in this run. Filled only from committed
  // pages (a rolled-back page's new ids never existed); bounded by
  // kMaxCached entries each, then simply cleared.
  struct CachedPerson {
    int64_t id;
    std::string username, name;
  };
  static constexpr size_t kMaxCached = 500000;
  // Keyed "platform\x1fid", and looked up by string_view (transparent
  // hash): no key string is built for a hit.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>{}(key); }
  };
  std::unordered_map<std::string, CachedPerson, KeyHash, std::equal_to<>> m_people;
  std::unordered_map<std::string, int64_t, KeyHash, std::equal_to<>> m_posts;
  std::unordered_set<int64_t> m_marked;

  struct AskLater {
    int64_t interaction_id, person_id;
    std::string text;
  };
  void ask_model(const std::vector<AskLater> &texts, bool defer_scoring);
  std::unique_ptr<PhoneAsker> m_asker;
  bool m_asker_failed_once = false;

  store::Db &m_db;
  LeadsSettings m_settings;
  PhoneDetector m_phones;
  OptoutWords m_optout_words; // leads.optout_words, compiled once a run
  std::optional<std::string> m_suppression_salt; // read on first need; "" = nobody was ever forgotten
  int64_t m_now;
  RunCounts m_counts;
};

} // namespace webox::leads
