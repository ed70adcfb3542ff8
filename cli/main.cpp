// webox: a trampoline into the CLI, which lives in cli/app.cpp.
#include "cli/app.hpp"

int main(int argc, char **argv) { return webox::cli::run(argc, argv); }
