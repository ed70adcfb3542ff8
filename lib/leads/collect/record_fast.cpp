// The fast path of the JSONL import; see record_fast.hpp. Every `return
// false` below means "not the plain case", never "invalid": the reference
// parser decides.
#include "lib/leads/collect/record_fast.hpp"

#include <charconv>

// As libsimdjson was built (Debian); its CMake target would set this for
// every file of libwebox (see lib/CMakeLists.txt).
#ifndef SIMDJSON_THREADS_ENABLED
#define SIMDJSON_THREADS_ENABLED 1
#endif
#include <simdjson.h>

namespace webox::leads {

namespace dom = simdjson::dom;

// The DOM API, not on-demand: it is compiled into libsimdjson with runtime
// dispatch (the best kernel for this CPU, where the header-only on-demand
// code gets the generic one without -march), and it validates the whole
// line, trailing content included.
struct FastRecordReader::Impl {
  dom::parser parser;
};

FastRecordReader::FastRecordReader() : m(std::make_unique<Impl>()) {}
FastRecordReader::~FastRecordReader() = default;

namespace {

bool get_string(dom::element v, std::string &out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  out.assign(s);
  return true;
}

bool read_person(dom::element v, Person &p) {
  if (std::string_view name; !v.get_string().get(name)) { // the username alone, as record.cpp reads it
    p.username.assign(username_of(name));
    p.id = "@" + p.username;
    return !p.username.empty();
  }
  dom::object obj;
  if (v.get_object().get(obj)) return false;
  unsigned seen = 0;
  for (dom::key_value_pair field : obj) {
    std::string_view key = field.key;
    unsigned bit = key == "id" ? 1u : key == "username" ? 2u : key == "name" ? 4u : 0u;
    if (!bit || (seen & bit)) return false;
    seen |= bit;
    std::string &target = bit == 1 ? p.id : bit == 2 ? p.username : p.name;
    if (!get_string(field.value, target)) return false;
  }
  if (p.id.empty() && !p.username.empty()) p.id = "@" + p.username;
  return !p.id.empty();
}

bool read_timestamp(dom::element v, int64_t &out) {
  if (v.type() == dom::element_type::INT64) {
    int64_t n = v.get_int64().value_unsafe();
    out = n > 1000000000000LL ? n / 1000 : n;
    return true;
  }
  std::string_view s;
  if (v.get_string().get(s) || s.empty()) return false; // a float, an unsigned above 2^63...: the reference parser
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec == std::errc() && end == s.data() + s.size()) {
    out = n > 1000000000000LL ? n / 1000 : n;
    return true;
  }
  try {
    out = parse_timestamp_text(s);
    return true;
  } catch (const RecordError &) {
    return false;
  }
}

} // namespace

bool FastRecordReader::read(std::string &line, Interaction &out) {
  if (line.capacity() < line.size() + simdjson::SIMDJSON_PADDING) line.reserve(line.size() + simdjson::SIMDJSON_PADDING);
  dom::element doc;
  if (m->parser.parse(line.data(), line.size(), /*realloc_if_needed=*/false).get(doc)) return false;
  dom::object obj;
  if (doc.get_object().get(obj)) return false;
  // Cleared field by field, not reassigned: the strings keep their capacity,
  // so a reader reused line after line allocates nothing for most lines.
  out.platform.clear();
  out.platform_id.clear();
  out.kind = Kind::comment;
  out.person.id.clear();
  out.person.username.clear();
  out.person.name.clear();
  out.text.clear();
  out.timestamp = 0;
  out.post.reset();
  enum : unsigned { kPlatform = 1, kId = 2, kKind = 4, kPerson = 8, kText = 16, kTime = 32, kPost = 64 };
  unsigned seen = 0;
  for (dom::key_value_pair field : obj) {
    std::string_view key = field.key;
    dom::element v = field.value;
    unsigned bit = 0;
    if (key == "platform") {
      bit = kPlatform;
      if (!get_string(v, out.platform)) return false;
    } else if (key == "platform_id") {
      bit = kId;
      if (!get_string(v, out.platform_id) || out.platform_id.empty()) return false;
    } else if (key == "kind") {
      bit = kKind;
      std::string_view s;
      if (v.get_string().get(s)) return false;
      auto kind = parse_record_kind(s);
      if (!kind) return false;
      out.kind = *kind;
    } else if (key == "person") {
      bit = kPerson;
      if (!read_person(v, out.person)) return false;
    } else if (key == "text") {
      bit = kText;
      if (!get_string(v, out.text)) return false;
    } else if (key == "timestamp") {
      bit = kTime;
      if (!read_timestamp(v, out.timestamp)) return false;
    } else if (key == "post") {
      bit = kPost;
      Post post;
      if (!get_string(v, post.id) || post.id.empty()) return false;
      out.post = std::move(post);
    } else {
      return false; // an unknown field: the reference parser knows what it tolerates
    }
    if (seen & bit) return false;
    seen |= bit;
  }
  constexpr unsigned kRequired = kPlatform | kId | kKind | kPerson | kTime;
  return (seen & kRequired) == kRequired;
}

} // namespace webox::leads
