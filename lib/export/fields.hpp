// The columns `webox leads export` can write, and how each is read from the
// store.
//
// Every format (CSV, JSON, JSONL, Sheets rows, Notion properties, webhook
// payloads) is a flat record of the chosen fields, in the order given by
// --fields, so a column means the same thing wherever it lands. Lists
// (phones, emails) are JSON arrays in JSON and space-separated in CSV and
// Sheets cells; times are ISO 8601 UTC text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace webox::exporting {

enum class FieldType { integer, text, list, timestamp, boolean };

struct Field {
  std::string_view name;
  FieldType type;
  std::string_view sql;      // the expression, over `leads l JOIN people p`
  std::string_view sql_joined; // lists only: the same, joined with spaces (CSV, Sheets)
  std::string_view help;
  // PostgreSQL's spelling of sql and sql_joined where SQLite's JSON and
  // date functions differ (empty: the same SQL on both).
  std::string_view pg_sql = {};
  std::string_view pg_sql_joined = {};

  // The expression for the store's backend ("sqlite", "postgresql").
  std::string_view expression(std::string_view backend, bool lists_joined) const {
    const bool pg = backend != "sqlite";
    if (lists_joined && !sql_joined.empty()) return pg && !pg_sql_joined.empty() ? pg_sql_joined : sql_joined;
    return pg && !pg_sql.empty() ? pg_sql : sql;
  }
};

// Every field, in the documented order.
const std::vector<Field> &all_fields();

// The fields written when --fields is not given: the lead record.
std::vector<const Field *> default_fields();

// Parses "a,b,c". Throws UsageError (exit 2) naming an unknown field and
// listing the known ones; an empty list or a repeated field is refused too.
std::vector<const Field *> parse_fields(std::string_view list);

// The known names, comma-separated (for messages and --help).
std::string field_names();

} // namespace webox::exporting
