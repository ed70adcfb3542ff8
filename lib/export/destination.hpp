// `--to SCHEME:TARGET` parsed and checked before anything is read or sent.
//
//   sheets:SPREADSHEET_ID/RANGE   RANGE in A1 notation: Leads, Leads!A1,
//                                 'My leads'!A1:F, A1 (first sheet)
//   notion:DATABASE_ID            32 hex digits, dashes allowed
//   webhook:URL                   http:// or https://
//
// `state_key` names the destination in the export state table. A webhook
// URL may carry a token in its query or a user:password before its host,
// and secrets never reach the database: its key keeps scheme, host and path
// (url::without_credentials), plus a SHA-256 prefix of the whole URL so two
// URLs differing only by query or credentials still have separate states.
#pragma once

#include <string>
#include <string_view>

namespace webox::exporting {

enum class DestinationKind { file, sheets, notion, webhook };

struct Destination {
  DestinationKind kind = DestinationKind::file;
  std::string target;     // path, spreadsheet id, database id or URL
  std::string range;      // sheets only
  std::string state_key;
};

// Throws UsageError (exit 2) for an unknown scheme or a malformed target.
Destination parse_destination(std::string_view spec);

// A file destination for --since-last with -o (keyed by absolute path).
Destination file_destination(const std::string &absolute_path);

// A1 notation as Sheets accepts it in values.append: an optional sheet name
// (quoted with '' escapes when it has spaces or punctuation), then `!` and a
// cell or column/row range; or a sheet name alone; or a range alone.
bool is_a1_range(std::string_view range);

} // namespace webox::exporting
