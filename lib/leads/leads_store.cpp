// Accounts, people, interactions, cursors and leads in SQLite.
//
// Hot path (a million-line JSONL import goes through here): statements are
// prepared once per page, people and posts ids are cached for the run, the
// phone matcher only sees texts with 8+ digits, and scoring reads a
// covering index (person_id, occurred_at, kind, intent), never the texts.
#include "lib/leads/leads_store.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>

#include "lib/core/error.hpp"
#include "lib/leads/collect/person_index.hpp"
#include "lib/leads/contacts/phone_fallback.hpp"
#include "lib/leads/collect/record.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::leads {

const char *const kStatuses[5] = {"new", "contacted", "in_progress", "converted", "refused"};

bool is_status(const std::string &s) {
  return std::find_if(std::begin(kStatuses), std::end(kStatuses), [&](const char *x) { return s == x; }) != std::end(kStatuses);
}

LeadFilter lead_filter_from_flags(const std::string &platform, const std::string &status,
                                  std::optional<int> min_score, bool has_phone, const std::string &since, int limit) {
  LeadFilter f;
  f.platform = platform;
  if (!status.empty() && !is_status(status))
    throw UsageError("--status: '" + status + "' is not one of new, contacted, in_progress, converted, refused");
  f.status = status;
  f.min_score = min_score;
  f.has_phone = has_phone;
  f.limit = limit;
  if (!since.empty()) {
    try {
      f.since = parse_timestamp_text(since);
    } catch (const RecordError &) {
      throw UsageError("--since: '" + since + "' is not a date (2026-11-01)");
    }
  }
  return f;
}

namespace {

using nlohmann::json;

std::string digits_of(std::string_view s) {
  std::string d;
  for (char c : s)
    if (c >= '0' && c <= '9') d += c;
  return d;
}

// A stored phone (E.164) as a French user types it: the trunk prefix 0,
// then the national number ("+33669227984" -> "0669227984"), so that
// `leads search "06 69"` finds it. SQL, because search filters in SQLite:
// the country code is cut by the ITU's plan, where codes are prefix-free
// (1 and 7 alone; the two-digit codes listed; every other code has three).
constexpr const char *kNationalDigits =
    "('0' || substr(c.value, 2 + CASE WHEN substr(c.value, 2, 1) IN ('1','7') THEN 1 "
    "WHEN substr(c.value, 2, 2) IN ('20','27','30','31','32','33','34','36','39','40','41','43','44','45','46',"
    "'47','48','49','51','52','53','54','55','56','57','58','60','61','62','63','64','65','66','81','82','84',"
    "'86','90','91','92','93','94','95','98') THEN 2 ELSE 3 END))";

std::string key_of(const std::string &platform, const std::string &id) { return platform + '\x1f' + id; }

} // namespace

// ---- LeadsStore ---------------------------------------------------------------

LeadsStore::LeadsStore(store::Db &db, LeadsSettings settings, int64_t now)
    : m_db(db), m_settings(std::move(settings)), m_phones(m_settings.phone_regions), m_now(now) {
  ensure_person_index(m_db);
}

LeadsStore::~LeadsStore() = default;

int64_t LeadsStore::now() const { return m_now ? m_now : unix_now(); }

int64_t LeadsStore::account(const std::string &platform, const std::string &platform_account_id) {
  return store::guarded(m_db, [&] {
    store::WriteTransaction tx(m_db);
    SQLite::Statement ins(m_db.sql(), "INSERT INTO accounts(platform, platform_account_id, created_at) VALUES(?, ?, ?) "
                                      "ON CONFLICT(platform, platform_account_id) DO NOTHING");
    ins.bind(1, platform);
    ins.bind(2, platform_account_id);
    ins.bind(3, store::now_iso8601());
    ins.exec();
    SQLite::Statement q(m_db.sql(), "SELECT id FROM accounts WHERE platform = ? AND platform_account_id = ?");
    q.bind(1, platform);
    q.bind(2, platform_account_id);
    q.executeStep();
    int64_t id = q.getColumn(0).getInt64();
    tx.commit();
    return id;
  });
}

std::map<std::string, std::string> LeadsStore::cursors(int64_t account_id) {
  return store::guarded(m_db, [&] {
    std::map<std::string, std::string> out;
    SQLite::Statement q(m_db.sql(), "SELECT edge, cursor FROM sync_cursors WHERE account_id = ?");
    q.bind(1, account_id);
    while (q.executeStep()) out[q.getColumn(0).getString()] = q.getColumn(1).getString();
    return out;
  });
}

// ---- Scoring one person ----------------------------------------------------------

namespace {

// What scoring one person needs to know.
struct PersonFacts {
  std::vector<ScoredEvent> events;
  int64_t last = 0; // latest interaction, Unix seconds
  bool phone = false, any_contact = false;
  int64_t lead = 0; // 0 = none yet
  int old_score = -1;
  // Known when loaded in bulk: the contacts as JSON lists, and the lead's.
  bool contacts_known = false;
  json phones = json::array(), emails = json::array();
  std::string lead_phones, lead_emails;
};

struct Scorer {
  store::Db &db;
  const ScoringSettings &s;
  int64_t now;
  SQLite::Statement events{db.sql(), "SELECT kind, occurred_at, intent FROM interactions WHERE person_id = ?"};
  SQLite::Statement has_phone{db.sql(), "SELECT EXISTS(SELECT 1 FROM contacts WHERE person_id = ? AND kind = 'phone'), "
                                        "EXISTS(SELECT 1 FROM contacts WHERE person_id = ?)"};
  SQLite::Statement update_person{db.sql(), "UPDATE people SET score = ?, last_interaction_at = ?, needs_rescore = 0 "
                                            "WHERE id = ? AND (score IS NOT ? OR last_interaction_at IS NOT ? OR needs_rescore <> 0)"};
  SQLite::Statement find_lead{db.sql(), "SELECT id, score FROM leads WHERE person_id = ?"};
  SQLite::Statement insert_lead{db.sql(), "INSERT INTO leads(person_id, score, status, created_at, updated_at) "
                                          "VALUES(?, ?, 'new', ?, ?)"};
  SQLite::Statement update_lead{db.sql(), "UPDATE leads SET score = ?, updated_at = ? WHERE id = ?"};
  SQLite::Statement contacts_of{db.sql(), "SELECT kind, value FROM contacts WHERE person_id = ? ORDER BY id"};
  SQLite::Statement set_contacts{db.sql(), "UPDATE leads SET phones = ?, emails = ?, updated_at = ? WHERE id = ?"};
  SQLite::Statement event{db.sql(), "INSERT INTO lead_events(lead_id, kind, detail, created_at) VALUES(?, ?, ?, ?)"};
  std::string at = store::now_iso8601();

  Scorer(store::Db &d, const ScoringSettings &settings, int64_t n) : db(d), s(settings), now(n) {}

  void add_event(int64_t lead, const char *kind, const json &detail) {
    event.bind(1, lead);
    event.bind(2, kind);
    event.bind(3, detail.dump());
    event.bind(4, at);
    event.exec();
    event.reset();
  }

  // One person's facts, a few queries.
  PersonFacts gather(int64_t person, int64_t *interactions_read) {
    PersonFacts f;
    events.bind(1, person);
    while (events.executeStep()) {
      auto kind = parse_kind(events.getColumn(0).getString());
      int64_t ts = events.getColumn(1).getInt64();
      f.last = std::max(f.last, ts);
      if (kind) f.events.push_back({*kind, ts, events.getColumn(2).getInt() != 0});
    }
    events.reset();
    if (interactions_read) *interactions_read += static_cast<int64_t>(f.events.size());
    has_phone.bind(1, person);
    has_phone.bind(2, person);
    has_phone.executeStep();
    f.phone = has_phone.getColumn(0).getInt() != 0;
    f.any_contact = has_phone.getColumn(1).getInt() != 0;
    has_phone.reset();
    find_lead.bind(1, person);
    if (find_lead.executeStep()) {
      f.lead = find_lead.getColumn(0).getInt64();
      f.old_score = find_lead.getColumn(1).getInt();
    }
    find_lead.reset();
    return f;
  }

  // Returns {score changed, lead created}.
  std::pair<bool, bool> rescore(int64_t person, bool contacts_changed, int64_t *interactions_read = nullptr) {
    return apply(person, gather(person, interactions_read), contacts_changed);
  }

  std::pair<bool, bool> apply(int64_t person, PersonFacts f, bool contacts_changed) {
    const int64_t last = f.last;
    int value = score(raw_points(std::move(f.events), f.phone, now, s), s);

    update_person.bind(1, value);
    update_person.bind(2, last);
    update_person.bind(3, person);
    update_person.bind(4, value);
    update_person.bind(5, last);
    update_person.exec();
    bool changed = db.sql().getChanges() > 0;
    update_person.reset();

    int64_t lead = f.lead;
    bool created = false;
    if (!lead && (value >= s.threshold || f.any_contact)) {
      insert_lead.bind(1, person);
      insert_lead.bind(2, value);
      insert_lead.bind(3, at);
      insert_lead.bind(4, at);
      insert_lead.exec();
      insert_lead.reset();
      lead = db.sql().getLastInsertRowid();
      created = true;
      add_event(lead, "created", {{"score", value}, {"reason", value >= s.threshold ? "score" : "contact"}});
      contacts_changed = true;
      f.lead_phones = f.lead_emails = "[]";
    } else if (lead && f.old_score != value) {
      // A lead stays a lead when its score decays below the threshold: the
      // history of someone who once raised a hand is worth keeping.
      update_lead.bind(1, value);
      update_lead.bind(2, at);
      update_lead.bind(3, lead);
      update_lead.exec();
      update_lead.reset();
    }
    if (lead && contacts_changed) {
      if (!f.contacts_known) {
        contacts_of.bind(1, person);
        while (contacts_of.executeStep())
          (contacts_of.getColumn(0).getString() == "phone" ? f.phones : f.emails).push_back(contacts_of.getColumn(1).getString());
        contacts_of.reset();
      }
      std::string phones = f.phones.dump(), emails = f.emails.dump();
      if (!f.contacts_known || phones != f.lead_phones || emails != f.lead_emails) {
        set_contacts.bind(1, phones);
        set_contacts.bind(2, emails);
        set_contacts.bind(3, at);
        set_contacts.bind(4, lead);
        set_contacts.exec();
        set_contacts.reset();
      }
    }
    return {changed, created};
  }
};

// The facts of a batch of people, ids ascending, in three range queries
// instead of a few queries per person (what makes the end of a million-line
// import, and `leads rescore`, cheap). `only_marked`: the batch is the people
// with needs_rescore = 1 in [front, back]; otherwise every person in that range.
std::map<int64_t, PersonFacts> gather_batch(store::Db &db, const std::vector<int64_t> &ids, bool only_marked,
                                            int64_t *interactions_read) {
  std::map<int64_t, PersonFacts> facts;
  for (int64_t id : ids) facts[id].contacts_known = true;
  const int64_t first = ids.front(), last = ids.back();
  auto in_batch = [&](int64_t person) -> PersonFacts * {
    auto it = facts.find(person);
    return it == facts.end() ? nullptr : &it->second;
  };
  SQLite::Statement ev(db.sql(), only_marked
                                     ? "SELECT i.person_id, i.kind, i.occurred_at, i.intent FROM interactions i WHERE i.person_id IN "
                                       "(SELECT id FROM people WHERE needs_rescore = 1 AND id BETWEEN ?1 AND ?2)"
                                     : "SELECT person_id, kind, occurred_at, intent FROM interactions WHERE person_id BETWEEN ?1 AND ?2");
  ev.bind(1, first);
  ev.bind(2, last);
  while (ev.executeStep()) {
    PersonFacts *f = in_batch(ev.getColumn(0).getInt64());
    if (!f) continue;
    auto kind = parse_kind(ev.getColumn(1).getText());
    int64_t ts = ev.getColumn(2).getInt64();
    f->last = std::max(f->last, ts);
    if (kind) f->events.push_back({*kind, ts, ev.getColumn(3).getInt() != 0});
    if (interactions_read) ++*interactions_read;
  }
  SQLite::Statement ct(db.sql(), "SELECT person_id, kind, value FROM contacts WHERE person_id BETWEEN ? AND ? ORDER BY person_id, id");
  ct.bind(1, first);
  ct.bind(2, last);
  while (ct.executeStep()) {
    PersonFacts *f = in_batch(ct.getColumn(0).getInt64());
    if (!f) continue;
    bool phone = std::string_view(ct.getColumn(1).getText()) == "phone";
    f->any_contact = true;
    f->phone = f->phone || phone;
    (phone ? f->phones : f->emails).push_back(ct.getColumn(2).getString());
  }
  SQLite::Statement ld(db.sql(), "SELECT person_id, id, score, phones, emails FROM leads WHERE person_id BETWEEN ? AND ?");
  ld.bind(1, first);
  ld.bind(2, last);
  while (ld.executeStep()) {
    PersonFacts *f = in_batch(ld.getColumn(0).getInt64());
    if (!f) continue;
    f->lead = ld.getColumn(1).getInt64();
    f->old_score = ld.getColumn(2).getInt();
    f->lead_phones = ld.getColumn(3).getString();
    f->lead_emails = ld.getColumn(4).getString();
  }
  return facts;
}

} // namespace

LeadsStore::RescoreCounts LeadsStore::rescore_all(int batch) {
  RescoreCounts counts;
  return store::guarded(m_db, [&] {
    int64_t after = 0;
    for (;;) {
      store::WriteTransaction tx(m_db);
      std::vector<int64_t> ids;
      {
        SQLite::Statement q(m_db.sql(), "SELECT id FROM people WHERE id > ? ORDER BY id LIMIT ?");
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
        SQLite::Statement q(m_db.sql(), "SELECT id FROM people WHERE needs_rescore = 1 ORDER BY id LIMIT ?");
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
      SQLite::Statement ins(m_db.sql(), "INSERT INTO contacts(person_id, kind, value, raw, digits, region, type, interaction_id, "
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
        added += m_db.sql().getChanges();
        ins.reset();
      }
      if (added && defer_scoring) {
        SQLite::Statement mark(m_db.sql(), "UPDATE people SET needs_rescore = 1 WHERE id = ?");
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

// ---- PageWriter ---------------------------------------------------------------------

struct PageWriter::Impl {
  LeadsStore &store;
  int64_t account_id;
  bool defer_scoring;
  store::WriteTransaction tx;
  std::string now_text = store::now_iso8601();
  SQLite::Statement find_person{store.m_db.sql(), "SELECT id, username, name FROM people WHERE platform = ? AND platform_user_id = ?"};
  SQLite::Statement insert_person{store.m_db.sql(), "INSERT INTO people(platform, platform_user_id, username, name, created_at) "
                                                     "VALUES(?, ?, ?, ?, ?)"};
  SQLite::Statement rename_person{store.m_db.sql(), "UPDATE people SET username = ?, name = ? WHERE id = ?"};
  SQLite::Statement upsert_post{store.m_db.sql(),
                                "INSERT INTO posts(platform, platform_id, account_id, caption, permalink, like_count, "
                                "comments_count, posted_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                "ON CONFLICT(platform, platform_id) DO UPDATE SET "
                                "caption = coalesce(excluded.caption, caption), permalink = coalesce(excluded.permalink, permalink), "
                                "like_count = coalesce(excluded.like_count, like_count), "
                                "comments_count = coalesce(excluded.comments_count, comments_count), "
                                "posted_at = coalesce(excluded.posted_at, posted_at), updated_at = excluded.updated_at"};
  SQLite::Statement find_post{store.m_db.sql(), "SELECT id FROM posts WHERE platform = ? AND platform_id = ?"};
  SQLite::Statement insert_interaction{store.m_db.sql(),
                                       "INSERT INTO interactions(platform, platform_id, kind, person_id, post_id, account_id, "
                                       "text, intent, occurred_at, collected_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                       "ON CONFLICT(platform, platform_id) DO NOTHING"};
  SQLite::Statement insert_contact{store.m_db.sql(),
                                   "INSERT INTO contacts(person_id, kind, value, raw, digits, region, type, interaction_id, created_at) "
                                   "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(person_id, kind, value) DO NOTHING"};
  SQLite::Statement upsert_cursor{store.m_db.sql(), "INSERT INTO sync_cursors(account_id, edge, cursor, updated_at) VALUES(?, ?, ?, ?) "
                                                     "ON CONFLICT(account_id, edge) DO UPDATE SET cursor = excluded.cursor, "
                                                     "updated_at = excluded.updated_at"};
  SQLite::Statement delete_cursor{store.m_db.sql(), "DELETE FROM sync_cursors WHERE account_id = ? AND edge = ?"};
  // The store's run-wide caches are used and filled directly (one lookup a
  // row); the keys this page added or changed are remembered so that a page
  // that rolls back takes them out again (its new ids never existed).
  std::vector<std::string> cached_people, cached_posts;
  // One entry per new interaction: (person id, its contacts changed),
  // appended row after row and merged per person once, at commit (a hash
  // map filled row by row, rehashed as each page grew, cost more).
  std::vector<std::pair<int64_t, bool>> touched;
  RunCounts counts;
  bool committed = false;

  ~Impl() {
    if (committed) return;
    for (const auto &key : cached_people) store.m_people.erase(key);
    for (const auto &key : cached_posts) store.m_posts.erase(key);
  }

  SQLite::Statement mark_rescore{store.m_db.sql(), "UPDATE people SET needs_rescore = 1 WHERE id = ? AND needs_rescore = 0"};
  SQLite::Statement insert_marked_person{store.m_db.sql(), "INSERT INTO people(platform, platform_user_id, username, name, "
                                                            "created_at, needs_rescore) VALUES(?, ?, ?, ?, ?, 1)"};

  Impl(LeadsStore &s, int64_t account, bool defer) : store(s), account_id(account), defer_scoring(defer), tx(s.m_db) {}

  // Usernames change; keep the latest one a source tells (never erase one).
  void maybe_rename(LeadsStore::CachedPerson &known, const Person &p) {
    bool rename = (!p.username.empty() && p.username != known.username) || (!p.name.empty() && p.name != known.name);
    if (!rename) return;
    if (!p.username.empty()) known.username = p.username;
    if (!p.name.empty()) known.name = p.name;
    rename_person.bind(1, known.username);
    rename_person.bind(2, known.name);
    rename_person.bind(3, known.id);
    rename_person.exec();
    rename_person.reset();
  }

  // The cache key of (platform, id), built in a buffer reused row after
  // row: a cache hit, the common case, allocates nothing.
  std::string key_buffer;
  std::string_view key_view(const std::string &platform, const std::string &id) {
    key_buffer.assign(platform);
    key_buffer += '\x1f';
    key_buffer += id;
    return key_buffer;
  }

  int64_t person(const Interaction &it) {
    if (auto hit = store.m_people.find(key_view(it.platform, it.person.id)); hit != store.m_people.end()) {
      LeadsStore::CachedPerson &known = hit->second;
      if ((!it.person.username.empty() && it.person.username != known.username) ||
          (!it.person.name.empty() && it.person.name != known.name)) {
        cached_people.push_back(hit->first);
        maybe_rename(known, it.person);
      }
      return known.id;
    }
    std::string key = key_buffer;
    find_person.bind(1, it.platform);
    find_person.bind(2, it.person.id);
    LeadsStore::CachedPerson known{0, {}, {}};
    if (find_person.executeStep()) {
      known = {find_person.getColumn(0).getInt64(), find_person.getColumn(1).getString(), find_person.getColumn(2).getString()};
      find_person.reset();
      maybe_rename(known, it.person);
    } else {
      find_person.reset();
      // A deferred-scoring page inserts its new people already marked: one
      // statement instead of an insert and an update.
      auto &ins = defer_scoring ? insert_marked_person : insert_person;
      ins.bind(1, it.platform);
      ins.bind(2, it.person.id);
      ins.bind(3, it.person.username);
      ins.bind(4, it.person.name);
      ins.bind(5, now_text);
      ins.exec();
      ins.reset();
      known = {store.m_db.sql().getLastInsertRowid(), it.person.username, it.person.name};
      if (defer_scoring) inserted_marked.push_back(known.id);
      ++counts.new_people;
    }
    int64_t id = known.id;
    cached_people.push_back(key);
    store.m_people.emplace(std::move(key), std::move(known));
    return id;
  }
  std::vector<int64_t> inserted_marked; // new people of this page, inserted with needs_rescore = 1 (ids ascending)
  std::vector<LeadsStore::AskLater> ask_later;  // texts for the LLM phone fallback, once committed

  int64_t post(const std::string &platform, const Post &p) {
    bool bare = !p.like_count && !p.comments_count && p.caption.empty() && p.permalink.empty() && !p.timestamp;
    if (bare) {
      // A bare id teaches nothing new about a post already stored.
      if (auto hit = store.m_posts.find(key_view(platform, p.id)); hit != store.m_posts.end()) return hit->second;
    }
    std::string key = key_of(platform, p.id);
    auto opt_text = [](SQLite::Statement &st, int i, const std::string &v) {
      if (v.empty()) st.bind(i);
      else st.bind(i, v);
    };
    auto opt_int = [](SQLite::Statement &st, int i, const std::optional<int64_t> &v) {
      if (v) st.bind(i, *v);
      else st.bind(i);
    };
    upsert_post.bind(1, platform);
    upsert_post.bind(2, p.id);
    if (account_id) upsert_post.bind(3, account_id);
    else upsert_post.bind(3);
    opt_text(upsert_post, 4, p.caption);
    opt_text(upsert_post, 5, p.permalink);
    opt_int(upsert_post, 6, p.like_count);
    opt_int(upsert_post, 7, p.comments_count);
    opt_int(upsert_post, 8, p.timestamp);
    upsert_post.bind(9, now_text);
    upsert_post.exec();
    upsert_post.reset();
    find_post.bind(1, platform);
    find_post.bind(2, p.id);
    find_post.executeStep();
    int64_t id = find_post.getColumn(0).getInt64();
    find_post.reset();
    cached_posts.push_back(key);
    store.m_posts.insert_or_assign(std::move(key), id);
    return id;
  }

  // `contacts`: those of it.text, or nullptr to find them here if it is new.
  bool add_row(const Interaction &it, bool intent, const std::vector<ContactMatch> *contacts) {
    ++counts.items;
    int64_t person_id = person(it);
    int64_t post_id = it.post ? post(it.platform, *it.post) : 0;
    // bindNoCopy: `it` and now_text outlive exec(), and copying four texts
    // a row was a visible part of an import's malloc time.
    auto &st = insert_interaction;
    st.bindNoCopy(1, it.platform);
    st.bindNoCopy(2, it.platform_id);
    st.bindNoCopy(3, kind_name(it.kind));
    st.bind(4, person_id);
    if (post_id) st.bind(5, post_id);
    else st.bind(5);
    if (account_id) st.bind(6, account_id);
    else st.bind(6);
    st.bindNoCopy(7, it.text);
    st.bind(8, intent ? 1 : 0);
    st.bind(9, it.timestamp);
    st.bindNoCopy(10, now_text);
    st.exec();
    bool inserted = store.m_db.sql().getChanges() > 0;
    st.reset();
    if (!inserted) return false;
    int64_t interaction_id = store.m_db.sql().getLastInsertRowid();
    ++counts.new_interactions;
    std::vector<ContactMatch> found;
    if (!contacts) {
      found = find_contacts(store.m_phones, it.text);
      contacts = &found;
    }
    bool contacts_changed = false, phone_found = false;
    for (const ContactMatch &c : *contacts) {
      phone_found = phone_found || c.kind == "phone";
      auto &ic = insert_contact;
      ic.bind(1, person_id);
      ic.bind(2, c.kind);
      ic.bind(3, c.value);
      ic.bind(4, c.raw);
      ic.bind(5, digits_of(c.raw));
      ic.bind(6, c.region);
      ic.bind(7, c.type);
      ic.bind(8, interaction_id);
      ic.bind(9, now_text);
      ic.exec();
      if (store.m_db.sql().getChanges() > 0) {
        contacts_changed = true;
        ++counts.new_contacts;
      }
      ic.reset();
    }
    if (store.m_asker && !phone_found && looks_like_hidden_phone(it.text)) ask_later.push_back({interaction_id, person_id, it.text});
    touched.emplace_back(person_id, contacts_changed);
    return true;
  }

  // `touched` as one entry per person, its flags or-ed, by ascending id.
  void merge_touched() {
    std::sort(touched.begin(), touched.end());
    size_t out = 0;
    for (size_t i = 0; i < touched.size(); ++i) {
      if (out > 0 && touched[out - 1].first == touched[i].first) touched[out - 1].second = touched[out - 1].second || touched[i].second;
      else touched[out++] = touched[i];
    }
    touched.resize(out);
  }

  bool inserted_marked_here(int64_t person) const {
    return std::binary_search(inserted_marked.begin(), inserted_marked.end(), person);
  }

  // After COMMIT: what this page cached is now true for the rest of the run.
  void publish() {
    committed = true;
    // Bounded memory: past kMaxCached entries a cache starts over.
    if (store.m_people.size() > LeadsStore::kMaxCached) store.m_people.clear();
    if (store.m_posts.size() > LeadsStore::kMaxCached) store.m_posts.clear();
    if (defer_scoring) {
      if (store.m_marked.size() + touched.size() > LeadsStore::kMaxCached) store.m_marked.clear();
      for (auto [person, contacts_changed] : touched) store.m_marked.insert(person);
    }
  }
};

PageWriter::PageWriter(LeadsStore &store, int64_t account_id, bool defer_scoring) {
  store::guarded(store.m_db, [&] { m = std::make_unique<Impl>(store, account_id, defer_scoring); });
}

PageWriter::~PageWriter() = default; // an uncommitted transaction rolls back

void PageWriter::add_post(const std::string &platform, const Post &post) {
  store::guarded(m->store.m_db, [&] { m->post(platform, post); });
}

bool PageWriter::add(const Interaction &it) {
  // Contacts are looked for only in a new interaction's text (the matcher
  // is the costly part); add_row() calls back for them.
  return store::guarded(m->store.m_db, [&] { return m->add_row(it, has_intent(it.text), nullptr); });
}

bool PageWriter::add(const Interaction &it, bool intent, const std::vector<ContactMatch> &contacts) {
  return store::guarded(m->store.m_db, [&] { return m->add_row(it, intent, &contacts); });
}

void PageWriter::set_cursor(const std::string &edge, const std::string &cursor) {
  store::guarded(m->store.m_db, [&] {
    if (!m->account_id) return;
    m->upsert_cursor.bind(1, m->account_id);
    m->upsert_cursor.bind(2, edge);
    m->upsert_cursor.bind(3, cursor);
    m->upsert_cursor.bind(4, m->now_text);
    m->upsert_cursor.exec();
    m->upsert_cursor.reset();
  });
}

void PageWriter::clear_cursor(const std::string &edge) {
  store::guarded(m->store.m_db, [&] {
    if (!m->account_id) return;
    m->delete_cursor.bind(1, m->account_id);
    m->delete_cursor.bind(2, edge);
    m->delete_cursor.exec();
    m->delete_cursor.reset();
  });
}

void PageWriter::commit() {
  store::guarded(m->store.m_db, [&] {
    m->merge_touched();
    if (m->defer_scoring) {
      // Marked in the same transaction as the page: a crash before the
      // deferred scoring leaves the marks, and the next run scores them.
      // A person this run already marked (or inserted marked) stays marked
      // until rescore_pending, so is not updated again.
      for (auto [person, contacts_changed] : m->touched) {
        if (m->store.m_marked.count(person) || m->inserted_marked_here(person)) continue;
        m->mark_rescore.bind(1, person);
        m->mark_rescore.exec();
        m->mark_rescore.reset();
      }
    } else if (!m->touched.empty()) {
      Scorer scorer(m->store.m_db, m->store.m_settings.scoring, m->store.now());
      for (auto [person, contacts_changed] : m->touched) m->counts.new_leads += scorer.rescore(person, contacts_changed).second;
    }
    m->tx.commit();
    m->publish();
    RunCounts &total = m->store.m_counts;
    total.new_interactions += m->counts.new_interactions;
    total.new_people += m->counts.new_people;
    total.new_leads += m->counts.new_leads;
    total.new_contacts += m->counts.new_contacts;
    total.items += m->counts.items;
    ++total.pages;
  });
  if (!m->ask_later.empty()) m->store.ask_model(m->ask_later, m->defer_scoring);
}

// ---- Reading ---------------------------------------------------------------------------

namespace {

constexpr const char *kLeadSelect =
    "SELECT l.id, l.score, l.status, l.phones, l.emails, l.created_at, l.updated_at, "
    "p.id, p.platform, p.platform_user_id, p.username, p.name, p.last_interaction_at, "
    "(SELECT count(*) FROM interactions i WHERE i.person_id = p.id) "
    "FROM leads l JOIN people p ON p.id = l.person_id ";

json lead_row(SQLite::Statement &q) {
  auto parse_list = [](const std::string &s) {
    auto j = parse_json_or_discarded(s);
    return j.is_array() ? j : json::array();
  };
  json person = {{"id", q.getColumn(7).getInt64()},
                 {"platform", q.getColumn(8).getString()},
                 {"platform_user_id", q.getColumn(9).getString()},
                 {"username", q.getColumn(10).getString()},
                 {"name", q.getColumn(11).getString()}};
  return {{"id", q.getColumn(0).getInt64()},
          {"score", q.getColumn(1).getInt()},
          {"status", q.getColumn(2).getString()},
          {"phones", parse_list(q.getColumn(3).getString())},
          {"emails", parse_list(q.getColumn(4).getString())},
          {"created_at", q.getColumn(5).getString()},
          {"updated_at", q.getColumn(6).getString()},
          {"person", person},
          {"last_interaction_at", q.getColumn(12).isNull() ? json(nullptr) : json(iso8601_utc(q.getColumn(12).getInt64()))},
          {"interactions", q.getColumn(13).getInt64()}};
}

std::string where_clause(const LeadFilter &f, std::vector<std::variant<int64_t, std::string>> &binds) {
  std::vector<std::string> parts;
  if (!f.platform.empty()) parts.push_back("p.platform = ?"), binds.emplace_back(f.platform);
  if (!f.status.empty()) parts.push_back("l.status = ?"), binds.emplace_back(f.status);
  if (f.min_score) parts.push_back("l.score >= ?"), binds.emplace_back(int64_t{*f.min_score});
  if (f.has_phone) parts.push_back("l.phones <> '[]'");
  if (f.since) parts.push_back("p.last_interaction_at >= ?"), binds.emplace_back(*f.since);
  std::string sql;
  for (size_t i = 0; i < parts.size(); ++i) sql += (i ? " AND " : "") + parts[i];
  return sql;
}

void bind_all(SQLite::Statement &q, const std::vector<std::variant<int64_t, std::string>> &binds, int first = 1) {
  int i = first;
  for (const auto &b : binds) {
    if (std::holds_alternative<int64_t>(b)) q.bind(i++, std::get<int64_t>(b));
    else q.bind(i++, std::get<std::string>(b));
  }
}

std::optional<int64_t> resolve_lead(store::Db &db, const std::string &ref) {
  bool numeric = !ref.empty() && std::all_of(ref.begin(), ref.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (numeric) {
    SQLite::Statement q(db.sql(), "SELECT id FROM leads WHERE id = ?");
    q.bind(1, static_cast<int64_t>(std::stoll(ref)));
    if (q.executeStep()) return q.getColumn(0).getInt64();
    return std::nullopt;
  }
  std::string name = ref.starts_with("@") ? ref.substr(1) : ref;
  SQLite::Statement q(db.sql(), "SELECT l.id FROM leads l JOIN people p ON p.id = l.person_id "
                                "WHERE p.username = ? OR p.platform_user_id = ? ORDER BY l.score DESC, l.id LIMIT 2");
  q.bind(1, name);
  q.bind(2, ref);
  std::vector<int64_t> ids;
  while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
  if (ids.size() > 1) throw UsageError("'" + ref + "' names leads on several platforms; use the lead id (webox leads search " + name + ")");
  if (ids.empty()) return std::nullopt;
  return ids.front();
}

json lead_by_id(store::Db &db, int64_t id) {
  SQLite::Statement q(db.sql(), std::string(kLeadSelect) + "WHERE l.id = ?");
  q.bind(1, id);
  q.executeStep();
  return lead_row(q);
}

} // namespace

std::vector<json> list_leads(store::Db &db, const LeadFilter &f) {
  return store::guarded(db, [&] {
    std::vector<std::variant<int64_t, std::string>> binds;
    std::string where = where_clause(f, binds);
    std::string sql = std::string(kLeadSelect) + (where.empty() ? "" : "WHERE " + where) + " ORDER BY l.score DESC, l.id";
    if (f.limit > 0) sql += " LIMIT " + std::to_string(f.limit);
    SQLite::Statement q(db.sql(), sql);
    bind_all(q, binds);
    std::vector<json> out;
    while (q.executeStep()) out.push_back(lead_row(q));
    return out;
  });
}

std::optional<json> show_lead(store::Db &db, const std::string &ref) {
  return store::guarded(db, [&]() -> std::optional<json> {
    auto id = resolve_lead(db, ref);
    if (!id) return std::nullopt;
    json lead = lead_by_id(db, *id);
    int64_t person = lead["person"]["id"];
    json interactions = json::array();
    SQLite::Statement qi(db.sql(), "SELECT i.id, i.platform_id, i.kind, i.text, i.occurred_at, po.platform_id FROM interactions i "
                                   "LEFT JOIN posts po ON po.id = i.post_id WHERE i.person_id = ? ORDER BY i.occurred_at DESC, i.id DESC LIMIT 50");
    qi.bind(1, person);
    while (qi.executeStep())
      interactions.push_back({{"id", qi.getColumn(0).getInt64()},
                              {"platform_id", qi.getColumn(1).getString()},
                              {"kind", qi.getColumn(2).getString()},
                              {"text", qi.getColumn(3).getString()},
                              {"timestamp", iso8601_utc(qi.getColumn(4).getInt64())},
                              {"post", qi.getColumn(5).isNull() ? json(nullptr) : json(qi.getColumn(5).getString())}});
    json contacts = json::array();
    SQLite::Statement qc(db.sql(), "SELECT c.kind, c.value, c.raw, c.region, c.type, i.platform_id, c.detected_by FROM contacts c "
                                   "LEFT JOIN interactions i ON i.id = c.interaction_id WHERE c.person_id = ? ORDER BY c.id");
    qc.bind(1, person);
    while (qc.executeStep())
      contacts.push_back({{"kind", qc.getColumn(0).getString()},
                          {"value", qc.getColumn(1).getString()},
                          {"raw", qc.getColumn(2).getString()},
                          {"region", qc.getColumn(3).getString()},
                          {"type", qc.getColumn(4).getString()},
                          {"source_interaction", qc.getColumn(5).getString()},
                          {"detected_by", qc.getColumn(6).getString()}});
    json events = json::array();
    SQLite::Statement qe(db.sql(), "SELECT kind, detail, created_at FROM lead_events WHERE lead_id = ? ORDER BY id");
    qe.bind(1, *id);
    while (qe.executeStep()) {
      auto detail = parse_json_or_discarded(qe.getColumn(1).getString());
      events.push_back({{"kind", qe.getColumn(0).getString()},
                        {"detail", detail.is_discarded() ? json(nullptr) : detail},
                        {"at", qe.getColumn(2).getString()}});
    }
    lead["recent_interactions"] = interactions;
    lead["contacts"] = contacts;
    lead["events"] = events;
    return lead;
  });
}

json set_status(store::Db &db, const std::string &ref, const std::string &status, const std::string &note) {
  if (!is_status(status))
    throw UsageError("unknown status '" + status + "' (expected new, contacted, in_progress, converted or refused)");
  return store::guarded(db, [&] {
    store::WriteTransaction tx(db);
    auto id = resolve_lead(db, ref);
    if (!id) throw UsageError("no lead " + ref);
    SQLite::Statement old(db.sql(), "SELECT status FROM leads WHERE id = ?");
    old.bind(1, *id);
    old.executeStep();
    std::string from = old.getColumn(0).getString();
    std::string at = store::now_iso8601();
    if (from != status) {
      SQLite::Statement up(db.sql(), "UPDATE leads SET status = ?, updated_at = ? WHERE id = ?");
      up.bind(1, status);
      up.bind(2, at);
      up.bind(3, *id);
      up.exec();
      json detail = {{"from", from}, {"to", status}};
      if (!note.empty()) detail["note"] = note;
      SQLite::Statement ev(db.sql(), "INSERT INTO lead_events(lead_id, kind, detail, created_at) VALUES(?, 'status', ?, ?)");
      ev.bind(1, *id);
      ev.bind(2, detail.dump());
      ev.bind(3, at);
      ev.exec();
    }
    tx.commit();
    return lead_by_id(db, *id);
  });
}

std::vector<json> search_leads(store::Db &db, const std::string &query, const LeadFilter &f) {
  return store::guarded(db, [&] {
    std::vector<std::variant<int64_t, std::string>> binds;
    std::string where = where_clause(f, binds);
    std::string like = "%" + query + "%";
    std::string digits = digits_of(query);
    std::string match = "(p.username LIKE ?1 OR p.name LIKE ?1 OR l.emails LIKE ?1 OR l.phones LIKE ?1 "
                        "OR EXISTS(SELECT 1 FROM interactions i WHERE i.person_id = p.id AND i.text LIKE ?1)";
    // ?2 is always present so that the filter's plain '?' parameters number from 3.
    match += " OR (length(?2) >= 4 AND EXISTS(SELECT 1 FROM contacts c WHERE c.person_id = p.id AND (c.digits LIKE ?2 OR "
             "c.value LIKE ?2 OR (c.kind = 'phone' AND " + std::string(kNationalDigits) + " LIKE ?2)))))";
    std::string sql = std::string(kLeadSelect) + "WHERE " + match + (where.empty() ? "" : " AND " + where) + " ORDER BY l.score DESC, l.id";
    if (f.limit > 0) sql += " LIMIT " + std::to_string(f.limit);
    SQLite::Statement q(db.sql(), sql);
    q.bind(1, like);
    q.bind(2, "%" + digits + "%");
    bind_all(q, binds, 3);
    std::vector<json> out;
    while (q.executeStep()) out.push_back(lead_row(q));
    return out;
  });
}

} // namespace webox::leads
