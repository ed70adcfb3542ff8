// tool_kit.hpp: tool calling (ABI 1.3, WEBOX_CAP_TOOLS) for the chat
// provider plugins: reading the provider-neutral fields of the request
// ("tools", "tool_choice", assistant "tool_calls", "tool" messages) and
// assembling the model's calls, streamed in pieces or whole, into the one
// shape the host reads (docs/ARCHITECTURE.md, "Plugin operations"):
//   {"id","name","arguments":{...},"extra"?:{...}}, or "arguments": null plus
//   "arguments_text" when what the model wrote is not a JSON object.
// Each plugin keeps only its wire format; the limits live here, once.
// Header-only, compiled into each plugin; NOT part of the ABI.
#ifndef WEBOX_TOOL_KIT_HPP
#define WEBOX_TOOL_KIT_HPP

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <webox/plugin.hpp>

#include "plugins/common/json_fields.hpp"
#include "plugins/common/shared/bounded_json.hpp"

namespace webox::kit::tools {

using nlohmann::json;
using json_fields::string_at;

// What one answer may hold. A model stuck in a loop can stream calls or
// argument text until the body limit; these stop it with a clear message
// long before, and bound what the host stores per answer.
inline constexpr size_t kMaxArgumentBytes = size_t{1} << 20; // per call
inline constexpr size_t kMaxCalls = 128;                      // per answer

inline std::string dump(const json &j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// ---- The request ------------------------------------------------------------

struct Tool {
  std::string name;
  std::string description;
  json input_schema; // a JSON Schema object
};

// The request's "tools", checked: a tool needs a name; no schema means "no
// parameters". Malformed: WEBOX_E_INVALID naming the tool's place.
inline std::vector<Tool> read_tools(const json &request, const std::string &who) {
  std::vector<Tool> tools;
  const json *list = json_fields::member(request, "tools");
  if (!list || list->is_null()) return tools;
  if (!list->is_array()) throw sdk::Failure(WEBOX_E_INVALID, who + ": \"tools\" must be a list");
  if (list->size() > kMaxCalls)
    throw sdk::Failure(WEBOX_E_INVALID, who + ": more than " + std::to_string(kMaxCalls) + " tools in one request");
  for (size_t i = 0; i < list->size(); ++i) {
    const json &t = (*list)[i];
    const std::string where = who + ": tools[" + std::to_string(i) + "]";
    Tool tool;
    tool.name = string_at(t, "name");
    if (tool.name.empty()) throw sdk::Failure(WEBOX_E_INVALID, where + " has no \"name\"");
    tool.description = string_at(t, "description");
    const json *schema = json_fields::member(t, "input_schema");
    if (schema && !schema->is_null() && !schema->is_object())
      throw sdk::Failure(WEBOX_E_INVALID, where + " (" + tool.name + "): \"input_schema\" must be an object");
    tool.input_schema = schema && schema->is_object() ? *schema : json{{"type", "object"}, {"properties", json::object()}};
    tools.push_back(std::move(tool));
  }
  return tools;
}

enum class Choice { unset, automatic, none, required, named };

struct ToolChoice {
  Choice kind = Choice::unset;
  std::string name; // for Choice::named
};

// "auto" | "none" | "required" | {"name": "x"}; anything else is refused.
inline ToolChoice read_tool_choice(const json &request, const std::string &who) {
  const json *c = json_fields::member(request, "tool_choice");
  if (!c || c->is_null()) return {};
  if (c->is_string()) {
    const std::string s = c->get<std::string>();
    if (s == "auto") return {Choice::automatic, {}};
    if (s == "none") return {Choice::none, {}};
    if (s == "required") return {Choice::required, {}};
  } else if (std::string name = string_at(*c, "name"); !name.empty()) {
    return {Choice::named, name};
  }
  throw sdk::Failure(WEBOX_E_INVALID,
                     who + ": \"tool_choice\" must be \"auto\", \"none\", \"required\" or {\"name\": \"<tool>\"}");
}

// What the request offers: its tools (none = no tool fields to send) and
// the choice. Read together so that a bad tool_choice is refused even when
// the tool list is empty.
struct Offer {
  std::vector<Tool> tools;
  ToolChoice choice;
};

inline Offer read_offer(const json &request, const std::string &who) {
  Offer offer;
  offer.tools = read_tools(request, who);
  offer.choice = read_tool_choice(request, who);
  return offer;
}

// The tools in a wire format, one `wire_tool(tool)` each.
template <class WireTool> json tool_list(const std::vector<Tool> &tools, const WireTool &wire_tool) {
  json list = json::array();
  for (const auto &t : tools) list.push_back(wire_tool(t));
  return list;
}

// `{type: "function", function: {name, description, parameters}}`: the
// OpenAI shape, which Ollama copied.
inline json function_tool(const Tool &t) {
  json function = {{"name", t.name}, {"parameters", t.input_schema}};
  if (!t.description.empty()) function["description"] = t.description;
  return {{"type", "function"}, {"function", std::move(function)}};
}

// ---- Messages the host sends back -------------------------------------------

inline bool is_tool_result(const json &message) { return string_at(message, "role") == "tool"; }

// The assistant message's calls (an empty list when it has none), each
// checked to be an object with a name.
inline json calls_of(const json &message, const std::string &who) {
  const json *calls = json_fields::member(message, "tool_calls");
  if (!calls || calls->is_null()) return json::array();
  if (!calls->is_array()) throw sdk::Failure(WEBOX_E_INVALID, who + ": an assistant message's \"tool_calls\" must be a list");
  for (const auto &call : *calls)
    if (string_at(call, "name").empty())
      throw sdk::Failure(WEBOX_E_INVALID, who + ": a tool call in the conversation has no \"name\"");
  return *calls;
}

// The arguments as an object, for wire formats that carry objects. A call
// whose arguments did not parse goes back as {} (its tool result says why).
inline json arguments_object(const json &call) {
  const json *args = json_fields::member(call, "arguments");
  return args && args->is_object() ? *args : json::object();
}

// The arguments as the model wrote them, for wire formats that carry text:
// the raw text of a call that did not parse, so the model sees its mistake.
inline std::string arguments_text(const json &call) {
  const json *args = json_fields::member(call, "arguments");
  if (args && args->is_object()) return dump(*args);
  if (std::string raw = string_at(call, "arguments_text"); !raw.empty()) return raw;
  return "{}";
}

inline json extra_of(const json &call) { return json_fields::object_at(call, "extra"); }

// A message's content as plain text: a string, or text blocks joined.
inline std::string content_text(const json &content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (content.is_array())
    for (const auto &block : content) text += block.is_string() ? block.get<std::string>() : string_at(block, "text");
  return text;
}

// An id for a provider that gives none (Gemini, Ollama): the same for the
// same conversation, distinct between the steps of a loop (the count of
// assistant turns already in the request) and between parallel calls.
inline std::string synthesised_id(const json &messages, size_t call_number) {
  size_t turn = 1;
  if (messages.is_array())
    for (const auto &m : messages) turn += string_at(m, "role") == "assistant";
  return "call_" + std::to_string(turn) + "_" + std::to_string(call_number + 1);
}

// ---- The model's calls ----------------------------------------------------------

inline void check_argument_size(size_t size, const std::string &who, const std::string &name) {
  if (size > kMaxArgumentBytes)
    throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": the arguments of the tool call '" + name + "' exceed " +
                                             std::to_string(kMaxArgumentBytes >> 20) + " MiB");
}

// The host's document for one finished call whose arguments came as text.
// Empty text is a call without parameters; text that is not a JSON object
// stays visible as arguments_text.
inline json call_from_text(const std::string &id, const std::string &name, const std::string &text,
                           const json &extra, const std::string &who) {
  check_argument_size(text.size(), who, name);
  json call = {{"id", id}, {"name", name}};
  const bool blank = text.find_first_not_of(" \t\r\n") == std::string::npos;
  json parsed = blank ? json::object() : bounded_json::parse_or_discarded(text);
  if (parsed.is_object()) {
    call["arguments"] = std::move(parsed);
  } else {
    call["arguments"] = nullptr;
    call["arguments_text"] = text;
  }
  if (extra.is_object() && !extra.empty()) call["extra"] = extra;
  return call;
}

// The same for wire formats that send the arguments as a JSON value.
inline json call_from_value(const std::string &id, const std::string &name, const json &arguments,
                            const json &extra, const std::string &who) {
  if (arguments.is_null()) return call_from_text(id, name, "", extra, who);
  if (arguments.is_string()) return call_from_text(id, name, arguments.get<std::string>(), extra, who);
  return call_from_text(id, name, dump(arguments), extra, who);
}

// Collects the calls of one answer, emits one "tool_call" event per
// finished call, and enforces the per-answer limits.
class Calls {
public:
  Calls(std::string who, webox_sink_fn sink = nullptr, void *user = nullptr)
      : m_who(std::move(who)), m_sink(sink), m_user(user) {}

  // A call that arrived whole.
  void add(json call) {
    check_count(m_done.size() + m_open.size() + 1);
    if (m_sink) {
      json event = call;
      event["type"] = "tool_call";
      sdk::emit(m_sink, m_user, dump(event));
    }
    m_done.push_back(std::move(call));
  }

  // A call that arrives in pieces, keyed by the provider's index: the first
  // piece names it (a later one may fill an id or name left empty).
  void open(int64_t index, const std::string &id, const std::string &name, const json &extra = json::object()) {
    auto it = m_open.find(index);
    if (it == m_open.end()) {
      check_count(m_done.size() + m_open.size() + 1);
      it = m_open.emplace(index, Pending{}).first;
    }
    Pending &p = it->second;
    if (p.id.empty()) p.id = id;
    if (p.name.empty()) p.name = name;
    if (extra.is_object() && !extra.empty()) p.extra = extra;
  }

  void append(int64_t index, std::string_view piece) {
    auto it = m_open.find(index);
    if (it == m_open.end()) {
      open(index, "", "");
      it = m_open.find(index);
    }
    it->second.text.append(piece);
    check_argument_size(it->second.text.size(), m_who, it->second.name);
  }

  bool is_open(int64_t index) const { return m_open.count(index) != 0; }
  bool has_open() const { return !m_open.empty(); }

  // The call at `index` is complete. `fallback_id` names it when the
  // provider sent no id.
  void close(int64_t index, const std::string &fallback_id) {
    auto it = m_open.find(index);
    if (it == m_open.end()) return;
    Pending p = std::move(it->second);
    m_open.erase(it);
    if (p.name.empty()) throw sdk::Failure(WEBOX_E_UPSTREAM, m_who + ": a streamed tool call never named its tool");
    add(call_from_text(p.id.empty() ? fallback_id : p.id, p.name, p.text, p.extra, m_who));
  }

  // Every call still open, in index order (the end of the answer).
  template <class IdFor> void close_all(const IdFor &id_for) {
    while (!m_open.empty()) close(m_open.begin()->first, id_for(m_done.size()));
  }

  bool empty() const { return m_done.empty() && m_open.empty(); }
  size_t size() const { return m_done.size(); }
  const json &finished() const { return m_done; }

private:
  struct Pending {
    std::string id, name, text;
    json extra = json::object();
  };

  void check_count(size_t count) const {
    if (count > kMaxCalls)
      throw sdk::Failure(WEBOX_E_UPSTREAM,
                         m_who + ": the model asked for more than " + std::to_string(kMaxCalls) + " tool calls in one answer");
  }

  std::string m_who;
  webox_sink_fn m_sink;
  void *m_user;
  std::map<int64_t, Pending> m_open;
  json m_done = json::array();
};

} // namespace webox::kit::tools

#endif // WEBOX_TOOL_KIT_HPP
