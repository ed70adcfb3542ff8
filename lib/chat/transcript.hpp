// Rendering a stored conversation for `webox logs export` and a call list for
// `webox logs --json`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lib/store/calls.hpp"

namespace webox::chat {

enum class ExportFormat { json, md, html, txt };

// Parses "json", "md" (or "markdown"), "html", "txt" (or "text"); throws
// webox::UsageError naming the accepted values otherwise.
ExportFormat parse_export_format(const std::string &name);

// The whole conversation in `format`. Markdown and text show each turn's
// prompt and answer with model and time; HTML is a standalone page with every
// value escaped; JSON is {"conversation": {...}, "calls": [record...]}.
std::string export_conversation(const store::Conversation &conversation,
                                const std::vector<store::CallRecord> &calls,
                                ExportFormat format);

// One call as the JSON record `webox logs --json` prints: id, conversation_id,
// model ("provider:model"), resolved_model, system, prompt, response,
// options, input_tokens, output_tokens (null when unknown), latency_ms,
// ttft_ms, status, error, created_at.
nlohmann::json call_to_json(const store::CallRecord &call);

// One tool call on one line: `read_file {"path":"a.md"} -> ok (12 bytes, 3 ms)`.
std::string tool_call_line(const store::ToolCallEntry &call);

} // namespace webox::chat
