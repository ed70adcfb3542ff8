// `webox workflow`: YAML prompt workflows (format: webox-workflow(5)).
//
//   webox workflow run FILE|NAME [--var k=v]... [--jobs N] [--json] [--dry-run]
//                      [--no-cache] [--keep-going] [--record F | --replay F] [-m MODEL]
//                      [--max-cost USD]
//   webox workflow validate FILE...
//   webox workflow list [--json]
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/checks.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/compare/text_width.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/paths.hpp"
#include "lib/net/cassette.hpp"
#include "lib/plugin/host_api.hpp"
#include "lib/store/db.hpp"
#include "lib/workflow/loader.hpp"
#include "lib/workflow/runner.hpp"

namespace webox::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using workflow::RunReport;

struct RunOptions {
  std::string file;
  std::vector<std::string> vars;
  std::optional<int> jobs;
  bool json = false, dry_run = false, no_cache = false, keep_going = false, no_log = false;
  std::string record, replay, model;
  std::optional<double> max_cost;
  bool yes = false;
  bool batch = false;
};

struct WorkflowListOptions {
  bool json = false;
};

std::vector<fs::path> workflow_dirs() {
  return {paths::config_dir() / "workflows", paths::shared_data_dir() / "workflows"};
}

// A path as given, or the name of a user or shipped workflow.
fs::path find_workflow(const std::string &name) {
  std::error_code ec;
  if (fs::is_regular_file(name, ec) || name.find('/') != std::string::npos) return name;
  for (const auto &dir : workflow_dirs())
    for (const char *ext : {".yaml", ".yml"})
      if (fs::is_regular_file(dir / (name + ext), ec)) return dir / (name + ext);
  throw UsageError("no workflow file or name '" + name + "' (see 'webox workflow list')");
}

std::string seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

const char *mark(const std::string &status) {
  if (status == "ok") return "\u2713";
  if (status == "failed") return "\u2717";
  if (status == "skipped") return "-";
  if (status == "cancelled") return "!";
  if (status == "running") return "\u2026";
  return " ";
}

std::string step_line(const workflow::StepReport &s) {
  std::string line = std::string(mark(s.status)) + " " + s.id + "  " + s.status;
  if (s.items > 1) line += " " + std::to_string(s.items_done) + "/" + std::to_string(s.items);
  if (!s.model.empty()) line += "  " + s.model;
  if (s.status == "ok" || s.status == "failed") line += "  " + seconds(s.latency_ms);
  if (s.cached) line += "  (cached)";
  if (!s.error.empty()) line += "  " + s.error;
  return logging::redact(line);
}

// Progress on stderr: on a terminal, the list of steps redrawn in place
// (for workflows short enough to fit); otherwise one line per finished
// step, which reads well in CI logs and cron mail.
class WorkflowProgress {
public:
  WorkflowProgress(bool enabled, size_t steps) : m_enabled(enabled), m_live(enabled && ::isatty(2) && steps <= 40) {}

  void update(const RunReport &r, size_t changed) {
    if (!m_enabled) return;
    if (!m_live) {
      const auto &s = r.steps[changed];
      if (s.status == "running") return;
      std::fprintf(stderr, "webox: %s\n", step_line(s).c_str());
      return;
    }
    auto now = std::chrono::steady_clock::now();
    bool final_state = r.steps[changed].status != "running";
    if (!final_state && m_drawn && now - m_last < std::chrono::milliseconds(50)) return;
    m_last = now;
    std::string out;
    if (m_drawn) out += "\033[" + std::to_string(r.steps.size()) + "A";
    for (const auto &s : r.steps) out += "\r\033[K" + step_line(s) + "\n";
    std::fputs(out.c_str(), stderr);
    m_drawn = true;
  }

private:
  bool m_enabled, m_live;
  bool m_drawn = false;
  std::chrono::steady_clock::time_point m_last{};
};

void print_plan(const std::vector<workflow::PlannedStep> &plan, bool as_json) {
  if (as_json) {
    json doc = json::array();
    for (const auto &p : plan)
      doc.push_back({{"id", p.id}, {"action", p.action}, {"model", p.model}, {"needs", p.needs}, {"when", p.when},
                     {"foreach", p.foreach}, {"system", p.system}, {"prompt", p.body}, {"output", p.output}});
    out::line(out::json_text(doc, 2));
    return;
  }
  size_t k = 0;
  for (const auto &p : plan) {
    std::string head = "[" + std::to_string(++k) + "] " + p.id + " (" + p.action + (p.model.empty() ? "" : ", " + p.model) + ")";
    out::line(head);
    if (!p.needs.empty()) {
      std::string needs;
      for (const auto &n : p.needs) needs += (needs.empty() ? "" : ", ") + n;
      out::line("    needs: " + needs);
    }
    if (!p.when.empty()) out::line("    when: " + p.when);
    if (!p.foreach.empty()) out::line("    foreach: " + p.foreach);
    if (!p.output.empty()) out::line("    output: " + p.output);
    if (!p.system.empty()) out::line("    system: " + p.system);
    std::string body = p.body;
    std::string indented = "    | ";
    for (char c : body) indented += c == '\n' ? std::string("\n    | ") : std::string(1, c);
    out::line(indented);
  }
}

void print_result(const RunReport &r) {
  if (!r.outputs.empty()) {
    bool one = r.outputs.size() == 1;
    for (const auto &[name, value] : r.outputs.items()) {
      if (!one) out::line("## " + name);
      out::line(value.is_string() ? value.get<std::string>() : value.dump());
      if (!one) out::line("");
    }
    return;
  }
  // No declared outputs: the last step that produced text, in file order.
  for (auto it = r.steps.rbegin(); it != r.steps.rend(); ++it)
    if (it->status == "ok" && !it->output.empty()) {
      out::line(it->output);
      return;
    }
}

// A run that did not end ok: over a budget (5); with --batch, some batch
// requests failed, expired or were cancelled while others were answered and
// kept (3); else a failure (1).
ExitCode run_exit_code(const RunReport &report) {
  if (report.over_budget) return ExitCode::quota;
  if (report.batch.failed > 0 && report.batch.ok > 0 && report.status == "failed") return ExitCode::partial;
  return ExitCode::failure;
}

void run_workflow(Context &ctx, const RunOptions &o) {
  if (!o.record.empty() && !o.replay.empty()) throw UsageError("--record and --replay cannot be used together");
  workflow::Workflow wf = workflow::load_workflow(find_workflow(o.file));
  workflow::RunSettings settings;
  settings.vars = o.vars;
  settings.jobs = o.jobs.value_or(0); // checked by the option: 1 to 256
  settings.use_cache = !o.no_cache;
  settings.keep_going = o.keep_going;
  settings.model = o.model;
  settings.log = !o.no_log;
  settings.max_cost = o.max_cost;
  settings.yes = o.yes;
  settings.batch = o.batch;
  if (o.batch && (!o.record.empty() || !o.replay.empty()))
    throw UsageError("--batch cannot be recorded or replayed: a batch is answered hours later, by another request");

  std::shared_ptr<net::Cassette> cassette;
  if (!o.replay.empty()) cassette = net::Cassette::replay_from(o.replay);
  if (cassette) plugin::use_cassette(cassette); // before any key is looked up

  store::Db *db = o.dry_run ? nullptr : &ctx.db();
  workflow::WorkflowRun run(ctx.plugins(), ctx.config(), db, std::move(wf), settings);
  if (o.dry_run) return print_plan(run.dry_run(), o.json);

  if (!o.record.empty()) {
    cassette = net::Cassette::record_to(o.record);
    plugin::use_cassette(cassette);
  }
  WorkflowProgress progress(ctx.global.verbosity >= 0, run.workflow().steps.size());
  RunReport report;
  try {
    report = run.run([&](const RunReport &r, size_t step) { progress.update(r, step); });
  } catch (const Interrupted &) {
    if (cassette) cassette->finish();
    throw;
  }
  if (cassette) {
    cassette->finish();
    if (!cassette->replaying()) spdlog::info("recorded {} exchanges to {}", cassette->recorded(), o.record);
  }
  if (o.json) out::line(out::json_text(report.to_json()));
  else if (report.status == "ok") print_result(report); // never half the outputs as if complete
  if (report.status != "ok") {
    // The progress lines already said it, unless -q silenced them.
    if (ctx.global.verbosity < 0)
      for (const auto &s : report.steps)
        if (s.status == "failed") std::fprintf(stderr, "webox: step %s failed: %s\n", s.id.c_str(), logging::redact(s.error).c_str());
    ctx.exit_code = static_cast<int>(run_exit_code(report));
  }
}

void validate_workflows(Context &ctx, const std::vector<std::string> &files) {
  bool all_ok = true;
  for (const auto &f : files) {
    try {
      workflow::Workflow wf = workflow::load_workflow(find_workflow(f));
      workflow::RunSettings settings;
      settings.check_inputs = false;
      size_t steps = wf.steps.size();
      workflow::WorkflowRun run(ctx.plugins(), ctx.config(), nullptr, std::move(wf), settings);
      out::line(f + ": ok (" + std::to_string(steps) + " step" + (steps == 1 ? "" : "s") + ")");
    } catch (const workflow::InvalidWorkflow &e) {
      all_ok = false;
      std::fprintf(stderr, "%s\n", e.what());
    } catch (const UsageError &e) {
      all_ok = false;
      std::fprintf(stderr, "%s: %s\n", f.c_str(), e.what());
    }
  }
  if (!all_ok) ctx.exit_code = static_cast<int>(ExitCode::usage);
}

void list_workflows(const WorkflowListOptions &o) {
  std::map<std::string, std::pair<fs::path, std::string>> found; // name -> file, description
  for (const auto &dir : workflow_dirs()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto &e : fs::directory_iterator(dir, ec)) {
      if (e.path().extension() != ".yaml" && e.path().extension() != ".yml") continue;
      std::string name = e.path().stem().string();
      if (found.count(name)) continue; // the user's, met first, wins
      std::string description;
      try {
        description = workflow::load_workflow(e.path()).description;
      } catch (const Error &err) {
        description = "(invalid: run 'webox workflow validate " + e.path().string() + "')";
      }
      found[name] = {e.path(), description};
    }
  }
  if (o.json) {
    json doc = json::array();
    for (const auto &[name, v] : found) doc.push_back({{"name", name}, {"file", v.first.string()}, {"description", v.second}});
    out::line(doc.dump());
    return;
  }
  if (found.empty()) std::fputs("no workflows found\n", stderr);
  for (const auto &[name, v] : found) {
    // Padded by terminal cells, not bytes: an accented name lines up too.
    if (!out::line(compare::pad_to(name, 24) + " " + v.second)) return;
  }
}

void setup_workflow(CLI::App *cmd, Context &ctx) {
  cmd->require_subcommand(1);
  cmd->footer(R"(
Examples:
  webox workflow run workflows/social-post.yaml --var topic="randonnée en Vercors" --var platform=instagram
  webox workflow run review.yaml --var file=@src/main.cpp --jobs 8 --json > result.json
  webox workflow run nightly.yaml --record cassettes/nightly.jsonl    # real calls, recorded
  webox workflow run nightly.yaml --replay cassettes/nightly.jsonl    # CI: no network, no key
  webox workflow run social-post --dry-run --var topic=test            # the plan, nothing sent
  webox workflow run review.yaml --var file=@notes.md --max-cost 0.05  # refuse a step past $0.05
  webox workflow run triage.yaml --yes                                # steps with tools: run them unasked
  webox workflow run triage.yaml --var comments=@comments.txt --batch # provider batches: half price, slower
  webox rag index gifts data/samples/gift-catalogue.jsonl && webox workflow run gift-ideas --var question="a gift for a cyclist"
  webox workflow validate workflows/*.yaml
  webox workflow list

See webox-workflow(1) and the file format in webox-workflow(5).)");

  auto r = std::make_shared<RunOptions>();
  CLI::App *run = cmd->add_subcommand("run", "Run a workflow file (or the name of a listed one)");
  run->add_option("workflow", r->file, "FILE.yaml or a name from 'webox workflow list'")
      ->required()
      ->type_name("FILE|NAME");
  run->add_option("--var", r->vars, "An input: name=value, or name=@file to read a file (repeatable)")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  run->add_option("-j,--jobs", r->jobs, "Steps run at once, 1 to 256 (default: workflow.jobs in the config, else 4)")
      ->type_name("N")
      ->check(checks::whole_number(1, 256));
  run->add_option("-m,--model", r->model, "Model for steps that name none (replaces defaults.model)")->type_name("MODEL");
  run->add_flag("--json", r->json, "Print the run as JSON: status, steps, outputs");
  run->add_flag("--dry-run", r->dry_run, "Render every prompt and show the plan; call nothing");
  run->add_flag("--no-cache", r->no_cache, "Call every model again instead of reusing stored answers");
  run->add_flag("--keep-going", r->keep_going, "After a failure, still run the steps that do not depend on it");
  run->add_option("--record", r->record, "Write every HTTP exchange to FILE (JSONL, secrets removed)")->type_name("FILE");
  run->add_option("--replay", r->replay, "Answer every HTTP request from FILE; fail on any request not in it")
      ->type_name("FILE");
  run->add_flag("--no-log", r->no_log, "Do not store the run, its steps or its calls");
  run->add_flag("--yes", r->yes, "Let every tool of the steps that act (tools:, mcp:) run without asking");
  run->add_option("--max-cost", r->max_cost, "Refuse (exit 5) a step that could take the run's cost past this (USD)")
      ->type_name("USD")
      ->check(checks::amount());
  run->add_flag("--batch", r->batch,
                "Send each round's model calls as provider batches (OpenAI, Anthropic: about half price, answered "
                "within 24 h), wait, collect");
  run->footer(R"(
Budgets: --max-cost and the config's daily/monthly caps are checked before
each step is sent, with the worst case of the calls in flight; steps done
stay done (and cached), so a rerun with a higher cap resumes from there.

Steps with tools: or mcp: run chat's agent loop; nobody is asked, so each
tool must be allowed by --yes or the config's tools.allow, else the run is
refused before any step runs (exit 2). A model that calls tools in a step
that offers none fails that step (never silently; --json has the calls).

--batch: the model calls of each round of steps (foreach items and compare
models included) go to their provider's batch service, one batch per
provider and model, stored before they leave; webox waits (batch.poll_seconds,
30 s by default), then records each answer at the batch price. Providers
without batches run their calls as usual (said once). Ctrl-C leaves the
batch running: 'webox batch collect ID' records it and writes the outputs;
running the same workflow again with --batch waits for it instead of
sending the calls again. See webox-batch(1).

Exit status: 0 every step ran (or was skipped by its 'when:'); 1 a step
failed (its dependants too; see stderr or --json); 2 the workflow or an
input is invalid (file:line:column), or a tool is not allowed, nothing was
sent; 3 with --batch, some batch requests failed, expired or were cancelled
and the others were answered and kept; 4 a missing key;
5 a step was refused by a budget (nothing was sent for it); 130 interrupted.)");
  run->callback([&ctx, r] { ctx.command = [&ctx, r] { run_workflow(ctx, *r); }; });

  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App *validate = cmd->add_subcommand("validate", "Check workflow files without running them (exit 2 if invalid)");
  validate->add_option("files", *files, "Workflow files or names")->required()->type_name("FILE|NAME");
  validate->callback([&ctx, files] { ctx.command = [&ctx, files] { validate_workflows(ctx, *files); }; });

  auto l = std::make_shared<WorkflowListOptions>();
  CLI::App *list = cmd->add_subcommand("list", "Workflows in your folder and shipped with webox");
  list->add_flag("--json", l->json, "As JSON");
  list->callback([&ctx, l] { ctx.command = [l] { list_workflows(*l); }; });
}

} // namespace

WEBOX_COMMAND(25, "workflow", "Run YAML prompt workflows: chained, parallel, cached, replayable", setup_workflow);

} // namespace webox::cli
