// The command tree and the one top-level catch.
//
// main() calls run(). Subcommand callbacks registered by each cmd_*.cpp only
// choose what to run; the work starts after the whole command line parsed
// and logging is set up, inside the single try block below that turns every
// webox::Error into "webox: error: <message>" and its exit code.
#include "cli/app.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

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

} // namespace

std::vector<CommandEntry> &command_table() {
  static std::vector<CommandEntry> table; // filled by static initialisers, before main
  return table;
}

int run(int argc, char **argv) {
  cancel::install_handlers();
  // libcurl is initialised when the first HTTP client is made, on the main
  // thread (Context::config()), never for commands that send nothing.

  Context ctx;
  CLI::App app{"webox: many AI providers behind one fast, scriptable command"};
  app.set_version_flag("--version", std::string("webox ") + WEBOX_VERSION);
  app.require_subcommand(1);
  // Global flags are accepted after the command too: `webox chat -v ...`.
  app.fallthrough();
  app.footer(kAppExamples);
  int verbose = 0;
  bool quiet = false;
  app.add_flag("-v,--verbose", verbose, "More diagnostics on stderr (-v info, -vv debug, -vvv trace)");
  app.add_flag("-q,--quiet", quiet, "Only errors on stderr");
  app.add_option("--plugin-dir", ctx.global.plugin_dirs, "Also look for plugins in DIR (repeatable, searched first)")
      ->type_name("DIR");
  app.add_option("--ca-bundle", ctx.global.ca_bundle,
                 "Also trust the CA certificates in FILE (PEM) for HTTPS; verification is never turned off")
      ->type_name("FILE");
  CLI::Option *workspace_option = app.add_option("--workspace", ctx.global.workspace,
                 "Work in workspace NAME of the store (beats WEBOX_WORKSPACE and workspace: in the config; default: default)")
      ->type_name("NAME");

  std::vector<CommandEntry> commands = command_table();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const CommandEntry &a, const CommandEntry &b) { return a.order < b.order; });
  for (const auto &c : commands) c.setup(app, ctx);

  // `webox` alone is a question, not a mistake: the overview, exit 0.
  if (argc <= 1) {
    out::write(app.help());
    return static_cast<int>(ExitCode::ok);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    std::string message = e.what();
    bool known_command = false;
    for (const CLI::App *sub : app.get_subcommands([](const CLI::App *) { return true; }))
      known_command = known_command || (argc > 1 && sub->get_name() == argv[1]);
    if (argc > 1 && argv[1][0] != '-' && !known_command) {
      std::string hint = suggest_command(app, argv[1]);
      message = "unknown command '" + std::string(argv[1]) + "'" +
                (hint.empty() ? "" : " (did you mean '" + hint + "'?)");
    }
    print_error(message + " (see `" + command_words(chosen_path(app)) + " --help`)");
    return static_cast<int>(ExitCode::usage);
  }

  ctx.global.verbosity = quiet ? -1 : verbose;
  ctx.global.workspace_given = workspace_option->count() > 0;
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

} // namespace webox::cli
