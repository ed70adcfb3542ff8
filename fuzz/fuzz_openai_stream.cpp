// Fuzzes the OpenAI-compatible plugins' stream decoder
// (plugins/openai/openai_compatible.cpp, StreamReader: the seven providers
// that speak chat completions) behind the SSE framing. See provider_stream.hpp.
#include "plugins/openai/openai_compatible.cpp"

#include "fuzz/provider_stream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return webox::fuzz::run_stream_reader<StreamReader, webox::net::SseDecoder, webox_instance>(data, size);
}
