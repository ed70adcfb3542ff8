// The HTTP server of `webox serve`: webox-httpd.so (cpp-httplib) loaded on
// first use, so no other command maps libcpp-httplib. RAII: destroying the
// server stops accepting and waits for the requests in flight.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "lib/serve/webhook_service.hpp"

namespace webox::serve {

struct HttpdOptions {
  std::string host;
  int port = 0;
  size_t max_body = 1 << 20;
  int threads = 8;
};

class Httpd {
public:
  // Throws webox::Error (module missing, address in use).
  Httpd(const HttpdOptions &options, WebhookService &service);
  ~Httpd();
  Httpd(const Httpd &) = delete;
  Httpd &operator=(const Httpd &) = delete;
  int port() const;
  // Stops accepting and finishes the requests in flight (idempotent).
  void stop();

private:
  WebhookService &m_service;
  void *m_server = nullptr;
};

} // namespace webox::serve
