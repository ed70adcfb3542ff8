// webox-pg.so: the PostgreSQL backend of the store interface
// (lib/store/backend.hpp), on libpq, loaded by lib/store/open.cpp only when
// the store URL is postgresql:// or postgres://, so that the core binary does
// not link libpq.
//
// THE ENTRY POINT is one C function:
//
//   webox::store::Backend *webox_pg_open_v1(const char *url, const char *shown,
//                                           int *error_kind, char *error, size_t error_size);
//
// `shown` is the URL without its password, the only form messages use. On
// failure: nullptr, *error_kind a SqlError::Kind, `error` one line.
// webox_pg_open_v2 takes a `schema` after `shown`: a workspace's schema,
// created if missing and then the connection's whole search_path (empty:
// the default workspace, search_path untouched). lib/store/open.cpp calls v2.
//
// SQL: the store's SQL text, translated mechanically (lib/store/pg_sql.hpp).
// Statements run with PQexecParams (parameters never spliced into the text):
// integers typed int8, reals float8, blobs bytea (binary), text untyped so
// that the server infers it from the column; results come back as text.
// Write transactions serialise on one advisory lock (pg_advisory_xact_lock)
// taken right after BEGIN: the guarantee of SQLite's BEGIN IMMEDIATE (one
// writer at a time, "claim then write" never races); lock_timeout bounds the
// wait like SQLite's busy timeout, after which the error is "busy" (exit 75).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <libpq-fe.h>

#include "lib/store/backend.hpp"
#include "lib/store/pg_sql.hpp"
#include "lib/store/sql.hpp"

namespace webox::store::pg {
namespace {

// Any constant: all webox writers of one database take the same lock.
constexpr long long kWriteLock = 0x7765626f78; // "webox"
// As the SQLite backend's busy timeout.
constexpr const char *kLockTimeout = "10s";

// Type OIDs (catalog/pg_type_d.h is not in libpq-dev).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

SqlError::Kind pg_error_kind(PGconn *conn, const PGresult *res) {
  if (PQstatus(conn) == CONNECTION_BAD) return SqlError::Kind::unavailable;
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (!state) return SqlError::Kind::other;
  const std::string s = state;
  if (s == "23505") return SqlError::Kind::unique_violation;
  // serialization failure, deadlock, lock_timeout
  if (s == "40001" || s == "40P01" || s == "55P03") return SqlError::Kind::busy;
  // connection exceptions, admin shutdown, cannot connect now, too many connections
  if (s.rfind("08", 0) == 0 || s.rfind("57P", 0) == 0 || s == "53300") return SqlError::Kind::unavailable;
  if (s == "28000" || s == "28P01" || s == "42501") return SqlError::Kind::configuration;
  return SqlError::Kind::other;
}

// libpq's message on one line (it ends with a newline and may add DETAIL
// lines, which can quote a row's values: only the first line is kept).
std::string pg_one_line(const char *text) {
  std::string s = text ? text : "";
  const size_t newline = s.find('\n');
  if (newline != std::string::npos) s.erase(newline);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  for (char &c : s)
    if (c == '\t') c = ' ';
  if (s.rfind("ERROR:  ", 0) == 0) s.erase(0, 8);
  return s;
}

[[noreturn]] void pg_fail(PGconn *conn, const PGresult *res) {
  const char *text = res ? PQresultErrorMessage(res) : nullptr;
  if (!text || !*text) text = PQerrorMessage(conn);
  throw SqlError(pg_error_kind(conn, res), pg_one_line(text));
}

ResultPtr pg_checked(PGconn *conn, PGresult *raw) {
  ResultPtr res(raw, PQclear);
  const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) pg_fail(conn, res.get());
  return res;
}

int64_t pg_command_tuples(PGresult *res) {
  const char *tuples = PQcmdTuples(res);
  return tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
}

class PgCursor final : public Cursor {
public:
  PgCursor(PGconn *conn, std::string_view sql) : m_conn(conn), m_sql(translate(sql)) {
    const size_t n = m_sql.names.size();
    m_values.resize(n);
    m_null.assign(n, true);
    m_binary.assign(n, 0);
    m_types.assign(n, 0);
  }

  int parameter_index(const char *name) override {
    for (size_t i = 0; i < m_sql.names.size(); ++i)
      if (m_sql.names[i] == name) return static_cast<int>(i) + 1;
    return 0;
  }
  void bind_null(int i) override {
    slot(i);
    m_null[idx(i)] = true;
    m_types[idx(i)] = 0;
  }
  void bind_int64(int i, int64_t v) override { set(i, std::to_string(v), kInt8Oid, false); }
  void bind_double(int i, double v) override {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    set(i, buf, kFloat8Oid, false);
  }
  // Always copied: a statement may run again after the caller's string is gone.
  void bind_text(int i, std::string_view v, bool) override { set(i, std::string(v), 0, false); }
  void bind_blob(int i, const void *data, size_t size, bool) override {
    set(i, std::string(static_cast<const char *>(data), size), kByteaOid, true);
  }
  void clear_bindings() override {
    m_null.assign(m_null.size(), true);
    m_types.assign(m_types.size(), 0);
  }

  bool step() override {
    if (!m_result) run();
    const int rows = PQntuples(m_result.get());
    m_bytea.clear();
    if (m_row + 1 >= rows) {
      m_row = rows;
      return false;
    }
    ++m_row;
    return true;
  }
  void reset() override {
    m_result.reset();
    m_row = -1;
  }
  int64_t changes() override { return m_changes; }
  int64_t last_insert_id() override {
    // The identity column's sequence: the last value this session drew.
    ResultPtr res = pg_checked(m_conn, PQexec(m_conn, "SELECT lastval()"));
    return std::strtoll(PQgetvalue(res.get(), 0, 0), nullptr, 10);
  }

  int column_count() override { return m_result ? PQnfields(m_result.get()) : 0; }
  std::string_view column_name(int c) override {
    const char *name = m_result ? PQfname(m_result.get(), c) : nullptr;
    return name ? std::string_view(name) : std::string_view();
  }
  ValueType value_type(int c) override {
    if (is_null(c)) return ValueType::null;
    switch (PQftype(m_result.get(), c)) {
      case kBoolOid:
      case kInt2Oid:
      case kInt4Oid:
      case kInt8Oid: return ValueType::integer;
      case kFloat4Oid:
      case kFloat8Oid: return ValueType::real;
      case kNumericOid: // sum() of a bigint column: an integer unless it has a fraction
        return std::strchr(value(c), '.') ? ValueType::real : ValueType::integer;
      case kByteaOid: return ValueType::blob;
      default: return ValueType::text;
    }
  }
  bool is_null(int c) override { return PQgetisnull(m_result.get(), m_row, c) != 0; }
  int64_t get_int64(int c) override {
    if (is_null(c)) return 0;
    const char *v = value(c);
    if (PQftype(m_result.get(), c) == kBoolOid) return *v == 't' ? 1 : 0;
    const Oid type = PQftype(m_result.get(), c);
    // A fraction is truncated toward zero, as SQLite does; a whole NUMERIC
    // (sum() of a bigint) keeps all its digits.
    if (type == kFloat8Oid || type == kFloat4Oid || (type == kNumericOid && std::strchr(v, '.')))
      return static_cast<int64_t>(std::strtod(v, nullptr));
    return std::strtoll(v, nullptr, 10);
  }
  double get_double(int c) override {
    if (is_null(c)) return 0.0;
    if (PQftype(m_result.get(), c) == kBoolOid) return *value(c) == 't' ? 1.0 : 0.0;
    return std::strtod(value(c), nullptr);
  }
  std::string_view get_text(int c) override {
    if (is_null(c)) return std::string_view("", 0);
    if (PQftype(m_result.get(), c) == kByteaOid) return get_blob(c);
    if (PQftype(m_result.get(), c) == kBoolOid) return *value(c) == 't' ? "1" : "0";
    return {value(c), static_cast<size_t>(PQgetlength(m_result.get(), m_row, c))};
  }
  std::string_view get_blob(int c) override {
    if (is_null(c)) return std::string_view("", 0);
    if (PQftype(m_result.get(), c) != kByteaOid) return get_text(c);
    // bytea comes back as text ("\x0a1b..."): decoded once per row and column.
    auto found = m_bytea.find(c);
    if (found != m_bytea.end()) return found->second;
    size_t size = 0;
    unsigned char *raw = PQunescapeBytea(reinterpret_cast<const unsigned char *>(value(c)), &size);
    if (!raw) throw SqlError(SqlError::Kind::other, "cannot decode a bytea value");
    std::string &decoded = m_bytea[c];
    decoded.assign(reinterpret_cast<const char *>(raw), size);
    PQfreemem(raw);
    return decoded;
  }

private:
  const char *value(int c) { return PQgetvalue(m_result.get(), m_row, c); }
  size_t idx(int i) const { return static_cast<size_t>(i - 1); }
  void slot(int i) {
    if (i < 1 || static_cast<size_t>(i) > m_values.size())
      throw SqlError(SqlError::Kind::other, "parameter index " + std::to_string(i) + " out of range");
  }
  void set(int i, std::string value, Oid type, bool binary) {
    slot(i);
    m_values[idx(i)] = std::move(value);
    m_null[idx(i)] = false;
    m_types[idx(i)] = type;
    m_binary[idx(i)] = binary ? 1 : 0;
  }

  void run() {
    const size_t n = m_values.size();
    std::vector<const char *> values(n);
    std::vector<int> lengths(n);
    for (size_t i = 0; i < n; ++i) {
      values[i] = m_null[i] ? nullptr : m_values[i].c_str();
      lengths[i] = static_cast<int>(m_values[i].size());
    }
    m_result = pg_checked(m_conn, PQexecParams(m_conn, m_sql.sql.c_str(), static_cast<int>(n), m_types.data(),
                                               values.data(), lengths.data(), m_binary.data(), 0));
    m_changes = pg_command_tuples(m_result.get());
    m_row = -1;
  }

  PGconn *m_conn;
  Translated m_sql;
  std::vector<std::string> m_values;
  std::vector<bool> m_null;
  std::vector<int> m_binary;
  std::vector<Oid> m_types;
  ResultPtr m_result{nullptr, PQclear};
  int m_row = -1;
  int64_t m_changes = 0;
  std::unordered_map<int, std::string> m_bytea;
};

// COPY ... FROM STDIN in text format: one line per row, columns separated by
// tabs, \N for NULL, backslash escapes for the bytes that would end a field
// or a line. Rows are buffered and sent a chunk at a time (PQputCopyData),
// so a load of any size holds one chunk in memory.
class PgBulkLoader final : public BulkLoader {
public:
  PgBulkLoader(PGconn *conn, const std::string &table, const std::vector<std::string> &columns) : m_conn(conn) {
    std::string sql = "COPY " + pg_identifier(table) + " (";
    for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + pg_identifier(columns[i]);
    sql += ") FROM STDIN";
    ResultPtr res(PQexec(m_conn, sql.c_str()), PQclear);
    if (!res || PQresultStatus(res.get()) != PGRES_COPY_IN) pg_fail(m_conn, res.get());
    m_open = true;
  }
  ~PgBulkLoader() override {
    if (!m_open) return;
    // Abandoned (an error, Ctrl-C): the server fails the COPY; the caller
    // rolls its transaction back.
    PQputCopyEnd(m_conn, "abandoned by webox");
    while (PGresult *r = PQgetResult(m_conn)) PQclear(r);
  }
  PgBulkLoader(const PgBulkLoader &) = delete;
  PgBulkLoader &operator=(const PgBulkLoader &) = delete;

  void add_null() override { field("\\N"); }
  void add_int64(int64_t v) override { field(std::to_string(v)); }
  void add_double(double v) override {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    field(buf);
  }
  void add_text(std::string_view v) override {
    separate();
    for (char c : v) {
      switch (c) {
        case '\\': m_buffer += "\\\\"; break;
        case '\n': m_buffer += "\\n"; break;
        case '\r': m_buffer += "\\r"; break;
        case '\t': m_buffer += "\\t"; break;
        default: m_buffer += c;
      }
    }
  }
  // bytea's hex input form, its backslash escaped for COPY: \\x0a1b...
  void add_blob(const void *data, size_t size) override {
    static constexpr char kHex[] = "0123456789abcdef";
    separate();
    m_buffer += "\\\\x";
    const auto *bytes = static_cast<const unsigned char *>(data);
    for (size_t i = 0; i < size; ++i) {
      m_buffer += kHex[bytes[i] >> 4];
      m_buffer += kHex[bytes[i] & 15];
    }
  }
  void end_row() override {
    m_buffer += '\n';
    m_first = true;
    if (m_buffer.size() >= kChunk) flush();
  }
  int64_t finish() override {
    flush();
    m_open = false;
    if (PQputCopyEnd(m_conn, nullptr) != 1) pg_fail(m_conn, nullptr);
    int64_t rows = 0;
    std::optional<SqlError> failure;
    while (PGresult *raw = PQgetResult(m_conn)) {
      ResultPtr res(raw, PQclear);
      if (PQresultStatus(raw) == PGRES_COMMAND_OK) rows = pg_command_tuples(raw);
      else if (!failure) failure.emplace(pg_error_kind(m_conn, raw), pg_one_line(PQresultErrorMessage(raw)));
    }
    if (failure) throw *failure;
    return rows;
  }

private:
  static constexpr size_t kChunk = 256 * 1024;

  static std::string pg_identifier(const std::string &name) {
    std::string q = "\"";
    for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  }
  void separate() {
    if (!m_first) m_buffer += '\t';
    m_first = false;
  }
  void field(const std::string &text) {
    separate();
    m_buffer += text;
  }
  void flush() {
    if (m_buffer.empty()) return;
    if (PQputCopyData(m_conn, m_buffer.data(), static_cast<int>(m_buffer.size())) != 1) pg_fail(m_conn, nullptr);
    m_buffer.clear();
  }

  PGconn *m_conn;
  std::string m_buffer;
  bool m_first = true;
  bool m_open = false;
};

// NOTICEs ("relation already exists, skipping") are not the user's business.
void pg_quiet_notices(void *, const char *) {}

class PgBackend final : public Backend {
public:
  PgBackend(PGconn *conn, std::string shown) : m_conn(conn), m_shown(std::move(shown)) {
    PQsetNoticeProcessor(m_conn, pg_quiet_notices, nullptr);
    exec(std::string("SET lock_timeout = '") + kLockTimeout + "'");
    // Times are ISO-8601 text made by webox; nothing depends on the
    // server's zone, but keep now()-style defaults in UTC all the same.
    exec("SET TIME ZONE 'UTC'");
  }
  ~PgBackend() override { PQfinish(m_conn); }
  PgBackend(const PgBackend &) = delete;
  PgBackend &operator=(const PgBackend &) = delete;

  std::string_view kind() const override { return "postgresql"; }
  std::string where() const override { return m_shown; }
  std::string file() const override { return {}; }

  std::unique_ptr<Cursor> prepare(std::string_view sql) override { return std::make_unique<PgCursor>(m_conn, sql); }
  void exec(std::string_view sql) override {
    const std::string text = translate(sql).sql;
    ResultPtr res = pg_checked(m_conn, PQexec(m_conn, text.c_str()));
    m_changes = pg_command_tuples(res.get());
  }
  int64_t changes() override { return m_changes; }
  bool in_transaction() override {
    const PGTransactionStatusType t = PQtransactionStatus(m_conn);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
  }
  void begin_write() override {
    exec("BEGIN");
    try {
      exec("SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLock) + ")");
    } catch (...) {
      PQclear(PQexec(m_conn, "ROLLBACK"));
      throw;
    }
  }

  // The version lives in a one-row table (PostgreSQL has no user_version).
  // Whether it exists is read from pg_tables, a query with the statement's
  // snapshot, not with to_regclass: that one answers from the session's
  // catalogue cache, which keeps "no such table" from a look before the
  // write lock was granted (an advisory lock does not refresh the cache),
  // so that a process waiting for another's first migration then ran it
  // again ("relation ... already exists"; 4 processes on a fresh database).
  int schema_version() override {
    ResultPtr res = pg_checked(m_conn, PQexec(m_conn, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables "
                                                      "WHERE schemaname = current_schema() AND tablename = 'webox_schema')"));
    if (std::strcmp(PQgetvalue(res.get(), 0, 0), "t") != 0) return 0;
    res = pg_checked(m_conn, PQexec(m_conn, "SELECT coalesce(max(version), 0) FROM webox_schema"));
    return std::atoi(PQgetvalue(res.get(), 0, 0));
  }
  void set_schema_version(int version) override {
    exec("CREATE TABLE IF NOT EXISTS webox_schema(version BIGINT NOT NULL); DELETE FROM webox_schema; "
         "INSERT INTO webox_schema(version) VALUES (" +
         std::to_string(version) + ")");
  }
  // A workspace's schema (lib/store/workspace.hpp), created on first use,
  // becomes the only one this connection sees. CREATE SCHEMA IF NOT EXISTS
  // still fails on a race (two sessions insert the same pg_namespace row),
  // so it runs under the write lock the migrations take.
  void use_schema(const std::string &schema) {
    for (char c : schema)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
        throw SqlError(SqlError::Kind::configuration, "'" + schema + "' is not a workspace schema");
    if (!schema_exists(schema)) {
      begin_write();
      try {
        exec("CREATE SCHEMA IF NOT EXISTS " + schema);
        exec("COMMIT");
      } catch (...) {
        PQclear(PQexec(m_conn, "ROLLBACK"));
        throw;
      }
    }
    exec("SET search_path TO " + schema);
  }

  std::unique_ptr<BulkLoader> bulk_load(const std::string &table, const std::vector<std::string> &columns) override {
    return std::make_unique<PgBulkLoader>(m_conn, table, columns);
  }
  bool table_exists(std::string_view name) override {
    PgCursor q(m_conn, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
                       "AND table_name = ?");
    q.bind_text(1, name, true);
    return q.step() && q.get_int64(0) > 0;
  }

private:
  bool schema_exists(const std::string &schema) {
    PgCursor q(m_conn, "SELECT count(*) FROM pg_namespace WHERE nspname = ?");
    q.bind_text(1, schema, true);
    return q.step() && q.get_int64(0) > 0;
  }

  PGconn *m_conn;
  std::string m_shown;
  int64_t m_changes = 0;
};

void pg_copy_error(const std::string &text, char *out, size_t size) {
  if (!out || size == 0) return;
  std::snprintf(out, size, "%s", text.c_str());
}

// A refused role or password is configuration; a server that is down,
// starting or full may come back.
SqlError::Kind pg_connect_error_kind(const std::string &message) {
  const bool refused =
      message.find("authentication") != std::string::npos || message.find("does not exist") != std::string::npos ||
      message.find("no password supplied") != std::string::npos ||
      message.find("permission denied") != std::string::npos ||
      message.find("no pg_hba.conf entry") != std::string::npos ||
      message.find("invalid") != std::string::npos; // "invalid integer value ... for connection option"
  return refused ? SqlError::Kind::configuration : SqlError::Kind::unavailable;
}

} // namespace
} // namespace webox::store::pg

extern "C" __attribute__((visibility("default"))) webox::store::Backend *
webox_pg_open_v1(const char *url, const char *shown, int *error_kind, char *error, size_t error_size) {
  using webox::store::SqlError;
  namespace pg = webox::store::pg;
  // A URL libpq cannot parse is configuration, not a server problem.
  char *parse_error = nullptr;
  PQconninfoOption *options = PQconninfoParse(url, &parse_error);
  if (!options) {
    *error_kind = static_cast<int>(SqlError::Kind::configuration);
    // libpq's parse messages name the option, never its value.
    pg::pg_copy_error("not a valid PostgreSQL URL: " + pg::pg_one_line(parse_error ? parse_error : "out of memory"),
                      error, error_size);
    PQfreemem(parse_error);
    return nullptr;
  }
  PQconninfoFree(options);
  PGconn *conn = PQconnectdb(url);
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    const std::string message = conn ? pg::pg_one_line(PQerrorMessage(conn)) : "out of memory";
    PQfinish(conn);
    *error_kind = static_cast<int>(pg::pg_connect_error_kind(message));
    pg::pg_copy_error("cannot connect: " + message, error, error_size);
    return nullptr;
  }
  try {
    return new pg::PgBackend(conn, shown);
  } catch (const SqlError &e) {
    PQfinish(conn); // the constructor threw: no destructor closes it
    *error_kind = static_cast<int>(e.kind());
    pg::pg_copy_error(e.what(), error, error_size);
    return nullptr;
  } catch (const std::exception &e) {
    PQfinish(conn);
    *error_kind = static_cast<int>(SqlError::Kind::other);
    pg::pg_copy_error(e.what(), error, error_size);
    return nullptr;
  }
}

extern "C" __attribute__((visibility("default"))) webox::store::Backend *
webox_pg_open_v2(const char *url, const char *shown, const char *schema, int *error_kind, char *error,
                 size_t error_size) {
  using webox::store::SqlError;
  namespace pg = webox::store::pg;
  webox::store::Backend *backend = webox_pg_open_v1(url, shown, error_kind, error, error_size);
  if (!backend || !schema || !*schema) return backend;
  try {
    static_cast<pg::PgBackend *>(backend)->use_schema(schema);
    return backend;
  } catch (const SqlError &e) {
    delete backend;
    *error_kind = static_cast<int>(e.kind());
    pg::pg_copy_error(std::string("workspace schema ") + schema + ": " + e.what(), error, error_size);
    return nullptr;
  } catch (const std::exception &e) {
    delete backend;
    *error_kind = static_cast<int>(SqlError::Kind::other);
    pg::pg_copy_error(e.what(), error, error_size);
    return nullptr;
  }
}
