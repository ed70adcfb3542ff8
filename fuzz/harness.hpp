// What every fuzz target shares: a plugin host that does nothing (the
// decoders under test never reach the network), a sink that checks each
// event a plugin emits is one valid JSON document, and a way to cut one
// input into the arbitrary reads a socket would deliver.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/common/shared/bounded_json.hpp"
#include <webox/plugin.hpp>

namespace webox::fuzz {

inline void no_log(const webox_call *, int, const char *) {}
inline int not_cancelled(const webox_call *) { return 0; }

// Installs a host table for code that calls sdk::host() (logging, the
// cancellation poll). HTTP and secrets are deliberately absent: a decoder
// that tried to use them would crash here, which is a finding.
inline void install_stub_host() {
  static webox_host_api api = [] {
    webox_host_api a{};
    a.struct_size = sizeof(webox_host_api);
    a.abi_major = WEBOX_ABI_MAJOR;
    a.host_version = "fuzz";
    a.log = no_log;
    a.is_cancelled = not_cancelled;
    return a;
  }();
  ::webox::sdk::g_host = &api;
}

inline webox_status no_secret(const webox_call *, const char *, webox_buf *) { return WEBOX_E_AUTH; }

// The stub host, plus a secret lookup that finds nothing: for code that asks
// for a token before it would call the API (a webhook mention read through
// the Graph API), so it takes its "no key" path instead of crashing the stub.
inline void install_stub_host_without_secrets() {
  static webox_host_api api = [] {
    install_stub_host();
    webox_host_api a = *::webox::sdk::g_host;
    a.get_secret = no_secret;
    return a;
  }();
  ::webox::sdk::g_host = &api;
}

// A webox_sink_fn: each event must be a JSON object, as the host expects.
inline int json_event_sink(void *, const char *data, size_t size) {
  auto doc = webox::bounded_json::parse_or_discarded(std::string_view(data, size));
  if (doc.is_discarded() || !doc.is_object()) std::abort();
  return 0;
}

// Cuts `bytes` into pieces whose lengths come from `seed`: the same input
// always gives the same cuts, and the fuzzer explores where they fall.
inline std::vector<std::string_view> cut(std::string_view bytes, uint8_t seed) {
  std::vector<std::string_view> pieces;
  size_t step = seed % 7 + 1;
  while (!bytes.empty()) {
    size_t n = std::min(bytes.size(), step);
    pieces.push_back(bytes.substr(0, n));
    bytes.remove_prefix(n);
    step = (step * 5 + seed) % 13 + 1;
  }
  return pieces;
}

} // namespace webox::fuzz
