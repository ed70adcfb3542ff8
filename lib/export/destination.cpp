#include "lib/export/destination.hpp"

#include <regex>

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/url_redact.hpp"

namespace webox::exporting {

bool is_a1_range(std::string_view range) {
  // Cell part: A1, A1:F, A:F, 1:5, A1:F20 (columns up to 3 letters).
  static const std::regex cells(R"(([A-Za-z]{1,3}[0-9]*|[0-9]+)(:([A-Za-z]{1,3}[0-9]*|[0-9]+))?)");
  static const std::regex quoted_sheet(R"('([^']|'')+')");
  static const std::regex plain_sheet(R"([^'!:]+)");
  const std::string r(range);
  if (r.empty()) return false;
  size_t bang = r.rfind('!');
  if (bang == std::string::npos) {
    // Bare cells, or a sheet name alone.
    return std::regex_match(r, cells) || std::regex_match(r, quoted_sheet) || std::regex_match(r, plain_sheet);
  }
  std::string sheet = r.substr(0, bang), cell = r.substr(bang + 1);
  if (sheet.empty() || cell.empty()) return false;
  if (!std::regex_match(sheet, quoted_sheet) && !std::regex_match(sheet, plain_sheet)) return false;
  if (!std::regex_match(cell, cells)) return false;
  // A1:A0 style nonsense: a row number 0 does not exist.
  static const std::regex row_zero(R"((^|[A-Za-z:])0+($|:))");
  return !std::regex_search(cell, row_zero);
}

namespace {

std::string hex_prefix(std::string_view text) { return crypto::hex_encode(crypto::sha256(text)).substr(0, 16); }

} // namespace

Destination file_destination(const std::string &absolute_path) {
  return {DestinationKind::file, absolute_path, "", "file:" + absolute_path};
}

Destination parse_destination(std::string_view spec) {
  size_t colon = spec.find(':');
  std::string scheme(spec.substr(0, colon == std::string_view::npos ? spec.size() : colon));
  std::string rest(colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1));
  Destination d;
  if (scheme == "sheets") {
    static const std::regex id(R"([A-Za-z0-9_-]{10,})");
    size_t slash = rest.find('/');
    d.kind = DestinationKind::sheets;
    d.target = rest.substr(0, slash);
    d.range = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (!std::regex_match(d.target, id))
      throw UsageError("--to sheets: '" + d.target + "' is not a spreadsheet id (the part of the sheet's URL after /d/)");
    if (d.range.empty()) throw UsageError("--to sheets:" + d.target + "/RANGE: give the range to append to, e.g. Leads!A1");
    if (!is_a1_range(d.range))
      throw UsageError("--to sheets: '" + d.range + "' is not a range in A1 notation (Leads!A1, 'My leads'!A:F)");
    d.state_key = "sheets:" + d.target + "/" + d.range;
  } else if (scheme == "notion") {
    static const std::regex id(R"([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})");
    d.kind = DestinationKind::notion;
    d.target = rest;
    if (!std::regex_match(d.target, id))
      throw UsageError("--to notion: '" + d.target + "' is not a database id (32 hex digits, from the database's URL)");
    d.state_key = "notion:" + d.target;
  } else if (scheme == "webhook") {
    static const std::regex url(R"(https?://[^\s/?#]+(/[^\s?#]*)?(\?[^\s#]*)?)");
    d.kind = DestinationKind::webhook;
    d.target = rest;
    if (!std::regex_match(d.target, url))
      throw UsageError("--to webhook: '" + d.target + "' is not an http:// or https:// URL");
    d.state_key = "webhook:" + url::without_credentials(d.target) + "#" + hex_prefix(d.target);
  } else {
    throw UsageError("--to: unknown destination '" + scheme + "' (expected sheets:ID/RANGE, notion:DATABASE_ID or webhook:URL)");
  }
  return d;
}

} // namespace webox::exporting
