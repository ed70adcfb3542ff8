// Fuzzes the gemini plugin's stream decoder (plugins/gemini/gemini.cpp, StreamReader)
// behind the SSE framing it is fed by. See provider_stream.hpp.
#include "plugins/gemini/gemini.cpp"

#include "fuzz/provider_stream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return webox::fuzz::run_stream_reader<StreamReader, webox::net::SseDecoder, webox_instance>(data, size);
}
