#include "lib/workflow/json_answer.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::workflow {
namespace {

using nlohmann::json;

bool has_type(const json &v, const std::string &type) {
  if (type == "any") return true;
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer") return v.is_number_integer() || (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<long long>(v.get<double>())));
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  return false;
}

// Tries each '{' or '[' in turn as the start of a JSON value, and each
// matching closer from the end, so prose (or a fence) around the value does
// not matter. Bounded tries keep a pathological answer from costing more
// than a few hundred parses.
json first_json_value(const std::string &answer) {
  constexpr int kMaxTries = 32;
  int starts = 0;
  for (size_t start = answer.find_first_of("{["); start != std::string::npos && starts++ < kMaxTries;
       start = answer.find_first_of("{[", start + 1)) {
    char close = answer[start] == '{' ? '}' : ']';
    int ends = 0;
    for (size_t end = answer.rfind(close); end != std::string::npos && end > start && ends++ < kMaxTries;
         end = answer.rfind(close, end - 1)) {
      json v = parse_json_or_discarded(std::string_view(answer).substr(start, end - start + 1));
      if (!v.is_discarded()) return v;
    }
  }
  throw std::runtime_error("the answer holds no JSON value");
}

} // namespace

json parse_json_answer(const std::string &answer, const Schema &schema) {
  json v = first_json_value(answer);
  if (schema.empty()) return v;
  if (!v.is_object()) throw std::runtime_error("the answer must be a JSON object");
  for (const auto &[field, type] : schema) {
    if (!v.contains(field)) throw std::runtime_error("the field \"" + field + "\" is missing");
    if (!has_type(v[field], type)) throw std::runtime_error("the field \"" + field + "\" must be of type " + type);
  }
  return v;
}

std::string repair_message(const std::string &problem, const Schema &schema) {
  std::string fields;
  for (const auto &[field, type] : schema) fields += (fields.empty() ? "" : ", ") + ("\"" + field + "\" (" + type + ")");
  // Same wording as the first request's instruction (task.cpp): one phrase
  // for models to learn, and for the test fake to recognise.
  return "Your answer could not be used: " + problem + ". Reply again. Answer with ONLY a JSON " +
         (schema.empty() ? std::string("value") : "object with the fields: " + fields) + ". Nothing else.";
}

} // namespace webox::workflow
