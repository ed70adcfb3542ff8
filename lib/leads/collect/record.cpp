// The interaction record: parsing, validation, timestamps.
//
// Timestamps arrive in every shape the platforms use: Graph API writes
// "2019-09-26T22:36:43+0000" (offset without a colon), X writes
// "2026-11-01T10:00:00.000Z", exports carry Unix seconds or milliseconds. All
// become Unix seconds, UTC, computed with days_from_civil rather than
// timegm(), so the result never depends on the process's TZ.
#include "lib/leads/collect/record.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "lib/core/clock.hpp"

namespace webox::leads {
namespace {

using nlohmann::json;

constexpr std::array<const char *, 5> kKindNames = {"comment", "reply", "mention", "like", "dm"};

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic
// Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool read_digits(std::string_view s, size_t &pos, size_t count, int &out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += count;
  out = v;
  return true;
}

std::string string_field(const json &obj, const char *name, bool required, const std::string &where) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) {
    if (required) throw RecordError("missing \"" + where + name + "\"");
    return {};
  }
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>()); // X and Graph ids are strings, but be lenient
  throw RecordError("\"" + where + name + "\" must be a string");
}

std::optional<int64_t> optional_count(const json &obj, const char *name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) throw RecordError(std::string("\"post.") + name + "\" must be an integer");
  return it->get<int64_t>();
}

} // namespace

std::string_view username_of(std::string_view person) {
  if (person.starts_with('@')) person.remove_prefix(1); // "@marie.dupont", as people write it
  return person;
}

std::optional<Kind> parse_kind(std::string_view name) {
  for (size_t i = 0; i < kKindNames.size(); ++i)
    if (name == kKindNames[i]) return static_cast<Kind>(i);
  return std::nullopt;
}

const char *kind_name(Kind kind) { return kKindNames[static_cast<size_t>(kind)]; }

std::optional<Kind> parse_record_kind(std::string_view name) {
  if (auto kind = parse_kind(name)) return kind;
  if (name == "reaction") return Kind::like;
  if (name == "repost" || name == "share") return Kind::mention;
  return std::nullopt;
}

int64_t parse_timestamp_text(std::string_view s) {
  auto bad = [&] { return RecordError("\"" + std::string(s) + "\" is not an ISO 8601 date-time"); };
  size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!read_digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-' || !read_digits(s, pos, 2, mo) ||
      pos >= s.size() || s[pos++] != '-' || !read_digits(s, pos, 2, d))
    throw bad();
  if (mo < 1 || mo > 12 || d < 1 || d > 31) throw bad();
  int64_t offset_s = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') throw bad();
    ++pos;
    if (!read_digits(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':' || !read_digits(s, pos, 2, mi)) throw bad();
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!read_digits(s, pos, 2, sec)) throw bad();
    }
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
      if (pos == start) throw bad();
    }
    if (h > 23 || mi > 59 || sec > 60) throw bad();
    if (pos < s.size()) {
      char c = s[pos++];
      if (c == 'Z' || c == 'z') {
        if (pos != s.size()) throw bad();
      } else if (c == '+' || c == '-') {
        int oh = 0, om = 0;
        if (!read_digits(s, pos, 2, oh)) throw bad();
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (pos < s.size() && !read_digits(s, pos, 2, om)) throw bad();
        if (pos != s.size() || oh > 23 || om > 59) throw bad();
        offset_s = (oh * 3600 + om * 60) * (c == '+' ? 1 : -1);
      } else {
        throw bad();
      }
    }
  }
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + sec -
         offset_s;
}

namespace {

// 9999-12-31T23:59:59Z: beyond it a number is no timestamp (and a double
// beyond int64 would be undefined behaviour to convert; found by fuzzing).
constexpr int64_t kLatestSecond = 253402300799LL;

int64_t within_range(int64_t seconds) {
  if (seconds > kLatestSecond || seconds < -kLatestSecond) throw RecordError("\"timestamp\" is out of range");
  return seconds;
}

} // namespace

int64_t parse_timestamp(const json &value) {
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    throw RecordError("\"timestamp\" is out of range");
  if (value.is_number_integer()) {
    int64_t v = value.get<int64_t>();
    return within_range(v > 1000000000000LL ? v / 1000 : v);
  }
  if (value.is_number_float()) {
    double v = value.get<double>();
    if (!std::isfinite(v)) throw RecordError("\"timestamp\" is not a finite number");
    if (v > 1e12) v /= 1000;
    if (std::fabs(v) > static_cast<double>(kLatestSecond)) throw RecordError("\"timestamp\" is out of range");
    return static_cast<int64_t>(v);
  }
  if (value.is_string()) {
    const std::string &s = value.get_ref<const std::string &>();
    int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty())
      return within_range(n > 1000000000000LL ? n / 1000 : n);
    return parse_timestamp_text(s);
  }
  throw RecordError("\"timestamp\" must be an ISO 8601 string or a number of seconds");
}

int64_t unix_now() { return clock::unix_now(); }

std::string iso8601_utc(int64_t t) { return clock::utc_text(t, "%Y-%m-%dT%H:%M:%SZ"); }

Post post_from_json(const json &post) {
  Post p;
  if (post.is_string()) {
    p.id = post.get<std::string>();
  } else if (post.is_object()) {
    p.id = string_field(post, "id", true, "post.");
    p.caption = string_field(post, "caption", false, "post.");
    p.permalink = string_field(post, "permalink", false, "post.");
    p.like_count = optional_count(post, "like_count");
    p.comments_count = optional_count(post, "comments_count");
    if (auto it = post.find("timestamp"); it != post.end() && !it->is_null()) p.timestamp = parse_timestamp(*it);
  } else {
    throw RecordError("\"post\" must be a string id or an object with an \"id\"");
  }
  if (p.id.empty()) throw RecordError("\"post\" id is empty");
  return p;
}

Interaction interaction_from_json(const json &record, const std::string &default_platform) {
  if (!record.is_object()) throw RecordError("a record must be a JSON object");
  Interaction it;
  it.platform = string_field(record, "platform", default_platform.empty(), "");
  if (it.platform.empty()) it.platform = default_platform;
  it.platform_id = string_field(record, "platform_id", true, "");
  if (it.platform_id.empty()) throw RecordError("\"platform_id\" is empty");
  std::string kind = string_field(record, "kind", true, "");
  auto k = parse_record_kind(kind);
  if (!k)
    throw RecordError("\"kind\" is \"" + kind + "\"; expected comment, reply, mention, like, dm, repost, share or reaction");
  it.kind = *k;
  auto person = record.find("person");
  if (person == record.end() || !(person->is_object() || person->is_string()))
    throw RecordError("missing \"person\" (an object, or a username as a string)");
  if (person->is_string()) {
    it.person.username = username_of(person->get_ref<const std::string &>());
  } else {
    it.person.id = string_field(*person, "id", false, "person.");
    it.person.username = string_field(*person, "username", false, "person.");
    it.person.name = string_field(*person, "name", false, "person.");
  }
  // Some sources (tags, exports) only know a username: it then identifies the person.
  if (it.person.id.empty() && !it.person.username.empty()) it.person.id = "@" + it.person.username;
  if (it.person.id.empty()) throw RecordError("\"person\" needs an \"id\" or a \"username\"");
  it.text = string_field(record, "text", false, "");
  auto ts = record.find("timestamp");
  if (ts == record.end() || ts->is_null()) throw RecordError("missing \"timestamp\"");
  it.timestamp = parse_timestamp(*ts);
  if (auto post = record.find("post"); post != record.end() && !post->is_null()) it.post = post_from_json(*post);
  return it;
}

json to_json(const Post &p) {
  json j = {{"id", p.id}};
  if (!p.caption.empty()) j["caption"] = p.caption;
  if (!p.permalink.empty()) j["permalink"] = p.permalink;
  if (p.like_count) j["like_count"] = *p.like_count;
  if (p.comments_count) j["comments_count"] = *p.comments_count;
  if (p.timestamp) j["timestamp"] = iso8601_utc(*p.timestamp);
  return j;
}

json to_json(const Interaction &it) {
  json j = {{"platform", it.platform},
            {"platform_id", it.platform_id},
            {"kind", kind_name(it.kind)},
            {"person", {{"id", it.person.id}, {"username", it.person.username}, {"name", it.person.name}}},
            {"text", it.text},
            {"timestamp", iso8601_utc(it.timestamp)}};
  if (it.post) j["post"] = to_json(*it.post);
  return j;
}

} // namespace webox::leads
