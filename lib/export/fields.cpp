#include "lib/export/fields.hpp"

#include <algorithm>

#include "lib/core/error.hpp"
#include "lib/leads/optout/optouts.hpp"

namespace webox::exporting {

// The SQL of each field is the one place where SQLite's JSON and date
// functions appear outside the SQLite backend; pg_sql is PostgreSQL's.
const std::vector<Field> &all_fields() {
  // Lists stay as the stored JSON text; writers join them for CSV cells.
  // Text that may be missing (username, name) is "" rather than null, as in
  // `leads list --json` (one shape for a lead: webox-leads(1), LEAD JSON).
  static const std::string opted_out_sql =
      "CASE WHEN " + leads::optout_covering_sql("p.id") + " IS NULL THEN 'false' ELSE 'true' END";
  static const std::vector<Field> fields = {
      {"id", FieldType::integer, "l.id", "", "lead id"},
      {"person_id", FieldType::integer, "p.id", "", "the person's id in the store (webox leads export-person)"},
      {"platform", FieldType::text, "p.platform", "", "instagram, x, ..."},
      {"platform_user_id", FieldType::text, "p.platform_user_id", "", "the platform's user id"},
      {"username", FieldType::text, "coalesce(p.username, '')", "", "handle without @"},
      {"name", FieldType::text, "coalesce(p.name, '')", "", "display name"},
      {"score", FieldType::integer, "l.score", "", "0-100"},
      {"status", FieldType::text, "l.status", "", "new, contacted, in_progress, converted, refused"},
      {"phone", FieldType::text, "json_extract(l.phones, '$[0]')", "", "first phone number, E.164",
       "(l.phones::json ->> 0)"},
      {"email", FieldType::text, "json_extract(l.emails, '$[0]')", "", "first e-mail address", "(l.emails::json ->> 0)"},
      {"phones", FieldType::list, "l.phones",
       "CASE l.phones WHEN '[]' THEN '' ELSE (SELECT group_concat(value, ' ') FROM json_each(l.phones)) END", "every phone number, E.164",
       "", "array_to_string(ARRAY(SELECT json_array_elements_text(l.phones::json)), ' ')"},
      {"emails", FieldType::list, "l.emails",
       "CASE l.emails WHEN '[]' THEN '' ELSE (SELECT group_concat(value, ' ') FROM json_each(l.emails)) END", "every e-mail address",
       "", "array_to_string(ARRAY(SELECT json_array_elements_text(l.emails::json)), ' ')"},
      {"interactions", FieldType::integer, "(SELECT count(*) FROM interactions i WHERE i.person_id = p.id)", "",
       "number of interactions"},
      {"last_interaction_at", FieldType::timestamp,
       "strftime('%Y-%m-%dT%H:%M:%SZ', p.last_interaction_at, 'unixepoch')", "", "ISO 8601 UTC",
       "to_char(to_timestamp(p.last_interaction_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"},
      {"opted_out", FieldType::boolean, opted_out_sql, "", "true when the person (or one linked by a phone or e-mail) opted out"},
      {"created_at", FieldType::timestamp, "l.created_at", "", "ISO 8601 UTC"},
      {"updated_at", FieldType::timestamp, "l.updated_at", "", "ISO 8601 UTC"},
  };
  return fields;
}

namespace {

const Field *find(std::string_view name) {
  for (const auto &f : all_fields())
    if (f.name == name) return &f;
  return nullptr;
}

} // namespace

std::vector<const Field *> default_fields() {
  std::vector<const Field *> out;
  for (const char *n : {"id", "person_id", "platform", "platform_user_id", "username", "name", "score", "status", "phones",
                        "emails", "interactions", "last_interaction_at", "opted_out", "created_at", "updated_at"})
    out.push_back(find(n));
  return out;
}

std::string field_names() {
  std::string s;
  for (const auto &f : all_fields()) s += (s.empty() ? "" : ",") + std::string(f.name);
  return s;
}

std::vector<const Field *> parse_fields(std::string_view list) {
  std::vector<const Field *> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view name = list.substr(start, comma - start);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) throw UsageError("--fields: empty field name in '" + std::string(list) + "'");
    const Field *f = find(name);
    if (!f) throw UsageError("--fields: unknown field '" + std::string(name) + "' (known: " + field_names() + ")");
    if (std::find(out.begin(), out.end(), f) != out.end())
      throw UsageError("--fields: '" + std::string(name) + "' given twice");
    out.push_back(f);
    start = comma + 1;
  }
  return out;
}

} // namespace webox::exporting
