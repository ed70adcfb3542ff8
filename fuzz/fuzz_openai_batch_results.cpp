// Fuzzes how the OpenAI-compatible plugin reads a Batch API output or error
// file (plugins/openai/openai_compatible.cpp, openai_result_line: one
// {"custom_id", "response": {"status_code", "body"}} or {"error"} a line).
// See batch_results.hpp.
#include "plugins/openai/openai_compatible.cpp"

#include "fuzz/batch_results.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return webox::fuzz::run_batch_results<webox_instance>(data, size, openai_result_line);
}
