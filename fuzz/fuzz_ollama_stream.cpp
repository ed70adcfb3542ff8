// Fuzzes the Ollama plugin's stream decoder (plugins/ollama/ollama.cpp,
// StreamReader) behind the NDJSON framing Ollama streams with. See
// provider_stream.hpp.
#include "plugins/ollama/ollama.cpp"

#include "fuzz/provider_stream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return webox::fuzz::run_stream_reader<StreamReader, webox::net::NdjsonDecoder, webox_instance>(data, size);
}
