// `webox batch`: the provider batches of `workflow run --batch`.
//
//   webox batch list [--json] [--limit N]
//   webox batch status ID [--json]
//   webox batch collect ID [--json]
//   webox batch cancel ID
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/checks.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/workflow/batch_commands.hpp"
#include "lib/workflow/batch_settings.hpp"

namespace webox::cli {
namespace {

using BatchRow = workflow::BatchRow;

struct BatchOptions {
  std::string ref;
  bool json = false;
  int limit = 20;
};

std::string batch_line(const BatchRow &b) {
  char line[512];
  std::snprintf(line, sizeof line, "%-5lld %-10s %-12s %-11s %5lld ok %4lld failed  %-24s %s", static_cast<long long>(b.id),
                b.provider.c_str(), b.status.empty() ? b.state.c_str() : b.status.c_str(), b.state.c_str(),
                static_cast<long long>(b.succeeded), static_cast<long long>(b.failed),
                b.remote_id.empty() ? "-" : b.remote_id.c_str(), b.created_at.c_str());
  return line;
}

void print_batch(const BatchRow &b, bool as_json) {
  if (as_json) {
    out::line(out::json_text(workflow::batch_json(b)));
    return;
  }
  out::line("batch " + std::to_string(b.id) + "  " + b.provider + ":" + b.model);
  out::line("  provider id  " + (b.remote_id.empty() ? std::string("-") : b.remote_id));
  out::line("  status       " + b.status + (b.provider_status.empty() ? "" : " (" + b.provider_status + ")") + ", " + b.state);
  out::line("  requests     " + std::to_string(b.total) + " (" + std::to_string(b.succeeded) + " succeeded, " +
            std::to_string(b.failed) + " failed at the provider; " + std::to_string(b.pending_items) +
            " not recorded yet)");
  if (!b.workflow_file.empty()) out::line("  workflow     " + b.workflow_file + "  run " + b.run_id);
  if (!b.message.empty()) out::line("  message      " + logging::redact(b.message));
  out::line("  created      " + b.created_at + ", updated " + b.updated_at);
}

void list_cmd(Context &ctx, const BatchOptions &o) {
  auto rows = workflow::list_batches(ctx.db(), o.limit);
  if (o.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const auto &b : rows) doc.push_back(workflow::batch_json(b));
    out::line(out::json_text(doc));
    return;
  }
  if (rows.empty()) std::fputs("no batches (they are made by 'webox workflow run FILE --batch')\n", stderr);
  for (const auto &b : rows)
    if (!out::line(batch_line(b))) return;
}

void status_cmd(Context &ctx, const BatchOptions &o) {
  print_batch(workflow::batch_status(ctx.db(), ctx.plugins(), ctx.config(), o.ref), o.json);
}

void cancel_cmd(Context &ctx, const BatchOptions &o) {
  BatchRow b = workflow::cancel_stored_batch(ctx.db(), ctx.plugins(), ctx.config(), o.ref);
  std::fprintf(stderr, "webox: asked %s to cancel batch %lld; requests already answered stay answered "
                       "(`webox batch collect %lld` records them once it is over)\n",
               b.provider.c_str(), static_cast<long long>(b.id), static_cast<long long>(b.id));
  print_batch(b, o.json);
}

void collect_cmd(Context &ctx, const BatchOptions &o) {
  const workflow::BatchSettings settings = workflow::load_batch_settings(ctx.config().source);
  bool said = false;
  workflow::CollectOutcome got = workflow::collect_stored_batch(
      ctx.db(), ctx.plugins(), ctx.config(), o.ref, settings.poll_ms, [&](const BatchRow &b) {
        if (said) return;
        said = true;
        std::fprintf(stderr, "webox: batch %lld is %s at %s; waiting (Ctrl-C stops waiting, the batch goes on)\n",
                     static_cast<long long>(b.id), b.status.c_str(), b.provider.c_str());
      });
  const auto &c = got.counts;
  std::fprintf(stderr, "webox: batch %lld %s: %lld results recorded now (%lld ok, %lld failed), %lld recorded before, %lld without a result\n",
               static_cast<long long>(got.batch.id), got.batch.status.c_str(), static_cast<long long>(c.recorded),
               static_cast<long long>(c.ok), static_cast<long long>(c.failed), static_cast<long long>(c.already),
               static_cast<long long>(c.missing));
  std::string why;
  workflow::RunReport report;
  bool resumed = false;
  if (!got.batch.workflow_file.empty()) {
    std::fprintf(stderr, "webox: writing the outputs of %s from the batch's answers\n", got.batch.workflow_file.c_str());
    auto r = workflow::resume_batch_workflow(ctx.db(), ctx.plugins(), ctx.config(), got.batch, why,
                                             [](const workflow::RunReport &, size_t) {});
    if (r) {
      report = std::move(*r);
      resumed = true;
    } else if (!why.empty()) {
      std::fprintf(stderr, "webox: batch %lld: %s\n", static_cast<long long>(got.batch.id), why.c_str());
    }
  }
  if (o.json) {
    nlohmann::json doc = workflow::batch_json(got.batch);
    doc["collected"] = {{"recorded", c.recorded}, {"ok", c.ok}, {"failed", c.failed}, {"recorded_before", c.already},
                        {"missing", c.missing}, {"unknown", c.unknown}, {"unreadable_lines", c.warnings}};
    if (resumed) doc["run"] = report.to_json();
    out::line(out::json_text(doc));
  } else if (resumed) {
    for (const auto &s : report.steps)
      out::line(s.id + "  " + s.status + (s.error.empty() ? "" : "  " + logging::redact(s.error)));
  }
  const bool some_failed = got.batch.failed > 0 || c.missing > 0 || got.batch.status != "ended" ||
                           (resumed && report.status != "ok");
  if (some_failed) ctx.exit_code = static_cast<int>(got.batch.succeeded > 0 || c.ok > 0 ? ExitCode::partial : ExitCode::failure);
}

void setup_batch(CLI::App *cmd, Context &ctx) {
  cmd->require_subcommand(1);
  cmd->footer(R"(
Examples:
  webox workflow run triage.yaml --var comments=@comments.txt --batch   # submit, wait, collect
  webox batch list
  webox batch status 3            # or the provider's id: batch_abc123, msgbatch_...
  webox batch collect 3           # after Ctrl-C or a crash: record the results, write the outputs
  webox batch cancel 3

See webox-batch(1).)");

  auto o = std::make_shared<BatchOptions>();
  CLI::App *list = cmd->add_subcommand("list", "The batches, newest first");
  list->add_flag("--json", o->json, "As JSON");
  list->add_option("--limit", o->limit, "How many (default 20)")->type_name("N")->check(checks::whole_number(1, 100000));
  list->callback([&ctx, o] { ctx.command = [&ctx, o] { list_cmd(ctx, *o); }; });

  CLI::App *status = cmd->add_subcommand("status", "One batch, asked again of its provider while it runs");
  status->add_option("id", o->ref, "The batch's number or its provider's id")->required()->type_name("ID");
  status->add_flag("--json", o->json, "As JSON");
  status->callback([&ctx, o] { ctx.command = [&ctx, o] { status_cmd(ctx, *o); }; });

  CLI::App *collect = cmd->add_subcommand("collect", "Wait for a batch, record its results once, write its workflow's outputs");
  collect->add_option("id", o->ref, "The batch's number or its provider's id")->required()->type_name("ID");
  collect->add_flag("--json", o->json, "As JSON");
  collect->footer(R"(
Exit status: 0 every request answered; 3 some failed, expired or were
cancelled (the answers are kept); 1 none came back; 2 no such batch;
130 interrupted while waiting (the batch goes on at the provider).)");
  collect->callback([&ctx, o] { ctx.command = [&ctx, o] { collect_cmd(ctx, *o); }; });

  CLI::App *cancel = cmd->add_subcommand("cancel", "Ask the provider to cancel a batch");
  cancel->add_option("id", o->ref, "The batch's number or its provider's id")->required()->type_name("ID");
  cancel->add_flag("--json", o->json, "As JSON");
  cancel->callback([&ctx, o] { ctx.command = [&ctx, o] { cancel_cmd(ctx, *o); }; });
}

} // namespace

WEBOX_COMMAND(26, "batch", "Provider batches of 'workflow run --batch': list, status, collect, cancel", setup_batch);

} // namespace webox::cli
