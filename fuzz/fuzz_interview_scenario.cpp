// Fuzzes the interview scenario loader (lib/interview/scenario.cpp,
// parse_scenario): a Markdown file with YAML front matter (name, rubric
// criteria and weights, voice, turns) and Mustache instructions, shipped in
// prompts/interview/ or written by the user. Bad files must be refused as
// usage errors naming the file. See user_file.hpp.
#include "lib/interview/scenario.hpp"

#include "fuzz/user_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return webox::fuzz::run_user_file(data, size, "scenario.md",
                                    [](const std::filesystem::path &f) { (void)webox::interview::parse_scenario(f); });
}
