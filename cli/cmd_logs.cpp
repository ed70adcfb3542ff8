// `webox logs`: what was asked, of which model, and what came back.
//
//   webox logs [-n N] [--json] [--cid ID]   recent calls, newest first
//   webox logs export CID [--format F] [-o FILE]
//   webox logs path
//
// Reading logs never creates the database: on a machine where nothing was
// logged yet, `webox logs` says so instead of leaving an empty webox.db.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <limits>
#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/chat/transcript.hpp"
#include "lib/core/atomic_file.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/store/agent_log.hpp"
#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"

namespace webox::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct LogsOptions {
  int count = 3;
  bool json = false;
  std::string conversation_id;
};

struct LogsExportOptions {
  std::string conversation_id;
  std::string format = "md";
  std::string output;
};

// "last" is the conversation of the most recent call; anything else must
// name a stored conversation.
store::Conversation find_conversation(store::Calls &calls, const std::string &id) {
  if (id == "last") {
    if (auto latest = calls.latest_conversation()) return *latest;
    throw UsageError("no conversation yet: nothing has been logged");
  }
  if (auto conv = calls.conversation(id)) return *conv;
  throw UsageError("no conversation " + id);
}

std::string tokens_text(const store::CallRecord &c) {
  auto n = [](int64_t v) { return v < 0 ? std::string("?") : std::to_string(v); };
  if (c.input_tokens < 0 && c.output_tokens < 0) return "tokens unknown";
  return n(c.input_tokens) + " in / " + n(c.output_tokens) + " out tokens";
}

std::string with_newline(std::string s) {
  if (s.empty() || s.back() != '\n') s += '\n';
  return s;
}

// One call for a person reading a terminal: a header line with when, which
// model, how long and how many tokens, then the prompt and the response.
std::string render_call(const store::CallRecord &c) {
  std::string model = c.provider + ":" + c.model;
  if (!c.resolved_model.empty() && c.resolved_model != c.model) model += " (" + c.resolved_model + ")";
  std::string header = c.created_at + "  " + model + "  " + std::to_string(c.latency_ms) +
                       " ms  " + tokens_text(c);
  if (c.status != "ok") header += "  [" + c.status + "]";
  if (out::color()) header = "\033[1m" + header + "\033[0m";

  std::string s = header + "\n";
  s += "call " + std::to_string(c.id);
  if (!c.conversation_id.empty()) s += "  conversation " + c.conversation_id;
  s += "\n\n";
  if (!c.system.empty()) s += "System:\n" + with_newline(c.system) + "\n";
  s += "Prompt:\n" + with_newline(c.prompt) + "\n";
  // A call that failed before any text has no response worth a heading.
  if (!c.response.empty() || c.error.empty()) s += "Response:\n" + with_newline(c.response);
  if (!c.error.empty()) s += (c.response.empty() ? "" : "\n") + std::string("Error: ") + c.error + "\n";
  if (!c.tool_calls.empty()) {
    s += "\nTool calls:\n";
    for (const auto &t : c.tool_calls) s += "  " + chat::tool_call_line(t) + "\n";
  }
  return s;
}

void print_json(const json &doc) {
  // Invalid UTF-8 (a response cut mid-character) is replaced, not fatal.
  out::line(out::json_text(doc, 2));
}

void run_logs(const LogsOptions &opt, Context &ctx) {
  std::vector<store::CallRecord> rows;
  if (ctx.has_database()) {
    store::Calls calls(ctx.db());
    std::string cid;
    if (!opt.conversation_id.empty()) cid = find_conversation(calls, opt.conversation_id).id;
    rows = calls.recent(opt.count, cid);
    store::attach_tool_calls(ctx.db(), rows);
  } else if (!opt.conversation_id.empty()) {
    throw UsageError("no conversation " + opt.conversation_id);
  }

  if (opt.json) {
    json doc = json::array();
    for (const auto &c : rows) doc.push_back(chat::call_to_json(c));
    print_json(doc);
    return;
  }
  if (rows.empty()) {
    std::fputs("no calls logged yet\n", stderr);
    return;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!out::write((i > 0 ? "\n" : "") + render_call(rows[i]))) return; // reader went away
  }
}

void run_logs_export(const LogsExportOptions &opt, Context &ctx) {
  chat::ExportFormat format = chat::parse_export_format(opt.format);
  std::error_code ec;
  if (!opt.output.empty() && fs::is_directory(opt.output, ec))
    throw UsageError("-o " + opt.output + " is a folder; give a file name");
  if (!ctx.has_database()) {
    throw UsageError(opt.conversation_id == "last"
                         ? "no conversation yet: nothing has been logged"
                         : "no conversation " + opt.conversation_id);
  }
  store::Calls calls(ctx.db());
  store::Conversation conv = find_conversation(calls, opt.conversation_id);
  std::vector<store::CallRecord> rows = calls.calls_of(conv.id);
  store::attach_tool_calls(ctx.db(), rows);
  std::string text = chat::export_conversation(conv, rows, format);
  if (opt.output.empty() || opt.output == "-") {
    out::write(text);
    return;
  }
  // Complete or not at all; the mode follows the umask, like any new file.
  write_file_atomically(opt.output, text);
  spdlog::info("wrote {}", opt.output);
}

} // namespace

void setup_logs(CLI::App &app, Context &ctx) {
  CLI::App *logs = app.add_subcommand("logs", "Show logged model calls and export conversations");
  auto lopt = std::make_shared<LogsOptions>();
  logs->add_option("-n,--count", lopt->count, "How many calls to show, newest first (0 = all)")
      ->capture_default_str()
      ->check(CLI::Range(0, std::numeric_limits<int>::max()));
  logs->add_flag("--json", lopt->json, "Print one JSON array of call records");
  logs->add_option("--cid,--conversation", lopt->conversation_id,
                   "Only calls of this conversation ('last' for the latest)");
  logs->footer(R"EX(
Examples:
  webox logs                      the last 3 calls
  webox logs -n 20 --json | jq '.[].latency_ms'
  webox logs --cid last -n 0      every call of the latest conversation
  webox logs export last --format html -o chat.html
  webox logs path)EX");
  logs->callback([logs, lopt, &ctx] {
    // CLI11 runs this after the callback of `logs export` or `logs path`;
    // only list calls when `logs` was invoked by itself.
    if (!logs->get_subcommands().empty()) return;
    ctx.command = [lopt, &ctx] { run_logs(*lopt, ctx); };
  });

  CLI::App *exp = logs->add_subcommand("export", "Export one conversation");
  auto eopt = std::make_shared<LogsExportOptions>();
  exp->add_option("CID", eopt->conversation_id, "Conversation id, or 'last'")->required();
  exp->add_option("-f,--format", eopt->format, "json, md, html or txt")
      ->capture_default_str()
      ->check(CLI::IsMember({"json", "md", "markdown", "html", "txt", "text"}));
  exp->add_option("-o,--output", eopt->output, "Write to FILE instead of stdout")->type_name("FILE");
  exp->footer(R"EX(
Examples:
  webox logs export last                       Markdown on stdout
  webox logs export 01JD3Q... --format json | jq .calls[0].response
  webox logs export last --format html -o conversation.html)EX");
  exp->callback([eopt, &ctx] { ctx.command = [eopt, &ctx] { run_logs_export(*eopt, ctx); }; });

  CLI::App *path = logs->add_subcommand("path", "Print the path of the database");
  path->footer(R"EX(
Examples:
  webox logs path
  sqlite3 "$(webox logs path)" 'select count(*) from calls')EX");
  path->callback([&ctx] { ctx.command = [] { out::line(paths::database().string()); }; });
}

WEBOX_COMMAND(40, setup_logs);

} // namespace webox::cli
