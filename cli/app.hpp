#pragma once

namespace webox::cli {

// Parses the command line, runs one subcommand, and returns the exit code.
// The only place that catches webox::Error and prints it.
int run(int argc, char **argv);

} // namespace webox::cli
