// Flags several commands share, spelled the same everywhere.
//
// One meaning per short flag across webox: -o is --option KEY=VALUE (chat,
// compare, rag ask), -v is --verbose, -m --model, -n a count, -s --system,
// -c --continue, -q --quiet, -t --template, -a --attach, -f --format,
// -j --jobs, -p --provider. Output files are spelled long: --output FILE.
// A short flag that meant something else in an earlier release keeps working
// for one release with a warning (add_deprecated_short).
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
} // namespace CLI

namespace webox::cli {

// `--output FILE` on `cmd`, plus the old `-o FILE` spelling, hidden from
// --help, that still works and warns once.
CLI::Option *add_output_option(CLI::App *cmd, std::string &target, const std::string &help);

// A hidden `-<letter> VALUE` that stores into `target` like `--<long_name>`
// and warns once that the short spelling goes away in the next release.
void add_deprecated_short(CLI::App *cmd, char letter, const std::string &long_name, std::string &target,
                          const std::string &type_name);

// The warnings of the deprecated spellings used on this command line, each
// once; app.cpp logs them once logging is set up (so -q silences them).
std::vector<std::string> take_deprecation_warnings();

} // namespace webox::cli
