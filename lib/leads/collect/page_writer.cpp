// One page of collected items in one transaction.
//
// Hot path (a million-line JSONL import goes through here): statements are
// prepared once per page, people and posts ids are cached for the run, the
// phone matcher only sees texts with 8+ digits, and scoring reads a
// covering index (person_id, occurred_at, kind, intent), never the texts.
#include "lib/leads/collect/page_writer.hpp"

#include <algorithm>

#include "lib/store/db.hpp"

#include "lib/leads/contacts/phone_fallback.hpp"
#include "lib/leads/score/scorer.hpp"

namespace webox::leads {
namespace {

std::string key_of(const std::string &platform, const std::string &id) { return platform + '\x1f' + id; }

} // namespace

struct PageWriter::Impl {
  LeadsStore &store;
  int64_t account_id;
  bool defer_scoring;
  store::WriteTransaction tx;
  std::string now_text = store::now_iso8601();
  store::Statement find_person{store.m_db, "SELECT id, username, name FROM people WHERE platform = ? AND platform_user_id = ?"};
  store::Statement insert_person{store.m_db, "INSERT INTO people(platform, platform_user_id, username, name, created_at) "
                                                     "VALUES(?, ?, ?, ?, ?)"};
  store::Statement rename_person{store.m_db, "UPDATE people SET username = ?, name = ? WHERE id = ?"};
  store::Statement upsert_post{store.m_db,
                                "INSERT INTO posts(platform, platform_id, account_id, caption, permalink, like_count, "
                                "comments_count, posted_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                "ON CONFLICT(platform, platform_id) DO UPDATE SET "
                                "caption = coalesce(excluded.caption, posts.caption), permalink = coalesce(excluded.permalink, posts.permalink), "
                                "like_count = coalesce(excluded.like_count, posts.like_count), "
                                "comments_count = coalesce(excluded.comments_count, posts.comments_count), "
                                "posted_at = coalesce(excluded.posted_at, posts.posted_at), updated_at = excluded.updated_at"};
  store::Statement find_post{store.m_db, "SELECT id FROM posts WHERE platform = ? AND platform_id = ?"};
  store::Statement insert_interaction{store.m_db,
                                       "INSERT INTO interactions(platform, platform_id, kind, person_id, post_id, account_id, "
                                       "text, intent, occurred_at, collected_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                       "ON CONFLICT(platform, platform_id) DO NOTHING"};
  store::Statement insert_contact{store.m_db,
                                   "INSERT INTO contacts(person_id, kind, value, raw, digits, region, type, interaction_id, created_at) "
                                   "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(person_id, kind, value) DO NOTHING"};
  store::Statement upsert_cursor{store.m_db, "INSERT INTO sync_cursors(account_id, edge, cursor, updated_at) VALUES(?, ?, ?, ?) "
                                                     "ON CONFLICT(account_id, edge) DO UPDATE SET cursor = excluded.cursor, "
                                                     "updated_at = excluded.updated_at"};
  // An opt-out word in what the person wrote (lib/leads/optout/): recorded in
  // the page's transaction, so no campaign sees the text without the opt-out.
  store::Statement insert_optout{store.m_db, "INSERT INTO optouts(person_id, reason, source, interaction_id, created_at) "
                                                     "VALUES(?, ?, ?, ?, ?) ON CONFLICT(person_id) DO NOTHING"};
  store::Statement delete_cursor{store.m_db, "DELETE FROM sync_cursors WHERE account_id = ? AND edge = ?"};
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

  store::Statement mark_rescore{store.m_db, "UPDATE people SET needs_rescore = 1 WHERE id = ? AND needs_rescore = 0"};
  store::Statement insert_marked_person{store.m_db, "INSERT INTO people(platform, platform_user_id, username, name, "
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
      if (store.suppressed(it.platform, it.person.id, it.person.username)) return 0;
      // A deferred-scoring page inserts its new people already marked: one
      // statement instead of an insert and an update.
      auto &ins = defer_scoring ? insert_marked_person : insert_person;
      ins.bind(1, it.platform);
      ins.bind(2, it.person.id);
      ins.bind(3, it.person.username);
      ins.bind(4, it.person.name);
      ins.bind(5, now_text);
      known = {store::inserted_id(ins).value_or(0), it.person.username, it.person.name};
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
    auto opt_text = [](store::Statement &st, int i, const std::string &v) {
      if (v.empty()) st.bind(i);
      else st.bind(i, v);
    };
    auto opt_int = [](store::Statement &st, int i, const std::optional<int64_t> &v) {
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
    if (person_id == 0) return false; // forgotten: never stored again
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
    // No row inserted: the interaction was known (ON CONFLICT DO NOTHING).
    // inserted_id, not RETURNING: this is the import's hottest statement.
    std::optional<int64_t> inserted = store::inserted_id(st);
    if (!inserted) return false;
    int64_t interaction_id = *inserted;
    ++counts.new_interactions;
    note_optout(it, person_id, interaction_id);
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
      if (store.m_db.getChanges() > 0) {
        contacts_changed = true;
        ++counts.new_contacts;
      }
      ic.reset();
    }
    if (store.m_asker && !phone_found && looks_like_hidden_phone(it.text)) ask_later.push_back({interaction_id, person_id, it.text});
    touched.emplace_back(person_id, contacts_changed);
    return true;
  }

  void note_optout(const Interaction &it, int64_t person_id, int64_t interaction_id) {
    if (it.kind == Kind::like || it.text.empty()) return;
    const std::string word = store.m_optout_words.find(it.text);
    if (word.empty()) return;
    auto &q = insert_optout;
    q.bind(1, person_id);
    q.bind(2, "wrote \"" + word + "\"");
    q.bind(3, kind_name(it.kind));
    q.bind(4, interaction_id);
    q.bind(5, now_text);
    q.exec();
    if (store.m_db.getChanges() > 0) ++counts.new_optouts;
    q.reset();
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
    total.new_optouts += m->counts.new_optouts;
    ++total.pages;
  });
  if (!m->ask_later.empty()) m->store.ask_model(m->ask_later, m->defer_scoring);
}

} // namespace webox::leads
