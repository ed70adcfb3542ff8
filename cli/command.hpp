// How a subcommand joins the command tree: each cmd_<name>.cpp registers
//
//   WEBOX_COMMAND(order, "name", "One-line summary", setup_name);
//
// and app.cpp adds every command to the root by that name and summary, in
// `order` (which is also the order of `webox --help`). The setup function
// declares the command's options and subcommands on the CLI::App made for
// it, and runs only when that command is invoked (or when the whole tree is
// needed: `webox completions`): building the option sets of ~30 commands
// on every run was a tenth of a sanitized process's CPU (issue 22).
//
// A file that adds subcommands to another file's command (the leads family)
// registers WEBOX_COMMAND_PART(order, "leads", setup_leads_dm): its setup
// gets the same CLI::App after those of lower order.
// A new command is a new file; nothing else needs an edit.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace webox::cli {

class Context;

using SetupFn = void (*)(CLI::App *command, Context &ctx);

struct CommandEntry {
  int order;
  const char *name;
  const char *summary; // nullptr for a part of another entry's command
  SetupFn setup;
};

std::vector<CommandEntry> &command_table();

struct RegisterCommand {
  RegisterCommand(int order, const char *name, const char *summary, SetupFn setup) {
    command_table().push_back({order, name, summary, setup});
  }
};

struct GlobalFlags {
  int verbose = 0;
  bool quiet = false;
};

// The root App: the global options, and every command by name and summary
// (enough for `webox --help`, "did you mean" and usage errors at the root).
// build() declares one command's options; build_all() every command's.
class CommandTree {
public:
  explicit CommandTree(Context &ctx);
  ~CommandTree();
  CommandTree(const CommandTree &) = delete;
  CommandTree &operator=(const CommandTree &) = delete;

  CLI::App &root() { return *m_root; }
  const GlobalFlags &flags() const { return m_flags; }

  void build(const std::string &name); // no effect for a name that is no command
  void build_all();
  // True when the command chosen at the top (or none) has its options.
  bool chosen_is_built() const;

private:
  Context &m_ctx;
  GlobalFlags m_flags;
  std::unique_ptr<CLI::App> m_root;
  std::vector<std::string> m_built;
};

} // namespace webox::cli

#define WEBOX_COMMAND_CONCAT2(a, b) a##b
#define WEBOX_COMMAND_CONCAT(a, b) WEBOX_COMMAND_CONCAT2(a, b)
#define WEBOX_COMMAND(order, name, summary, setup)                                                     \
  static const ::webox::cli::RegisterCommand WEBOX_COMMAND_CONCAT(webox_command_, __COUNTER__)(        \
      order, name, summary, setup)
#define WEBOX_COMMAND_PART(order, name, setup)                                                         \
  static const ::webox::cli::RegisterCommand WEBOX_COMMAND_CONCAT(webox_command_, __COUNTER__)(        \
      order, name, nullptr, setup)
