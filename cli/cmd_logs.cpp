// `webox logs`: what was asked, of which model, and what came back.
//
//   webox logs [-n N] [--json] [--cid ID]   recent calls, newest first
//   webox logs list [--since D] [--model M] [--status S] [-n N] [--json]
//                                           conversations, most recently active first
//   webox logs search WORDS... [--fts] [filters] [-n N] [--json]
//                                           calls matching words (FTS5), newest first
//   webox logs export CID [--format F|--json] [--output FILE]
//   webox logs path [--json]
//
// Reading logs never creates the database: on a machine where nothing was
// logged yet, `webox logs` says so instead of leaving an empty webox.db.
#include <CLI/CLI.hpp>

#include <ctime>
#include <filesystem>
#include <limits>
#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/flags.hpp"
#include "cli/output.hpp"
#include "lib/chat/prices.hpp"
#include "lib/chat/transcript.hpp"
#include "lib/compare/text_width.hpp"
#include "lib/core/atomic_file.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/text_input.hpp"
#include "lib/store/agent_log.hpp"
#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"
#include "lib/store/history.hpp"
#include "lib/store/open.hpp"
#include "lib/store/stats.hpp"

namespace webox::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct LogsOptions {
  int count = 3;
  bool json = false;
  std::string conversation_id;
};

// What `logs list` and `logs search` share.
struct HistoryOptions {
  std::string since, model, status;
  int count = 20;
  bool json = false;
};

struct LogsSearchOptions {
  HistoryOptions filter;
  std::vector<std::string> words;
  bool fts = false;
};

struct LogsExportOptions {
  std::string conversation_id;
  std::string format = "md";
  bool json = false; // --json: --format json
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
  chat::ExportFormat format = chat::parse_export_format(opt.json ? "json" : opt.format);
  std::error_code ec;
  if (!opt.output.empty() && fs::is_directory(opt.output, ec))
    throw UsageError("--output " + opt.output + " is a folder; give a file name");
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


store::HistoryFilter history_filter(const HistoryOptions &o) {
  store::check_call_status(o.status);
  store::HistoryFilter f;
  f.model = o.model;
  f.status = o.status;
  f.limit = o.count;
  if (!o.since.empty()) f.since = store::since_bound(o.since, static_cast<int64_t>(std::time(nullptr)));
  return f;
}

// "2026-12-07T17:03:41.123Z" -> "2026-12-07 17:03"
std::string short_time(const std::string &iso) {
  if (iso.size() < 16) return iso;
  return iso.substr(0, 10) + " " + iso.substr(11, 5);
}

// `text` cut to `width` terminal cells, "…" marking a cut.
std::string fit_width(const std::string &text, size_t width) {
  if (compare::display_width(text) <= width) return text;
  if (width <= 1) return width == 1 ? "\u2026" : "";
  std::vector<std::string> lines = compare::wrap(text, width - 1);
  return (lines.empty() ? std::string() : lines.front()) + "\u2026";
}

std::string conversation_cost_text(const store::ConversationSummary &c) {
  if (!c.cost) return "cost unknown";
  return (c.cost_complete ? "" : ">=") + chat::format_cost(c.cost);
}

json optional_cost(const std::optional<double> &cost) { return cost ? json(*cost) : json(nullptr); }

void run_logs_list(const HistoryOptions &o, Context &ctx) {
  store::HistoryFilter filter = history_filter(o);
  std::vector<store::ConversationSummary> rows;
  if (ctx.has_database()) rows = store::list_conversations(ctx.db(), filter);
  if (o.json) {
    json doc = json::array();
    for (const auto &c : rows)
      doc.push_back({{"id", c.id}, {"title", c.title}, {"model", c.model}, {"created_at", c.created_at},
                     {"last_at", c.last_at}, {"turns", c.turns}, {"cost", optional_cost(c.cost)},
                     {"cost_complete", c.cost_complete}});
    print_json(doc);
    return;
  }
  if (rows.empty()) {
    std::fputs("no conversations\n", stderr);
    return;
  }
  const size_t width = out::terminal_size().columns;
  for (const auto &c : rows) {
    std::string head = c.id + "  " + short_time(c.last_at) + "  " + c.model + "  " + std::to_string(c.turns) +
                       (c.turns == 1 ? " turn" : " turns") + "  " + conversation_cost_text(c) + "  ";
    size_t room = width > compare::display_width(head) ? width - compare::display_width(head) : 0;
    if (!out::line(head + fit_width(c.title, std::max<size_t>(room, 10)))) return;
  }
}

// The snippet's match markers as bold on a color terminal, [brackets] else.
std::string show_matches(std::string snippet, bool bold) {
  std::string out;
  for (char ch : snippet) {
    if (ch == store::kMatchStart) out += bold ? "\033[1m" : "[";
    else if (ch == store::kMatchEnd) out += bold ? "\033[0m" : "]";
    else out += ch;
  }
  return out;
}

void run_logs_search(const LogsSearchOptions &o, Context &ctx) {
  store::HistoryFilter filter = history_filter(o.filter);
  const std::string query = store::search_query(text::join_words(o.words), o.fts);
  std::vector<store::SearchHit> hits;
  if (ctx.has_database()) hits = store::search_calls(ctx.db(), query, filter);
  if (o.filter.json) {
    json doc = json::array();
    for (const auto &h : hits)
      doc.push_back({{"call_id", h.call_id},
                     {"conversation_id", h.conversation_id.empty() ? json(nullptr) : json(h.conversation_id)},
                     {"title", h.title}, {"model", h.model}, {"status", h.status},
                     {"created_at", h.created_at}, {"snippet", show_matches(h.snippet, false)}});
    print_json(doc);
    return;
  }
  if (hits.empty()) {
    std::fputs("no match\n", stderr);
    return;
  }
  const bool bold = out::color();
  for (const auto &h : hits) {
    std::string where = h.conversation_id.empty() ? "call " + std::to_string(h.call_id) : h.conversation_id;
    std::string head = where + "  " + short_time(h.created_at) + "  " + h.model +
                       (h.status == "ok" ? "" : "  [" + h.status + "]");
    if (!out::line(head + "\n    " + show_matches(h.snippet, bold))) return;
  }
}

void add_history_filters(CLI::App *cmd, HistoryOptions &o) {
  cmd->add_option("--since", o.since, "A duration back from now (30m, 24h, 7d, 2w) or a date (2026-11-01)")
      ->type_name("WHEN");
  cmd->add_option("--model", o.model, "Only this model (gpt-4o-mini), provider:model or provider")->type_name("MODEL");
  cmd->add_option("--status", o.status, "Only calls with this status: ok, error or cancelled")->type_name("STATUS");
  cmd->add_option("-n,--count", o.count, "How many to show (0 = all)")
      ->capture_default_str()
      ->check(CLI::Range(0, std::numeric_limits<int>::max()));
  cmd->add_flag("--json", o.json, "Print one JSON array");
}

} // namespace

void setup_logs(CLI::App *logs, Context &ctx) {
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
  webox logs list --since 7d      conversations of the last week
  webox logs search budget Lyon   calls whose prompt or answer has both words
  webox logs export last --format html --output chat.html
  webox logs path)EX");
  logs->callback([logs, lopt, &ctx] {
    // CLI11 runs this after the callback of `logs export` or `logs path`;
    // only list calls when `logs` was invoked by itself.
    if (!logs->get_subcommands().empty()) return;
    ctx.command = [lopt, &ctx] { run_logs(*lopt, ctx); };
  });

  CLI::App *list = logs->add_subcommand("list", "Conversations, most recently active first: id, date, model, turns, cost, title");
  auto list_opt = std::make_shared<HistoryOptions>();
  add_history_filters(list, *list_opt);
  list->footer(R"EX(
Examples:
  webox logs list                         the 20 most recently active conversations
  webox logs list --since 7d --model gpt-4o-mini
  webox logs list --status error --json | jq -r '.[].id'
  webox chat --cid "$(webox logs list -n 1 --json | jq -r '.[0].id')" "and then?")EX");
  list->callback([list_opt, &ctx] { ctx.command = [list_opt, &ctx] { run_logs_list(*list_opt, ctx); }; });

  CLI::App *search = logs->add_subcommand("search", "Full-text search of prompts, system prompts and answers, newest first");
  auto search_opt = std::make_shared<LogsSearchOptions>();
  search->add_option("WORDS", search_opt->words, "Words that must all appear (searched as plain words)")->required();
  add_history_filters(search, search_opt->filter);
  search->add_flag("--fts", search_opt->fts, "Take WORDS as an FTS5 query: \"exact phrase\", pre*, a OR b, NOT, NEAR(a b)");
  search->footer(R"EX(
Examples:
  webox logs search budget Lyon            calls with both words, newest first
  webox logs search "C++" --since 30d      punctuation is searched as text, never as syntax
  webox logs search --fts '"budget Lyon" OR budg*' --json | jq -r '.[].conversation_id'

Words are matched whatever their case and accents (ete finds été).)EX");
  search->callback([search_opt, &ctx] { ctx.command = [search_opt, &ctx] { run_logs_search(*search_opt, ctx); }; });

  CLI::App *exp = logs->add_subcommand("export", "Export one conversation");
  auto eopt = std::make_shared<LogsExportOptions>();
  exp->add_option("CID", eopt->conversation_id, "Conversation id, or 'last'")->required();
  CLI::Option *format = exp->add_option("-f,--format", eopt->format, "json, md, html or txt")
                            ->capture_default_str()
                            ->check(CLI::IsMember({"json", "md", "markdown", "html", "txt", "text"}));
  exp->add_flag("--json", eopt->json, "Same as --format json")->excludes(format);
  add_output_option(exp, eopt->output, "Write to FILE instead of stdout");
  exp->footer(R"EX(
Examples:
  webox logs export last                       Markdown on stdout
  webox logs export 01JD3Q... --json | jq .calls[0].response
  webox logs export last --format html --output conversation.html)EX");
  exp->callback([eopt, &ctx] { ctx.command = [eopt, &ctx] { run_logs_export(*eopt, ctx); }; });

  CLI::App *path = logs->add_subcommand("path", "Print the path of the database");
  auto path_json = std::make_shared<bool>(false);
  path->add_flag("--json", *path_json, R"(Print {"path": "..."})");
  path->footer(R"EX(
Examples:
  webox logs path
  sqlite3 "$(webox logs path)" 'select count(*) from calls')EX");
  path->callback([&ctx, path_json] {
    ctx.command = [&ctx, path_json] {
      // A server store: its URL, password hidden.
      std::string file = ctx.store_location().shown();
      if (*path_json) print_json(json{{"path", file}});
      else out::line(file);
    };
  });
}

WEBOX_COMMAND(40, "logs", "Show logged model calls and export conversations", setup_logs);

} // namespace webox::cli
