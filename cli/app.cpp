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
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/text_input.hpp"
#include "lib/plugin/registry.hpp"

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

  std::vector<CommandEntry> commands = command_table();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const CommandEntry &a, const CommandEntry &b) { return a.order < b.order; });
  for (const auto &c : commands) c.setup(app, ctx);

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
    print_error(message + " (see 'webox --help')");
    return static_cast<int>(ExitCode::usage);
  }

  ctx.global.verbosity = quiet ? -1 : verbose;
  logging::init(ctx.global.verbosity);
  try {
    check_arguments(app);
    if (ctx.command) ctx.command();
    return ctx.exit_code;
  } catch (const Error &e) {
    print_error(e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception &e) {
    print_error(std::string("internal error: ") + e.what());
    return static_cast<int>(ExitCode::failure);
  }
}

} // namespace webox::cli
