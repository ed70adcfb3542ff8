// The one-shot loopback listener an OAuth redirect comes back to
// (RFC 8252 §7.3: http://127.0.0.1:<port>/callback, never a name that a
// hosts file or DNS could point elsewhere).
//
// It is a few dozen lines over POSIX sockets rather than webox-httpd.so
// (cpp-httplib, loaded for `serve`): it answers exactly one GET, on one
// thread, and polls the cancel flag between waits, which a server library's
// accept loop would need a second thread for. Limits: a request line and
// headers of at most 8 KiB, 10 s to send them; anything that is not
// GET /callback gets a 404 and the wait goes on (a browser asks for
// /favicon.ico).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "lib/core/fd.hpp"

namespace webox::auth {

using QueryParams = std::map<std::string, std::string>;

// A redirect that arrived, its browser still waiting for the page that says
// how the sign-in ended (answered once the code is exchanged, so the page
// never says "signed in" for a sign-in that then failed). Destroyed
// unanswered, it tells the browser the sign-in did not complete.
class PendingRedirect {
public:
  PendingRedirect(Fd client, QueryParams params) : m_client(std::move(client)), m_params(std::move(params)) {}
  PendingRedirect(PendingRedirect &&) = default;
  ~PendingRedirect();
  const QueryParams &params() const { return m_params; }
  // Sends the page (plain text, escaped) with 200 when `ok`, else 400.
  void answer(bool ok, const std::string &message);

private:
  Fd m_client;
  QueryParams m_params;
  bool m_answered = false;
};

class RedirectListener {
public:
  // Binds 127.0.0.1:`port` (0 = a free port chosen by the kernel). Throws
  // webox::Error when the port is taken.
  explicit RedirectListener(uint16_t port = 0);

  uint16_t port() const { return m_port; }
  std::string redirect_uri() const;

  // Waits up to `timeout_ms` for GET /callback and returns it, its browser
  // waiting for the answer. Throws Interrupted on Ctrl-C and webox::Error
  // when the time runs out.
  PendingRedirect wait(int64_t timeout_ms);

private:
  Fd m_socket;
  uint16_t m_port = 0;
};

// "a=1&b=%20x" -> {a: "1", b: " x"}; '+' is a space (forms). Malformed
// escapes are kept as they are.
QueryParams parse_query(std::string_view query);

// What a request head the browser sent to the listener asks for: the
// redirect ("GET /callback?code=…&state=…"), another path (404) or not a GET
// at all (400). Pure, so it is fuzzed (fuzz/fuzz_oauth_redirect.cpp).
struct RedirectRequest {
  enum class Kind { callback, other_path, not_a_get } kind = Kind::not_a_get;
  QueryParams params; // of a callback
};
RedirectRequest read_redirect_request(std::string_view head);

} // namespace webox::auth
