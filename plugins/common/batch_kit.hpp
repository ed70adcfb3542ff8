// batch_kit.hpp: what the batch operations of the chat plugins share (ABI
// 1.5, WEBOX_CAP_BATCH; plugin.h "ABI 1.5 (batch)"): reading the host's
// JSONL of requests, the request of an action, the status document, and the
// reader of the provider's result files with its limits. Header-only, for
// in-tree plugins; not part of the SDK.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

#include <nlohmann/json.hpp>
#include <webox/plugin.hpp>

#include "plugins/common/json_fields.hpp"
#include "plugins/common/shared/bounded_json.hpp"

namespace webox::kit::batch {

using nlohmann::json;

// A line of a result file longer than this is not read (a warning): no
// answer of a chat model comes near it, and a hostile server's one endless
// line must not become one endless allocation.
constexpr size_t kMaxResultLine = 8u << 20;
// A batch holds at most this many requests whatever the provider allows
// (Anthropic 100,000): the host never splits above it.
constexpr int64_t kMaxRequests = 100000;

inline std::string dump(const json &j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// custom_id as the host makes it and Anthropic requires: [A-Za-z0-9_-]{1,64}.
inline bool valid_custom_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

// The operation's request document: an object with a known "action".
inline json parse_action(const webox_request *req, const std::string &who) {
  json request = bounded_json::parse_or_discarded(std::string_view(req->json, req->json_size));
  if (!request.is_object()) throw sdk::Failure(WEBOX_E_INVALID, who + ": the batch request is not a JSON object");
  const std::string action = json_fields::string_at(request, "action");
  if (action != "submit" && action != "status" && action != "cancel")
    throw sdk::Failure(WEBOX_E_INVALID, who + ": unknown batch action '" + action + "'");
  if (action != "submit" && json_fields::string_at(request, "id").empty())
    throw sdk::Failure(WEBOX_E_INVALID, who + ": the batch request names no id");
  return request;
}

// A batch id goes into a URL path: only what providers use in ids.
inline std::string checked_id(const json &request, const std::string &who) {
  std::string id = json_fields::string_at(request, "id");
  if (id.empty() || id.size() > 200) throw sdk::Failure(WEBOX_E_INVALID, who + ": bad batch id");
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      throw sdk::Failure(WEBOX_E_INVALID, who + ": bad batch id '" + id.substr(0, 80) + "'");
  return id;
}

// Calls `each(custom_id, chat_request)` for every line of the host's JSONL.
// A line that is not {"custom_id": valid, "request": object}, or a custom_id
// seen before, refuses the whole batch before anything is sent.
inline size_t for_each_request(std::string_view jsonl, const std::string &who,
                               const std::function<void(const std::string &, const json &)> &each) {
  std::unordered_set<std::string> seen;
  size_t line_no = 0, count = 0;
  while (!jsonl.empty()) {
    size_t end = jsonl.find('\n');
    std::string_view line = jsonl.substr(0, end);
    jsonl.remove_prefix(end == std::string_view::npos ? jsonl.size() : end + 1);
    ++line_no;
    if (line.empty()) continue;
    json doc = bounded_json::parse_or_discarded(line);
    const std::string custom_id = json_fields::string_at(doc, "custom_id");
    const json request = json_fields::object_at(doc, "request");
    if (!valid_custom_id(custom_id) || request.empty())
      throw sdk::Failure(WEBOX_E_INVALID, who + ": batch line " + std::to_string(line_no) +
                                              " is not {\"custom_id\": [A-Za-z0-9_-]{1,64}, \"request\": {...}}");
    if (!seen.insert(custom_id).second)
      throw sdk::Failure(WEBOX_E_INVALID, who + ": custom_id '" + custom_id + "' is used twice in the batch");
    if (json_fields::string_at(request, "model").empty() || !request.value("messages", json()).is_array())
      throw sdk::Failure(WEBOX_E_INVALID, who + ": the request of '" + custom_id + "' has no model or messages");
    if (++count > static_cast<size_t>(kMaxRequests))
      throw sdk::Failure(WEBOX_E_INVALID, who + ": more than " + std::to_string(kMaxRequests) + " requests in one batch");
    each(custom_id, request);
  }
  if (count == 0) throw sdk::Failure(WEBOX_E_INVALID, who + ": the batch holds no request");
  return count;
}

// The status document every action answers (plugin.h "ABI 1.5 (batch)").
struct Status {
  std::string id;
  std::string status;          // in_progress, cancelling, ended, expired, cancelled, failed
  std::string provider_status; // the provider's own word
  int64_t total = 0, succeeded = 0, failed = 0;
  std::string created_at;
  std::string message;

  json to_json() const {
    json doc = {{"id", id},
                {"status", status},
                {"provider_status", provider_status},
                {"request_counts", {{"total", total}, {"succeeded", succeeded}, {"failed", failed}}}};
    if (!created_at.empty()) doc["created_at"] = created_at;
    if (!message.empty()) doc["message"] = message;
    return doc;
  }
};

// Reads a result file line by line as the host frames it (NDJSON), bounded:
// each line is handed to `read_line`, which returns the result event or a
// discarded json with `why` set; at most `max_results` results.
class ResultReader {
public:
  ResultReader(std::string who, webox_sink_fn sink, void *user, int64_t max_results)
      : m_who(std::move(who)), m_sink(sink), m_user(user), m_max(max_results) {}

  template <class ReadLine> void on_line(std::string_view line, const ReadLine &read_line) {
    ++m_line;
    if (line.size() > kMaxResultLine) return warn("line " + std::to_string(m_line) + " of the results is larger than " +
                                                  std::to_string(kMaxResultLine >> 20) + " MiB: skipped");
    json doc = bounded_json::parse_or_discarded(line);
    if (!doc.is_object()) return warn("line " + std::to_string(m_line) + " of the results is not a JSON object: skipped");
    std::string why;
    json event = read_line(doc, why);
    if (event.is_discarded() || !event.is_object()) return warn("line " + std::to_string(m_line) + " of the results: " + why);
    if (++m_results > m_max)
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_who + ": the provider sent more than " + std::to_string(m_max) +
                                               " results for this batch");
    event["type"] = "result";
    sdk::emit(m_sink, m_user, dump(event));
  }

  // GETs a result file (`http`: its URL, headers and timeout) and hands
  // each line to on_line; the response comes back for the caller's mapping
  // of an HTTP error status, transport failures are explained here.
  template <class ReadLine>
  sdk::HttpResponse read_file(const webox_call *call, sdk::HttpRequest http, const ReadLine &read_line) {
    http.method = "GET";
    http.framing = WEBOX_HTTP_NDJSON;
    try {
      return sdk::http_stream(call, http, [&](std::string_view line) {
        on_line(line, read_line);
        return true;
      });
    } catch (const sdk::Failure &f) {
      throw sdk::explain_transport_failure(m_who, f, false);
    }
  }

  json summary() const { return {{"results", m_results}, {"warnings", m_warnings}}; }

private:
  void warn(const std::string &message) {
    ++m_warnings;
    sdk::emit(m_sink, m_user, dump(json{{"type", "warning"}, {"message", m_who + ": " + message}}));
  }

  std::string m_who;
  webox_sink_fn m_sink;
  void *m_user;
  int64_t m_max;
  int64_t m_line = 0, m_results = 0, m_warnings = 0;
};

// "max_results" of a batch_results request: 1 to kMaxRequests.
inline int64_t max_results_of(const json &request) {
  int64_t n = json_fields::integer_at(request, "max_results").value_or(kMaxRequests);
  return n < 1 ? 1 : n > kMaxRequests ? kMaxRequests : n;
}

// A failed result's error object.
inline json error_doc(const std::string &kind, const std::string &message, int http_status = 0,
                      const std::string &code = {}) {
  json e = {{"kind", kind}, {"message", message}};
  if (http_status) e["http_status"] = http_status;
  if (!code.empty()) e["provider_code"] = code;
  return e;
}

// A descriptor with the batch slots (ABI 1.5: min_host_minor 5).
constexpr webox_plugin with_batch(webox_plugin d, webox_op_fn batch, webox_stream_op_fn batch_results) {
  d.capabilities |= WEBOX_CAP_BATCH;
  d.batch = batch;
  d.batch_results = batch_results;
  if (d.min_host_minor < 5) d.min_host_minor = 5;
  return d;
}

} // namespace webox::kit::batch
