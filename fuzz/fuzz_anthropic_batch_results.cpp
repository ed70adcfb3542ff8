// Fuzzes how the anthropic plugin reads Message Batches results
// (plugins/anthropic/anthropic.cpp, anthropic_result_line: one
// {"custom_id", "result": {"type": succeeded|errored|canceled|expired, ...}}
// a line). See batch_results.hpp.
#include "plugins/anthropic/anthropic.cpp"

#include "fuzz/batch_results.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return webox::fuzz::run_batch_results<webox_instance>(data, size, anthropic_result_line);
}
