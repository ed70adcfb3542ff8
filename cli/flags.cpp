#include "cli/flags.hpp"

#include <algorithm>
#include <utility>

#include <CLI/CLI.hpp>

namespace webox::cli {
namespace {

std::vector<std::string> &pending_warnings() {
  static std::vector<std::string> warnings;
  return warnings;
}

// "logs export" for the subcommand `logs export`.
std::string command_path(const CLI::App *cmd) {
  std::string path;
  for (; cmd && cmd->get_parent(); cmd = cmd->get_parent())
    path = cmd->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

} // namespace

void add_deprecated_short(CLI::App *cmd, char letter, const std::string &long_name, std::string &target,
                          const std::string &type_name) {
  const std::string warning = std::string("-") + letter + " in `webox " + command_path(cmd) +
                              "` is deprecated and goes away in the next release; spell it --" + long_name;
  cmd->add_option(std::string("-") + letter, target)
      ->group("") // hidden from --help: the long spelling is the documented one
      ->type_name(type_name)
      ->each([warning](const std::string &) {
        auto &w = pending_warnings();
        if (std::find(w.begin(), w.end(), warning) == w.end()) w.push_back(warning);
      });
}

CLI::Option *add_output_option(CLI::App *cmd, std::string &target, const std::string &help) {
  CLI::Option *opt = cmd->add_option("--output", target, help)->type_name("FILE");
  add_deprecated_short(cmd, 'o', "output", target, "FILE");
  return opt;
}

std::vector<std::string> take_deprecation_warnings() { return std::exchange(pending_warnings(), {}); }

} // namespace webox::cli
