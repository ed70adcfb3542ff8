// One collected interaction, as every source produces it: the platform
// plugins (through `social_collect` item events), the Instagram export reader
// and `webox scrape-interactions --from FILE.jsonl`. They all speak the same
// JSON record, so there is one parser and one set of validation messages.
//
//   {"platform": "instagram", "platform_id": "17890001", "kind": "comment",
//    "person": {"id": "9001", "username": "marie.dupont", "name": "Marie Dupont"},
//                                     // or "marie.dupont": the username alone
//    "text": "Dispo ? 06 12 34 56 78", "timestamp": "2026-11-01T10:00:00+0000",
//    "post": "17850001"}           // or {"id", "caption", "permalink", "like_count", "timestamp"}
//
// The full format is documented in webox-scrape-interactions(1).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace webox::leads {

enum class Kind { comment, reply, mention, like, dm };

// The stored kinds' own names.
std::optional<Kind> parse_kind(std::string_view name);
const char *kind_name(Kind kind);

// What a record's "kind" may say: the stored names, and the names other
// tools and platforms write, mapped to the nearest stored kind (documented
// in webox-scrape-interactions(1)): "reaction" (LinkedIn's like) is a like;
// "repost" and "share" (a post of ours passed on under the person's name,
// which names us to their audience) are mentions. The weights are those of
// the kind they map to.
std::optional<Kind> parse_record_kind(std::string_view name);

struct Person {
  std::string id;       // the platform's user id (Instagram: IGSID), unique per platform
  std::string username; // may be empty
  std::string name;     // display name, may be empty
};

// A post of the user's own account, with what the platform tells about it.
struct Post {
  std::string id;
  std::string caption;
  std::string permalink;
  std::optional<int64_t> like_count;     // absent when the owner hides likes
  std::optional<int64_t> comments_count;
  std::optional<int64_t> timestamp;      // Unix seconds
};

struct Interaction {
  std::string platform;
  std::string platform_id; // unique per platform
  Kind kind = Kind::comment;
  Person person;
  std::string text;
  int64_t timestamp = 0;   // Unix seconds, UTC
  std::optional<Post> post;
};

// A record that does not follow the format; what() says which field and why.
class RecordError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Unix seconds from an ISO 8601 date-time ("2026-11-01T10:00:00Z",
// "+0000", "+02:00", fractional seconds), a date alone ("2026-11-01", UTC
// midnight) or a number (seconds; values above 1e12 are milliseconds).
// Throws RecordError.
int64_t parse_timestamp(const nlohmann::json &value);
int64_t parse_timestamp_text(std::string_view text);

// "2026-11-01T10:00:00Z".
std::string iso8601_utc(int64_t unix_seconds);

// The system clock in Unix seconds, or WEBOX_NOW when set (stores also take
// an explicit "now" in unit tests).
int64_t unix_now();

// Validates and converts one record. `default_platform` fills a missing
// "platform" (an export or a plugin knows its own). Throws RecordError.
Interaction interaction_from_json(const nlohmann::json &record, const std::string &default_platform = "");
Post post_from_json(const nlohmann::json &post);

// The username a record's "person" gives as a plain string: without a
// leading '@'.
std::string_view username_of(std::string_view person);

nlohmann::json to_json(const Interaction &interaction);
nlohmann::json to_json(const Post &post);

} // namespace webox::leads
