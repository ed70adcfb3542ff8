#include "lib/leads/privacy/privacy.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "lib/store/db.hpp"

#include "lib/core/atomic_file.hpp"
#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/core/paths.hpp"
#include "lib/leads/collect/record.hpp"

namespace webox::leads {
namespace {

using nlohmann::json;

std::filesystem::path privacy_salt_file(const std::filesystem::path &database) {
  return database.parent_path() / "webox-suppression.salt";
}

std::string privacy_read_salt(const std::filesystem::path &file) {
  std::ifstream in(file);
  std::string salt;
  std::getline(in, salt);
  return salt.size() == 64 ? salt : std::string();
}

// Rows of `sql` (one ? bound to `id`) as JSON objects, columns by name.
json privacy_rows(store::Db &db, const std::string &sql, int64_t id) {
  json out = json::array();
  store::Statement q(db, sql);
  q.bind(1, id);
  while (q.executeStep()) {
    json row = json::object();
    for (int c = 0; c < q.getColumnCount(); ++c) {
      const store::Column col = q.getColumn(c);
      if (col.isNull()) row[col.getName()] = nullptr;
      else if (col.isInteger()) row[col.getName()] = col.getInt64();
      else if (col.isFloat()) row[col.getName()] = col.getDouble();
      else row[col.getName()] = col.getString();
    }
    out.push_back(std::move(row));
  }
  return out;
}

int64_t privacy_exec(store::Db &db, const std::string &sql, int64_t id) {
  store::Statement q(db, sql);
  q.bind(1, id);
  return q.exec();
}

// '%' and '_' are common in handles: matched as themselves.
std::string privacy_like_pattern(const std::string &text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

} // namespace

namespace {

std::string privacy_file_salt(const std::filesystem::path &database, bool create) {
  const std::filesystem::path file = privacy_salt_file(database);
  std::string salt = privacy_read_salt(file);
  if (!salt.empty() || !create) return salt;
  const std::string fresh = crypto::hex_encode(crypto::random_bytes(32));
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    const std::string line = fresh + "\n";
    const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throw Error("could not write " + file.string());
  }
  salt = privacy_read_salt(file); // ours, or the one another process wrote first
  if (salt.empty()) throw Error("could not create the suppression salt " + file.string());
  return salt;
}

std::string privacy_stored_salt(store::Db &db) {
  return store::guarded(db, [&] {
    store::Statement q(db, "SELECT salt FROM suppression_salt WHERE name = 'default'");
    return q.executeStep() ? q.getColumn(0).getString() : std::string();
  });
}

std::string privacy_server_salt(store::Db &db, bool create) {
  std::string salt = privacy_stored_salt(db);
  if (!salt.empty() || !create) return salt;
  store::guarded(db, [&] {
    store::Statement ins(db, "INSERT INTO suppression_salt(name, salt) VALUES ('default', ?) ON CONFLICT (name) DO NOTHING");
    ins.bind(1, crypto::hex_encode(crypto::random_bytes(32)));
    ins.exec();
  });
  salt = privacy_stored_salt(db); // ours, or the one another host stored first
  if (salt.empty()) throw Error("could not store the suppression salt");
  return salt;
}

} // namespace

std::string suppression_salt(store::Db &db, bool create) {
  if (db.backend().kind() != "sqlite") return privacy_server_salt(db, create);
  const std::filesystem::path database = db.file();
  return database.empty() ? std::string() : privacy_file_salt(database, create);
}

void carry_suppression_salt(store::Db &from, store::Db &to) {
  const std::string salt = suppression_salt(from, false);
  if (salt.empty()) return;
  if (to.backend().kind() != "sqlite") {
    store::guarded(to, [&] {
      store::Statement put(to, "INSERT INTO suppression_salt(name, salt) VALUES ('default', ?) "
                               "ON CONFLICT (name) DO UPDATE SET salt = excluded.salt");
      put.bind(1, salt);
      put.exec();
    });
    return;
  }
  if (to.file().empty()) return;
  AtomicFileOptions options;
  options.mode = 0600;
  write_file_atomically(privacy_salt_file(to.file()), salt + "\n", options);
}

std::string suppression_hash(const std::string &salt, const std::string &platform, const std::string &id) {
  return crypto::hex_encode(crypto::hmac_sha256(salt, platform + '\x1f' + id));
}

bool is_suppressed(store::Db &db, const std::string &salt, const std::string &platform, const std::string &id,
                   const std::string &username) {
  if (salt.empty()) return false;
  store::Statement q(db, "SELECT 1 FROM suppressed WHERE hash = ? OR hash = ?");
  q.bind(1, suppression_hash(salt, platform, id));
  q.bind(2, suppression_hash(salt, platform, "@" + (username.empty() ? id : username)));
  return q.executeStep();
}

json export_person(store::Db &db, int64_t person) {
  return store::guarded(db, [&] {
    json doc;
    doc["person"] = privacy_rows(db, "SELECT * FROM people WHERE id = ?", person).at(0);
    doc["interactions"] = privacy_rows(db, "SELECT * FROM interactions WHERE person_id = ? ORDER BY occurred_at, id", person);
    doc["contacts"] = privacy_rows(db, "SELECT * FROM contacts WHERE person_id = ? ORDER BY id", person);
    json lead = privacy_rows(db, "SELECT * FROM leads WHERE person_id = ?", person);
    doc["lead"] = lead.empty() ? json(nullptr) : lead.at(0);
    const int64_t lead_id = lead.empty() ? 0 : lead.at(0)["id"].get<int64_t>();
    doc["lead_events"] = privacy_rows(db, "SELECT * FROM lead_events WHERE lead_id = ? ORDER BY id", lead_id);
    doc["exports"] = privacy_rows(db, "SELECT * FROM export_remote_ids WHERE lead_id = ?", lead_id);
    doc["dm_ledger"] = privacy_rows(db, "SELECT * FROM dm_ledger WHERE person_id = ? ORDER BY id", person);
    doc["optouts"] = privacy_rows(db, "SELECT * FROM optouts WHERE person_id = ?", person);
    return doc;
  });
}

ForgetCounts forget_person(store::Db &db, int64_t person, const std::string &salt) {
  ForgetCounts n;
  store::guarded(db, [&] {
    store::WriteTransaction tx(db);
    const json who = privacy_rows(db, "SELECT platform, platform_user_id, coalesce(username, '') AS username, "
                                      "coalesce(name, '') AS name FROM people WHERE id = ?", person).at(0);
    const auto text_of = [&](const char *key) { return who[key].get<std::string>(); };
    const std::string platform = text_of("platform"), id = text_of("platform_user_id"), username = text_of("username"),
                      name = text_of("name");
    // What identifies them in the logged calls (the phone fallback's and
    // the drafter's prompts): their handle, name and contact details.
    std::vector<std::string> marks;
    if (!username.empty()) marks.push_back(username);
    if (!name.empty()) marks.push_back(name);
    for (const auto &c : privacy_rows(db, "SELECT value, raw FROM contacts WHERE person_id = ?", person))
      marks.push_back(c["value"].get<std::string>()), marks.push_back(c["raw"].get<std::string>());
    privacy_exec(db, "DELETE FROM dm_spent_comments WHERE comment_id IN (SELECT platform_id FROM interactions WHERE person_id = ?)", person);
    const std::string lead_of = "(SELECT id FROM leads WHERE person_id = ?)";
    privacy_exec(db, "DELETE FROM export_remote_ids WHERE lead_id IN " + lead_of, person);
    n.events = privacy_exec(db, "DELETE FROM lead_events WHERE lead_id IN " + lead_of, person);
    n.ledger = privacy_exec(db, "DELETE FROM dm_ledger WHERE person_id = ?", person);
    n.contacts = privacy_exec(db, "DELETE FROM contacts WHERE person_id = ?", person);
    privacy_exec(db, "DELETE FROM leads WHERE person_id = ?", person);
    privacy_exec(db, "DELETE FROM optouts WHERE person_id = ?", person);
    n.interactions = privacy_exec(db, "DELETE FROM interactions WHERE person_id = ?", person);
    privacy_exec(db, "DELETE FROM people WHERE id = ?", person);
    for (const auto &mark : marks) {
      if (mark.size() < 3) continue;
      store::Statement q(db, "DELETE FROM calls WHERE lower(coalesce(prompt, '')) LIKE lower(?1) ESCAPE '\\' OR "
                                    "lower(coalesce(response, '')) LIKE lower(?1) ESCAPE '\\' OR "
                                    "lower(coalesce(system, '')) LIKE lower(?1) ESCAPE '\\'");
      q.bind(1, privacy_like_pattern(mark));
      n.calls += q.exec();
    }
    store::Statement add(db, "INSERT INTO suppressed(hash, created_at) VALUES(?, ?) ON CONFLICT(hash) DO NOTHING");
    for (const std::string &key : {id, "@" + (username.empty() ? id : username)}) {
      add.reset();
      add.bind(1, suppression_hash(salt, platform, key));
      add.bind(2, iso8601_utc(unix_now()).substr(0, 10)); // the day only: no finer trace of who it was
      add.exec();
    }
    tx.commit();
  });
  reclaim_space(db);
  return n;
}

void reclaim_space(store::Db &db) {
  store::guarded(db, [&] {
    if (db.backend().kind() != "sqlite") {
      // Not the whole database: other hosts share it, and VACUUM of tables
      // this role does not own is refused anyway.
      db.exec("VACUUM interactions, people, contacts, leads, lead_events, dm_ledger, optouts, calls");
      return;
    }
    db.exec("VACUUM");
    // SQLite's WAL file keeps the erased pages until it is truncated.
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  });
}

int64_t purge_interactions(store::Db &db, int days, int64_t now) {
  return store::guarded(db, [&] {
    store::WriteTransaction tx(db);
    const int64_t before = now - int64_t{days} * 86400;
    for (const char *table : {"contacts", "optouts"}) {
      store::Statement unlink(db, std::string("UPDATE ") + table + " SET interaction_id = NULL WHERE interaction_id IN "
                                                                           "(SELECT id FROM interactions WHERE occurred_at < ?)");
      unlink.bind(1, before);
      unlink.exec();
    }
    store::Statement q(db, "DELETE FROM interactions WHERE occurred_at < ?");
    q.bind(1, before);
    const int64_t gone = q.exec();
    tx.commit();
    return gone;
  });
}

} // namespace webox::leads
