// json_fields.hpp: reading one field of a server's JSON without trusting its
// type. nlohmann's `j.value("key", default)` throws type_error.302 when the
// field is there with another type (`"message": 42`, `"detail": []`) and
// type_error.306 when `j` is not an object; thrown from a plugin, either ends
// the run as an "internal error" instead of the plugin's own failure message.
// These accessors treat a field of the wrong type as absent, so the caller's
// normal path (usually: say the HTTP status and what else it knows) runs.
// Header-only, shared by provider_kit, social_kit and media_kit; not ABI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace webox::json_fields {

using nlohmann::json;

// The member `key` of `j`, or nullptr when `j` is not an object or has none.
inline const json *member(const json &j, const char *key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// The string at `key`, or "" when it is missing or not a string.
inline std::string string_at(const json &j, const char *key) {
  const json *m = member(j, key);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}

// The integer at `key` (not 1.5, not "1"), or nothing.
inline std::optional<int64_t> integer_at(const json &j, const char *key) {
  const json *m = member(j, key);
  if (!m || !m->is_number_integer()) return std::nullopt;
  return m->get<int64_t>();
}

// Any number at `key`, or nothing.
inline std::optional<double> number_at(const json &j, const char *key) {
  const json *m = member(j, key);
  if (!m || !m->is_number()) return std::nullopt;
  return m->get<double>();
}

// True only for a JSON `true` at `key` (not 1, not "true").
inline bool flag_at(const json &j, const char *key) {
  const json *m = member(j, key);
  return m && m->is_boolean() && m->get<bool>();
}

// The object at `key`, or an empty object: servers send null, strings or
// numbers where the documentation promises an object.
inline json object_at(const json &j, const char *key) {
  const json *m = member(j, key);
  return m && m->is_object() ? *m : json::object();
}

} // namespace webox::json_fields
