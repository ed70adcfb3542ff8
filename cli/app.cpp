// The command tree and the one top-level catch.
//
// main() calls run(). The root knows every command by name and summary; only
// the invoked command's options are built (CommandTree, cli/command.hpp), so
// a run does not pay for the ~30 others. Subcommand callbacks registered by
// each cmd_*.cpp only choose what to run; the work starts after the whole command line parsed
// and logging is set up, inside the single try block below that turns every
// webox::Error into "webox: error: <message>" and its exit code.
#include "cli/app.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/flags.hpp"
#include "cli/output.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/text_input.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/store/db.hpp"
#include "lib/store/open.hpp"
#include "lib/store/workspace.hpp"

#include <spdlog/spdlog.h>

namespace webox::cli {
namespace {

constexpr const char *kAppExamples = R"(
Examples:
  webox chat -m openai:gpt-4o-mini "Explique le RAII en deux phrases"
  webox chat -c "Et avec un exemple ?"
  git diff | webox chat -m anthropic:claude-sonnet-4-5 -s "Tu relis du code" "Relis ce diff"
  webox chat -m echo "offline test, no key needed"
  webox logs -n 5
  webox plugins list
  webox --ca-bundle /etc/ssl/corp-ca.pem chat -m openai:gpt-4o-mini "via the company proxy"

Exit status: 0 ok, 1 failure, 2 usage, 3 partial, 4 missing key or config,
5 budget or quota, 75 temporary failure after retries, 130 interrupted.
See webox(1) and webox-<command>(1).)";

void print_error(const std::string &message) {
  std::string line = "webox: error: " + logging::redact(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// "webox chta" -> "did you mean 'chat'?"
std::string suggest_command(const CLI::App &app, const std::string &word) {
  std::vector<std::string> names;
  for (const CLI::App *sub : app.get_subcommands([](const CLI::App *) { return true; }))
    names.push_back(sub->get_name());
  return plugin::closest_match(word, names);
}

// How an option is called in messages: "--model", or "the prompt argument".
std::string option_label(const CLI::Option &opt) {
  if (!opt.get_lnames().empty()) return "--" + opt.get_lnames().front();
  if (!opt.get_snames().empty()) return "-" + opt.get_snames().front();
  return "the " + opt.get_single_name() + " argument";
}

// Every value given on the command line is checked once, here, instead of
// by each command: text that is not UTF-8 would fail deep inside (JSON
// refuses it when serialising), and an empty model name would fall back to
// the default model and then complain about its key. File and folder names
// may hold any bytes, as the file system allows.
void check_arguments(const CLI::App &app) {
  for (const CLI::Option *opt : app.get_options()) {
    if (opt->count() == 0) continue;
    const std::string type = opt->get_type_name();
    const bool path = type.find("FILE") != std::string::npos || type.find("DIR") != std::string::npos;
    for (const std::string &value : opt->results()) {
      if (!path) text::require_utf8(value, option_label(*opt));
      if (type == "MODEL" && value.empty())
        throw UsageError(option_label(*opt) + ": empty model name (give provider:model, an alias or @chain)");
    }
  }
  for (const CLI::App *sub : app.get_subcommands()) check_arguments(*sub);
}

// The subcommands chosen on the command line, outermost first: {logs, export}.
// After a parse error, the ones entered before the error.
std::vector<const CLI::App *> chosen_path(const CLI::App &app) {
  std::vector<const CLI::App *> path;
  const CLI::App *at = &app;
  while (true) {
    const auto subs = at->get_subcommands();
    if (subs.empty()) return path;
    at = subs.front();
    path.push_back(at);
  }
}

// "webox logs export" for the help a usage error points to.
std::string command_words(const std::vector<const CLI::App *> &path) {
  std::string words = "webox";
  for (const CLI::App *sub : path) words += " " + sub->get_name();
  return words;
}

// Global flags fall through to the top level from any subcommand; so would
// an option of an intermediate command (`webox logs export --cid X` was
// parsed as `webox logs --cid X` and silently ignored). An option given to a
// command that then ran one of its subcommands meant nothing: refuse it.
void refuse_fallen_through_options(const std::vector<const CLI::App *> &path) {
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    for (const CLI::Option *opt : path[i]->get_options()) {
      if (opt->count() == 0 || opt->get_name() == "--help") continue;
      throw UsageError(option_label(*opt) + " is not an option of `" + command_words(path) + "` (see `" +
                       command_words(path) + " --help`)");
    }
  }
}

// A bad workspace name from the flag or the environment stops the command
// before it does anything (a chat would otherwise call the provider and only
// then fail to log). The config file's is checked where the store is opened.
void check_workspace_choice(const Context &ctx) {
  if (ctx.global.workspace_given) store::check_workspace_name(ctx.global.workspace, "--workspace");
  const std::string env = paths::env("WEBOX_WORKSPACE");
  if (!env.empty()) store::check_workspace_name(env, "WEBOX_WORKSPACE");
}

// The commands in the order of `webox --help`; the parts of a command after
// its own entry, in their order.
const std::vector<CommandEntry> &sorted_commands() {
  static const std::vector<CommandEntry> sorted = [] {
    std::vector<CommandEntry> commands = command_table();
    std::stable_sort(commands.begin(), commands.end(),
                     [](const CommandEntry &a, const CommandEntry &b) { return a.order < b.order; });
    return commands;
  }();
  return sorted;
}

bool is_command_name(std::string_view word) {
  const auto &commands = sorted_commands();
  return std::any_of(commands.begin(), commands.end(),
                     [word](const CommandEntry &c) { return c.summary && word == c.name; });
}

// The command a line invokes, read the way CLI11 reads it at the root: the
// first argument that names a command, after skipping the values the root's
// options require ("--plugin-dir chat logs" runs logs). Empty when there is
// none. Where CLI11 reads the line otherwise, run_command_line notices and
// builds every command.
std::string invoked_command(const CLI::App &root, int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") return {};
    if (arg.size() < 2 || arg[0] != '-') {
      if (is_command_name(arg)) return std::string(arg);
      continue;
    }
    if (arg[1] == '-') { // --name or --name=value
      if (arg.find('=') != std::string_view::npos) continue;
      if (const CLI::Option *opt = root.get_option_no_throw(std::string(arg)))
        i += std::max(0, std::min(opt->get_type_size_min(), opt->get_items_expected_min()));
      continue;
    }
    // -abc: flags, until one that takes a value (the rest of the word, or
    // the next arguments).
    for (size_t at = 1; at < arg.size(); ++at) {
      const CLI::Option *opt = root.get_option_no_throw(std::string{'-', arg[at]});
      if (opt == nullptr || opt->get_items_expected_max() == 0) continue;
      if (at + 1 == arg.size()) i += std::max(0, std::min(opt->get_type_size_min(), opt->get_items_expected_min()));
      break;
    }
  }
  return {};
}

void add_global_options(CLI::App &app, Context &ctx, GlobalFlags &flags) {
  app.set_version_flag("--version", std::string("webox ") + WEBOX_VERSION);
  app.require_subcommand(1);
  // Global flags are accepted after the command too: `webox chat -v ...`.
  app.fallthrough();
  app.footer(kAppExamples);
  app.add_flag("-v,--verbose", flags.verbose, "More diagnostics on stderr (-v info, -vv debug, -vvv trace)");
  app.add_flag("-q,--quiet", flags.quiet, "Only errors on stderr");
  app.add_option("--plugin-dir", ctx.global.plugin_dirs, "Also look for plugins in DIR (repeatable, searched first)")
      ->type_name("DIR");
  app.add_option("--ca-bundle", ctx.global.ca_bundle,
                 "Also trust the CA certificates in FILE (PEM) for HTTPS; verification is never turned off")
      ->type_name("FILE");
  app.add_option("--workspace", ctx.global.workspace,
                 "Work in workspace NAME of the store (beats WEBOX_WORKSPACE and workspace: in the config; default: default)")
      ->type_name("NAME");
}

// Help and --version are answered by CLI11; any other parse error is one
// line naming the help to read, exit 2.
int exit_for_parse_error(const CLI::App &app, const CLI::ParseError &e, int argc, char **argv) {
  if (dynamic_cast<const CLI::Success *>(&e) != nullptr) return app.exit(e);
  std::string message = e.what();
  if (argc > 1 && argv[1][0] != '-' && !is_command_name(argv[1])) {
    std::string hint = suggest_command(app, argv[1]);
    message = "unknown command '" + std::string(argv[1]) + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)");
  }
  print_error(message + " (see `" + command_words(chosen_path(app)) + " --help`)");
  return static_cast<int>(ExitCode::usage);
}

enum class Build { invoked, all };

int run_command_line(int argc, char **argv, Build build) {
  Context ctx;
  CommandTree tree(ctx);
  if (build == Build::all) tree.build_all();
  else tree.build(invoked_command(tree.root(), argc, argv));
  CLI::App &app = tree.root();

  // `webox` alone is a question, not a mistake: the overview, exit 0.
  if (argc <= 1) {
    out::write(app.help());
    return static_cast<int>(ExitCode::ok);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (!tree.chosen_is_built()) return run_command_line(argc, argv, Build::all);
    return exit_for_parse_error(app, e, argc, argv);
  }
  if (!tree.chosen_is_built()) return run_command_line(argc, argv, Build::all);

  ctx.global.verbosity = tree.flags().quiet ? -1 : tree.flags().verbose;
  ctx.global.workspace_given = app.get_option("--workspace")->count() > 0;
  logging::init(ctx.global.verbosity);
  for (const std::string &warning : take_deprecation_warnings()) spdlog::warn("{}", warning);
  try {
    refuse_fallen_through_options(chosen_path(app));
    check_arguments(app);
    check_workspace_choice(ctx);
    if (ctx.command) ctx.command();
    return ctx.exit_code;
  } catch (const Error &e) {
    print_error(e.what());
    return static_cast<int>(e.code());
  } catch (const store::SqlError &e) {
    // A statement no store::guarded wrapped: still the store's error model
    // (a lost server connection exits 75 wherever it happens).
    try {
      store::throw_store_error(ctx.store_location().shown(), e);
    } catch (const Error &error) {
      print_error(error.what());
      return static_cast<int>(error.code());
    }
  } catch (const std::exception &e) {
    print_error(std::string("internal error: ") + e.what());
    return static_cast<int>(ExitCode::failure);
  }
}

} // namespace

std::vector<CommandEntry> &command_table() {
  static std::vector<CommandEntry> table; // filled by static initialisers, before main
  return table;
}

CommandTree::CommandTree(Context &ctx)
    : m_ctx(ctx), m_root(std::make_unique<CLI::App>("webox: many AI providers behind one fast, scriptable command")) {
  add_global_options(*m_root, ctx, m_flags);
  for (const CommandEntry &c : sorted_commands())
    if (c.summary) m_root->add_subcommand(c.name, c.summary);
}

CommandTree::~CommandTree() = default;

void CommandTree::build(const std::string &name) {
  if (!is_command_name(name) || std::find(m_built.begin(), m_built.end(), name) != m_built.end()) return;
  CLI::App *command = m_root->get_subcommand(name);
  for (const CommandEntry &c : sorted_commands())
    if (name == c.name) c.setup(command, m_ctx);
  m_built.push_back(name);
}

void CommandTree::build_all() {
  for (const CommandEntry &c : sorted_commands())
    if (c.summary) build(c.name);
}

bool CommandTree::chosen_is_built() const {
  const std::vector<CLI::App *> chosen = m_root->get_subcommands();
  return chosen.empty() || std::find(m_built.begin(), m_built.end(), chosen.front()->get_name()) != m_built.end();
}

int run(int argc, char **argv) {
  cancel::install_handlers();
  // libcurl is initialised when the first HTTP client is made, on the main
  // thread (Context::config()), never for commands that send nothing.
  return run_command_line(argc, argv, Build::invoked);
}

} // namespace webox::cli
