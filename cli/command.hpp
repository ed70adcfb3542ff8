// How a subcommand joins the command tree: each cmd_<name>.cpp registers its
// setup function with WEBOX_COMMAND(order, setup), and app.cpp calls every
// registered setup in `order` (which is also the order of `webox --help`).
// A new command is a new file; nothing else needs an edit.
#pragma once

#include <vector>

namespace CLI {
class App;
}

namespace webox::cli {

class Context;

using SetupFn = void (*)(CLI::App &app, Context &ctx);

struct CommandEntry {
  int order;
  SetupFn setup;
};

std::vector<CommandEntry> &command_table();

struct RegisterCommand {
  RegisterCommand(int order, SetupFn setup) { command_table().push_back({order, setup}); }
};

} // namespace webox::cli

#define WEBOX_COMMAND_CONCAT2(a, b) a##b
#define WEBOX_COMMAND_CONCAT(a, b) WEBOX_COMMAND_CONCAT2(a, b)
#define WEBOX_COMMAND(order, setup)                                                                    \
  static const ::webox::cli::RegisterCommand WEBOX_COMMAND_CONCAT(webox_command_, __COUNTER__)(order, setup)
