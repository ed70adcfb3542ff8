#include "lib/agent/schema_check.hpp"

#include <cmath>

namespace webox::agent {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 32;

bool has_type(const json &value, const std::string &type) {
  if (type == "string") return value.is_string();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    if (!value.is_number_float()) return false;
    double d = value.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "null") return value.is_null();
  return true; // a type this subset does not know: not ours to refuse
}

std::string where(const std::string &path) { return path.empty() ? "arguments" : path; }

std::optional<std::string> check(const json &schema, const json &value, const std::string &path, int depth) {
  if (depth > kMaxDepth) return where(path) + ": nested deeper than " + std::to_string(kMaxDepth) + " levels";
  if (!schema.is_object()) return std::nullopt;
  if (auto t = schema.find("type"); t != schema.end()) {
    bool fits = false;
    std::string names;
    if (t->is_string()) {
      fits = has_type(value, t->get<std::string>());
      names = t->get<std::string>();
    } else if (t->is_array()) {
      for (const auto &one : *t) {
        if (!one.is_string()) continue;
        fits = fits || has_type(value, one.get<std::string>());
        names += (names.empty() ? "" : " or ") + one.get<std::string>();
      }
    } else {
      fits = true;
    }
    if (!fits) return where(path) + ": expected " + names + ", got " + value.type_name();
  }
  if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    bool listed = false;
    for (const auto &v : *e) listed = listed || v == value;
    if (!listed) return where(path) + ": " + value.dump() + " is not one of " + e->dump();
  }
  if (value.is_object()) {
    if (auto r = schema.find("required"); r != schema.end() && r->is_array())
      for (const auto &name : *r)
        if (name.is_string() && !value.contains(name.get<std::string>()))
          return where(path) + ": missing required '" + name.get<std::string>() + "'";
    const json *props = nullptr;
    if (auto p = schema.find("properties"); p != schema.end() && p->is_object()) props = &*p;
    const bool closed = schema.contains("additionalProperties") && schema["additionalProperties"] == false;
    for (const auto &[key, v] : value.items()) {
      const std::string sub = path.empty() ? key : path + "." + key;
      if (props && props->contains(key)) {
        if (auto problem = check((*props)[key], v, sub, depth + 1)) return problem;
      } else if (closed) {
        return where(path) + ": unexpected property '" + key + "'";
      }
    }
  }
  if (value.is_array())
    if (auto items = schema.find("items"); items != schema.end() && items->is_object())
      for (size_t i = 0; i < value.size(); ++i)
        if (auto problem = check(*items, value[i], where(path) + "[" + std::to_string(i) + "]", depth + 1))
          return problem;
  return std::nullopt;
}

} // namespace

std::optional<std::string> schema_problem(const nlohmann::json &schema, const nlohmann::json &value) {
  return check(schema, value, "", 0);
}

} // namespace webox::agent
