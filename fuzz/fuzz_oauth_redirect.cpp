// Fuzzes how `webox auth login` reads the request the browser sends to its
// one-shot 127.0.0.1 listener (lib/auth/redirect_listener.cpp,
// read_redirect_request and parse_query): any local program can connect to
// that port, so the head is outside input (at most 8 KiB, the listener's
// limit, which the harness keeps). The invariants: it never throws, a
// callback's parameters are decoded from the request line only, and a head
// without a complete first line is never taken for the redirect.
#include "lib/auth/redirect_listener.hpp"

#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 8192) return 0;
  const std::string_view head(reinterpret_cast<const char *>(data), size);
  const auto request = webox::auth::read_redirect_request(head);
  const bool has_line = head.find("\r\n") != std::string_view::npos;
  if (request.kind == webox::auth::RedirectRequest::Kind::callback &&
      (!has_line || head.rfind("GET /callback", 0) != 0))
    std::abort();
  if (request.kind != webox::auth::RedirectRequest::Kind::callback && !request.params.empty()) std::abort();
  return 0;
}
