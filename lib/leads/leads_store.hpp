// The leads side of the store: accounts, posts, people, interactions, sync
// cursors, leads, their history and contact details (schema: migration 2 in
// lib/store/db.cpp).
//
// Writing is page by page: a PageWriter is one BEGIN IMMEDIATE transaction
// holding one page of collected items, the cursor that resumes after that
// page, the contacts detected in the new texts and the rescored people. So a
// run killed at any moment leaves the store at the end of a page, and the
// rerun resumes from the stored cursor; interactions are unique on (platform,
// platform_id) and people on (platform, platform_user_id), so a page seen
// twice changes nothing.
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
#include "lib/leads/collect/record.hpp"
#include "lib/leads/settings.hpp"
#include "lib/store/db.hpp"

namespace SQLite {
class Statement;
}

namespace webox::leads {

extern const char *const kStatuses[5]; // new, contacted, in_progress, converted, refused
bool is_status(const std::string &s);

struct RunCounts {
  int64_t new_interactions = 0;
  int64_t new_people = 0;
  int64_t new_leads = 0;
  int64_t new_contacts = 0;
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
  int64_t m_now;
  RunCounts m_counts;
};

// One page: begin → add... → set_cursor... → commit. Destroyed without
// commit() it rolls everything back.
class PageWriter {
public:
  // With `defer_scoring` (bulk imports) the touched people are only marked,
  // in this transaction, and LeadsStore::rescore_pending scores each once at
  // the end instead of once per page they appear in.
  PageWriter(LeadsStore &store, int64_t account_id /* 0 = none (JSONL import) */, bool defer_scoring = false);
  ~PageWriter();
  PageWriter(const PageWriter &) = delete;
  PageWriter &operator=(const PageWriter &) = delete;

  void add_post(const std::string &platform, const Post &post);
  // Returns true when the interaction is new.
  bool add(const Interaction &interaction);
  // The same, given what add() would compute from the text: has_intent()
  // and find_contacts() (the JSONL import computes them on worker threads).
  bool add(const Interaction &interaction, bool intent, const std::vector<ContactMatch> &contacts);
  void set_cursor(const std::string &edge, const std::string &cursor);
  void clear_cursor(const std::string &edge);
  // Rescores the people this page touched, then commits.
  void commit();

private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

// ---- Reading and managing leads ------------------------------------------

struct LeadFilter {
  std::string platform;
  std::string status;
  std::optional<int> min_score;
  bool has_phone = false;
  std::optional<int64_t> since; // last interaction at or after
  int limit = 0;                // 0 = all
};

// The filter flags every `leads` subcommand takes (--platform, --status,
// --min-score, --has-phone, --since DATE, --limit), checked: an unknown status
// or a date that does not parse is a webox::UsageError naming the flag.
LeadFilter lead_filter_from_flags(const std::string &platform, const std::string &status,
                                  std::optional<int> min_score, bool has_phone, const std::string &since, int limit);

// One lead as shown by `leads list` and `leads show` (JSON document; fields
// documented in webox-leads(1)).
std::vector<nlohmann::json> list_leads(store::Db &db, const LeadFilter &filter);
// By numeric id, "@username" or username; nullopt when absent. With
// interactions, contacts and events.
std::optional<nlohmann::json> show_lead(store::Db &db, const std::string &ref);
// Returns the lead's JSON after the change; throws UsageError for an unknown
// lead or status.
nlohmann::json set_status(store::Db &db, const std::string &ref, const std::string &status, const std::string &note);
// Leads whose username, name, interaction texts, phone or e-mail match
// `query` (digits compared without separators: "06 12" finds 06.12.34...).
std::vector<nlohmann::json> search_leads(store::Db &db, const std::string &query, const LeadFilter &filter);

} // namespace webox::leads
