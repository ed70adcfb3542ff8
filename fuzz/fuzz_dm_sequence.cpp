// Fuzzes the loader of follow-up sequence files (lib/leads/sequence/
// sequence.cpp, load_sequence): YAML a user writes or is handed (name, the
// leads step 1 takes, steps with template, delay and conditions), read by
// `webox leads sequence run|status`. Bad files must be refused as usage
// errors naming file:line. Templates named by the input are looked up in
// prompts/dm/ under the fuzzer's own scratch config folder, so most are
// absent (a usage error too). See user_file.hpp.
#include <cstdlib>

#include "lib/leads/sequence/sequence.hpp"

#include "fuzz/user_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The templates a sequence names are read from the config folder; keep
  // the fuzzer away from the developer's own.
  static const bool isolated = [] {
    const std::string home = std::filesystem::temp_directory_path() / ("webox-fuzz-home-" + std::to_string(::getpid()));
    ::setenv("XDG_CONFIG_HOME", home.c_str(), 1);
    return true;
  }();
  (void)isolated;
  return webox::fuzz::run_user_file(data, size, "sequence.yaml",
                                    [](const std::filesystem::path &f) { (void)webox::leads::load_sequence(f); });
}
