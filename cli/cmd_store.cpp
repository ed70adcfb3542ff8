// `webox store`: the database webox remembers everything in.
//
//   webox store migrate [--json]
//   webox store info [--schema] [--json]
//   webox store copy --from A --to B [--force] [--json]
//   webox store workspaces [--json]
//
// A store is a SQLite file (a path, the default) or a PostgreSQL database
// (postgresql://...), named by WEBOX_DB or store.url in the config file
// (webox-store(1)), in the workspace --workspace, WEBOX_WORKSPACE or
// workspace: in the config file chose. The logic is in lib/store/admin.cpp
// and lib/store/workspace.cpp.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/text_input.hpp"
#include "lib/leads/privacy/privacy.hpp"
#include "lib/store/admin.hpp"
#include "lib/store/open.hpp"
#include "lib/store/schema.hpp"
#include "lib/store/workspace.hpp"

namespace webox::cli {
namespace {

using nlohmann::json;

struct StoreOptions {
  bool json = false;
  bool schema = false;
  bool force = false;
  std::string from;
  std::string to;
};

void run_store_migrate(Context &ctx, const StoreOptions &o) {
  const store::MigrateResult r = store::migrate_store(store::connect(ctx.store_location()));
  if (o.json) {
    out::line(out::json_text(
        json{{"backend", r.backend}, {"store", r.where}, {"before", r.before}, {"version", r.after}}, 2));
    return;
  }
  const std::string change =
      r.before == r.after ? "already at schema version " + std::to_string(r.after)
      : r.before == 0     ? "created at schema version " + std::to_string(r.after)
                      : "upgraded from schema version " + std::to_string(r.before) + " to " + std::to_string(r.after);
  out::line(r.backend + " " + r.where + ": " + change);
}

void run_store_info(Context &ctx, const StoreOptions &o) {
  const store::Location where = ctx.store_location();
  if (!ctx.has_database()) {
    // Reading must not create an empty file.
    if (o.json)
      out::line(out::json_text(json{{"backend", "sqlite"},
                                    {"store", where.shown()},
                                    {"setting", where.setting},
                                    {"workspace", where.workspace.name},
                                    {"exists", false}},
                               2));
    else
      out::line("sqlite " + where.shown() + " (workspace " + where.workspace.name +
                "): no database yet (created on first use, or by webox store migrate)");
    return;
  }
  // Read only: an older schema is reported, not migrated.
  store::Db db(store::connect(where), store::Db::AsItIs{});
  if (o.schema) {
    for (const std::string &line : store::describe_schema(db))
      if (!out::line(line)) return;
    return;
  }
  const store::StoreInfo info = store::store_info(db);
  const bool needs_migrate = info.schema_version < info.latest_version;
  if (o.json) {
    json rows = json::object();
    for (const auto &[table, n] : info.rows) rows[table] = n;
    out::line(out::json_text(json{{"backend", info.backend},
                                  {"store", info.where},
                                  {"setting", where.setting},
                                  {"workspace", where.workspace.name},
                                  {"workspace_setting", where.workspace.setting},
                                  {"exists", true},
                                  {"schema_version", info.schema_version},
                                  {"latest_version", info.latest_version},
                                  {"needs_migrate", needs_migrate},
                                  {"bytes", info.bytes < 0 ? json(nullptr) : json(info.bytes)},
                                  {"rows", rows}},
                             2));
    return;
  }
  std::string s;
  s += "backend:  " + info.backend + "\n";
  s += "store:    " + info.where + "  (" + where.setting + ")\n";
  s += "workspace: " + where.workspace.name + "  (" + where.workspace.setting + ")\n";
  s += "schema:   " + std::to_string(info.schema_version) + " (this webox: " + std::to_string(info.latest_version) +
       (needs_migrate ? "; needs `webox store migrate`" : "") +
       (info.schema_version > info.latest_version ? "; newer than this webox" : "") + ")\n";
  s += "size:     " + (info.bytes < 0 ? std::string("unknown") : text::human_size(static_cast<size_t>(info.bytes))) + "\n";
  s += "rows:\n";
  for (const auto &[table, n] : info.rows) {
    char line[120];
    std::snprintf(line, sizeof line, "  %-26s %lld\n", table.c_str(), static_cast<long long>(n));
    s += line;
  }
  out::write(s);
}

void run_store_copy(Context &ctx, const StoreOptions &o) {
  const store::Workspace workspace = store::select_workspace(ctx.global.workspace, paths::config_file());
  const store::Location from_where = store::copy_endpoint(o.from, "--from", workspace, true);
  const store::Location to_where = store::copy_endpoint(o.to, "--to", workspace, false);
  std::unique_ptr<store::Db> from = store::open(from_where);
  std::unique_ptr<store::Db> to = store::open(to_where);
  store::CopyOptions options;
  options.force = o.force;
  if (!o.json)
    options.on_table = [](const std::string &table, int64_t n) {
      std::fprintf(stderr, "  %-26s %lld\n", table.c_str(), static_cast<long long>(n));
    };
  const store::CopyResult r = store::copy_store(*from, *to, options);
  // The suppression list's hashes were copied; their salt is not a row on
  // SQLite (a file beside it): without it they would match nobody.
  leads::carry_suppression_salt(*from, *to);
  if (o.json) {
    json rows = json::object();
    for (const auto &[table, n] : r.rows) rows[table] = n;
    out::line(out::json_text(
        json{{"from", from_where.shown()},
             {"to", to_where.shown()},
             {"workspace", workspace.name},
             {"rows", rows},
             {"total", r.total}},
        2));
    return;
  }
  out::line("copied " + std::to_string(r.total) + " rows in " + std::to_string(r.rows.size()) + " tables from " +
            from_where.shown() + " to " + to_where.shown() +
            (workspace.is_default() ? "" : " (workspace " + workspace.name + ")"));
}

void run_store_workspaces(Context &ctx, const StoreOptions &o) {
  const store::Location where = ctx.store_location();
  const std::vector<store::WorkspaceEntry> all = store::list_workspaces(where);
  if (o.json) {
    json list = json::array();
    for (const auto &w : all) list.push_back(json{{"name", w.name}, {"where", w.where}});
    out::line(out::json_text(json{{"backend", where.is_server() ? "postgresql" : "sqlite"},
                                  {"store", where.is_server() ? where.shown() : where.default_file()},
                                  {"current", where.workspace.name},
                                  {"workspaces", list}},
                             2));
    return;
  }
  std::string s;
  for (const auto &w : all) {
    char line[200];
    std::snprintf(line, sizeof line, "%s %-40s  ", w.name == where.workspace.name ? "*" : " ", w.name.c_str());
    s += line + w.where + "\n";
  }
  out::write(s);
}

} // namespace

void setup_store(CLI::App *store_cmd, Context &ctx) {
  store_cmd->require_subcommand(1);
  store_cmd->footer(R"EX(
The store is WEBOX_DB, else store.url in the config file, else
~/.local/share/webox/webox.db. A path is a SQLite file; postgresql://... or
postgres://... is a PostgreSQL database (passwords are never printed).
Every command works in one workspace of it: --workspace NAME, else
WEBOX_WORKSPACE, else workspace: in the config file, else default.

Examples:
  webox store info
  webox --workspace agence-lyon store info
  WEBOX_DB=postgresql://webox@db.internal/webox webox store migrate
  webox store copy --from ~/.local/share/webox/webox.db --to postgresql://webox@db.internal/webox)EX");

  auto opt = std::make_shared<StoreOptions>();
  CLI::App *migrate = store_cmd->add_subcommand("migrate", "Create or upgrade the schema; print its version");
  migrate->add_flag("--json", opt->json, "Print one JSON object");
  migrate->footer(R"EX(
Examples:
  webox store migrate
  WEBOX_DB=postgresql://webox@%2Fvar%2Frun%2Fpostgresql/webox webox store migrate --json)EX");
  migrate->callback([opt, &ctx] { ctx.command = [opt, &ctx] { run_store_migrate(ctx, *opt); }; });

  CLI::App *info = store_cmd->add_subcommand("info", "Backend, schema version, size and rows per table");
  info->add_flag("--json", opt->json, "Print one JSON object");
  info->add_flag("--schema", opt->schema, "Print the schema, one sorted line per table, column, key and index");
  info->footer(R"EX(
Examples:
  webox store info
  webox store info --json | jq .rows.calls
  diff <(webox store info --schema) <(WEBOX_DB=postgresql://... webox store info --schema))EX");
  info->callback([opt, &ctx] { ctx.command = [opt, &ctx] { run_store_info(ctx, *opt); }; });

  CLI::App *copy = store_cmd->add_subcommand("copy", "Copy a whole store into another (SQLite <-> PostgreSQL)");
  copy->add_option("--from", opt->from, "The store to read: a SQLite file or a postgresql:// URL")->required();
  copy->add_option("--to", opt->to, "The store to write (created or upgraded first; must be empty)")->required();
  copy->add_flag("--force", opt->force, "Replace what --to holds (in the same transaction as the copy)");
  copy->add_flag("--json", opt->json, "Print one JSON object: rows per table");
  copy->footer(R"EX(
The copy is one transaction on --to: interrupted or failed, --to is as it was.
It copies the selected workspace (--workspace, WEBOX_WORKSPACE, workspace: in
the config) of --from into the same workspace of --to.

Examples:
  webox store copy --from ~/.local/share/webox/webox.db --to postgresql://webox@db.internal/webox
  webox store copy --from postgresql://webox@db.internal/webox --to backup.db --force)EX");
  copy->callback([opt, &ctx] { ctx.command = [opt, &ctx] { run_store_copy(ctx, *opt); }; });

  CLI::App *workspaces = store_cmd->add_subcommand("workspaces", "List the workspaces of the store (* the selected one)");
  workspaces->add_flag("--json", opt->json, "Print one JSON object");
  workspaces->footer(R"EX(
A workspace is a separate set of rows: on SQLite a file in workspaces/NAME/
beside the store's file, on PostgreSQL the schema webox_ws_NAME. Listing
creates nothing.

Examples:
  webox store workspaces
  webox --workspace agence-lyon store info
  WEBOX_DB=postgresql://webox@db.internal/webox webox store workspaces --json | jq -r '.workspaces[].name')EX");
  workspaces->callback([opt, &ctx] { ctx.command = [opt, &ctx] { run_store_workspaces(ctx, *opt); }; });
}

WEBOX_COMMAND(41, "store", "The database: create or upgrade it, describe it, copy it, list its workspaces", setup_store);

} // namespace webox::cli
