// Fuzzes the Instagram plugin's webhook reader (plugins/instagram/instagram.cpp,
// WebhookDelivery): the body of a delivery Meta POSTs to `webox serve`, as
// serve hands it to the plugin once its X-Hub-Signature-256 was checked
// ({"delivery": <the body parsed with the nesting limit>, "options": {}}).
// The signature check proves who sent a body, not that it is well formed.
//
// The stub host has no secrets, so a mention (read through the Graph API)
// ends as the plugin's "no token" failure before any request. Whatever the
// body, the plugin must emit JSON objects and end OK or with a clean
// failure; WEBOX_E_INTERNAL would be a bug a user sees, so it aborts here.
#include "plugins/instagram/instagram.cpp"

#include <cstdio>

#include "fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  webox::fuzz::install_stub_host_without_secrets();
  webox_instance self;
  self.base_url = "http://127.0.0.1:9";
  self.key_var = "INSTAGRAM_ACCESS_TOKEN";
  const json delivery =
      webox::bounded_json::parse_or_discarded(std::string_view(reinterpret_cast<const char *>(data), size));
  if (!delivery.is_object()) return 0; // serve answers 400 to a body that is not a JSON object, before it is queued
  const std::string request =
      json{{"delivery", delivery}, {"options", json::object()}}.dump(-1, ' ', false, json::error_handler_t::replace);
  webox_request req{sizeof(webox_request), request.data(), request.size(), nullptr, 0};
  webox_result out{};
  out.struct_size = sizeof(webox_result);
  webox_call call{};
  call.struct_size = sizeof(webox_call);
  const webox_status s = webhook(&self, &call, &req, webox::fuzz::json_event_sink, nullptr, &out);
  const std::string error = out.error.data ? std::string(out.error.data, out.error.size) : std::string();
  if (out.json.release) out.json.release(&out.json);
  if (out.error.release) out.error.release(&out.error);
  if (s == WEBOX_E_INTERNAL) {
    std::fprintf(stderr, "internal error: %s\n", error.c_str());
    std::abort();
  }
  return 0;
}
