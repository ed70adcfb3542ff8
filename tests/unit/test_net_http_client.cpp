#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <zlib.h>

#include "lib/core/cancel.hpp"
#include "lib/net/http_client.hpp"
#include "tests/unit/loopback_server.hpp"

using namespace webox::net;

namespace {

HttpClient fast_client() {
  HttpSettings s;
  s.retry.base_delay_ms = 5;
  s.idle_timeout_ms = 1000;
  return HttpClient(s);
}

std::string gzip(const std::string &text) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(compressBound(text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef *>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

const std::string kSseHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

} // namespace

TEST_CASE("a chunked SSE body split at awkward places arrives as whole events", "[net][http]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int) {
    c.send(kSseHead);
    const std::string body = "data: {\"t\":\"caf\xc3\xa9\"}\r\n\r\n: keep-alive\n\ndata: [DONE]\n\n";
    for (size_t i = 0; i < body.size(); i += 3) {
      c.send(chunk(body.substr(i, 3)));
      c.pause(1);
    }
    c.send("0\r\n\r\n");
  });
  std::vector<std::string> events;
  Request r;
  r.method = "POST";
  r.url = server.url("/v1/chat");
  r.body = "{}";
  Outcome o = fast_client().stream(r, Framing::sse, [&](std::string_view e) {
    events.emplace_back(e);
    return true;
  });
  REQUIRE(o.ok());
  CHECK(o.response.status == 200);
  CHECK(events == std::vector<std::string>{"{\"t\":\"caf\xc3\xa9\"}", "[DONE]"});
  CHECK(o.response.body.empty());
}

TEST_CASE("429 with retry-after-ms is retried, then succeeds", "[net][http]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int n) {
    if (n == 1) c.send(http_response(429, "{\"error\":{}}", "retry-after-ms: 30\r\n"));
    else c.send(http_response(200, "ok"));
  });
  Request r;
  r.url = server.url();
  auto start = std::chrono::steady_clock::now();
  Outcome o = fast_client().send(r);
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(o.ok());
  CHECK(o.response.status == 200);
  CHECK(o.response.body == "ok");
  CHECK(o.response.attempts == 2);
  CHECK(elapsed >= std::chrono::milliseconds(30));
}

TEST_CASE("401 is never retried; a classifier can refuse a 429", "[net][http]") {
  LoopbackServer unauthorized([](LoopbackServer::Connection &c, int) { c.send(http_response(401, "no")); });
  Request r;
  r.url = unauthorized.url();
  Outcome o = fast_client().send(r);
  CHECK(o.response.status == 401);
  CHECK(unauthorized.requests() == 1);

  LoopbackServer quota([](LoopbackServer::Connection &c, int) {
    c.send(http_response(429, "{\"error\":{\"code\":\"insufficient_quota\"}}"));
  });
  Request q;
  q.url = quota.url();
  q.should_retry = [](int, std::string_view body) { return body.find("insufficient_quota") == std::string_view::npos; };
  Outcome oq = fast_client().send(q);
  CHECK(oq.response.status == 429);
  CHECK(quota.requests() == 1);
}

TEST_CASE("5xx is retried a bounded number of times", "[net][http]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int) { c.send(http_response(502, "<html>bad gateway</html>")); });
  Request r;
  r.url = server.url();
  Outcome o = fast_client().send(r);
  CHECK(o.response.status == 502);
  CHECK(o.response.body == "<html>bad gateway</html>");
  CHECK(server.requests() == 4); // 1 + 3 retries
}

TEST_CASE("a stream is not retried once something was delivered", "[net][http]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int) {
    c.send(kSseHead);
    c.send(chunk("data: one\n\n"));
    c.pause(20); // then the connection drops without the final chunk
  });
  Request r;
  r.url = server.url();
  int events = 0;
  Outcome o = fast_client().stream(r, Framing::sse, [&](std::string_view) { return ++events > 0; });
  CHECK(o.failure == Failure::network);
  CHECK_THAT(o.message, Catch::Contains("mid-stream"));
  CHECK(events == 1);
  CHECK(server.requests() == 1);
}

TEST_CASE("gzip bodies are decoded", "[net][http]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int) {
    c.send(http_response(200, gzip("{\"hello\":\"w\xc3\xb6rld\"}"), "Content-Encoding: gzip\r\n"));
  });
  Request r;
  r.url = server.url();
  Outcome o = fast_client().send(r);
  CHECK(o.response.body == "{\"hello\":\"w\xc3\xb6rld\"}");
  CHECK_THAT(server.last_request(), Catch::Contains("Accept-Encoding:"));
}

TEST_CASE("Ctrl-C aborts a transfer within milliseconds", "[net][http]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int) {
    c.send(kSseHead);
    c.pause(3000);
  });
  Request r;
  r.url = server.url();
  std::thread interrupter([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    webox::cancel::request();
  });
  auto start = std::chrono::steady_clock::now();
  Outcome o = fast_client().stream(r, Framing::sse, [](std::string_view) { return true; });
  auto elapsed = std::chrono::steady_clock::now() - start;
  interrupter.join();
  webox::cancel::reset();
  CHECK(o.failure == Failure::cancelled);
  CHECK(elapsed < std::chrono::milliseconds(1500));
}

TEST_CASE("a silent server hits the idle timeout", "[net][http]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int) {
    c.send(kSseHead);
    c.pause(2500);
  });
  HttpSettings s;
  s.idle_timeout_ms = 1000;
  s.retry.max_retries = 0;
  Request r;
  r.url = server.url();
  Outcome o = HttpClient(s).stream(r, Framing::sse, [](std::string_view) { return true; });
  CHECK(o.failure == Failure::timeout);
}

TEST_CASE("connection refused is a network failure, retried then reported", "[net][http]") {
  int port;
  {
    LoopbackServer closed([](LoopbackServer::Connection &, int) {});
    port = std::stoi(closed.url().substr(17));
  }
  Request r;
  r.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  Outcome o = fast_client().send(r);
  CHECK(o.failure == Failure::network);
  CHECK(o.response.attempts == 4);
}

TEST_CASE("a request sent once is not repeated after a lost answer, only when it surely never left", "[net][http]") {
  // The server reads the request, then drops the connection without a word:
  // the request may well have been acted on (a message delivered).
  LoopbackServer server([](LoopbackServer::Connection &, int) {});
  Request r;
  r.method = "POST";
  r.body = "{\"text\":\"bonjour\"}";
  r.url = server.url();
  r.once = true;
  Outcome o = fast_client().send(r);
  CHECK(o.failure == Failure::network);
  CHECK(server.requests() == 1);
  r.once = false; // an ordinary request is retried
  o = fast_client().send(r);
  CHECK(server.requests() == 5);

  LoopbackServer silent([](LoopbackServer::Connection &c, int) { c.pause(2500); });
  r.url = silent.url();
  r.once = true;
  o = fast_client().send(r);
  CHECK(o.failure == Failure::timeout);
  CHECK(silent.requests() == 1);

  // Refused: nothing left, so it is tried again like any request.
  int port;
  {
    LoopbackServer closed([](LoopbackServer::Connection &, int) {});
    port = std::stoi(closed.url().substr(17));
  }
  r.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  o = fast_client().send(r);
  CHECK(o.failure == Failure::network);
  CHECK(o.response.attempts == 4);
}

TEST_CASE("a body over the limit is refused once, with the limit named", "[net][http][hygiene]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int) { c.send(http_response(200, std::string(5000, 'x'))); });
  HttpSettings s;
  s.retry.base_delay_ms = 5;
  s.max_body_bytes = 1000;
  Request r;
  r.url = server.url();
  Outcome o = HttpClient(s).send(r);
  CHECK(o.failure == Failure::network);
  CHECK_THAT(o.message, Catch::Contains("larger than 1000 bytes"));
  CHECK(server.requests() == 1); // the same server would send the same body again
}

TEST_CASE("a stream over the limit is cut, not read forever", "[net][http][hygiene]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int) {
    c.send(kSseHead);
    for (int i = 0; i < 200; ++i) c.send(chunk("data: " + std::string(100, 'y') + "\n\n"));
    c.send("0\r\n\r\n");
  });
  HttpSettings s;
  s.max_body_bytes = 2000;
  Request r;
  r.url = server.url();
  int events = 0;
  Outcome o = HttpClient(s).stream(r, Framing::sse, [&](std::string_view) { return ++events > 0; });
  CHECK(o.failure == Failure::network);
  CHECK_THAT(o.message, Catch::Contains("larger than 2000 bytes"));
  CHECK(events < 200);
  CHECK(server.requests() == 1);
}

TEST_CASE("more than 5 redirects are not followed, and not retried", "[net][http][hygiene]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int) {
    c.send("HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n");
  });
  Request r;
  r.url = server.url();
  Outcome o = fast_client().send(r);
  CHECK(o.failure == Failure::network);
  CHECK_THAT(o.message, Catch::Contains("more than 5 redirects"));
  CHECK(server.requests() == 6);
}

TEST_CASE("a retry waits what the body's retry_delay asks for", "[net][http]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int n) {
    if (n == 1) c.send(http_response(429, "{\"wait\":300}"));
    else c.send(http_response(200, "ok"));
  });
  Request r;
  r.url = server.url();
  r.retry_delay = [](int, std::string_view body) -> std::optional<int64_t> {
    return body == "{\"wait\":300}" ? std::optional<int64_t>(300) : std::nullopt;
  };
  auto start = std::chrono::steady_clock::now();
  Outcome o = fast_client().send(r);
  CHECK(o.ok());
  CHECK(o.response.attempts == 2);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
}

TEST_CASE("a stream that drips forever ends at the total timeout", "[net][http][hygiene]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int) {
    c.send(kSseHead);
    for (int i = 0; i < 40; ++i) {
      c.send("e\r\n: keep-alive\n\n\r\n"); // an SSE comment: bytes, never an event
      c.pause(100);
    }
  });
  HttpSettings s;
  s.idle_timeout_ms = 1000;
  s.total_timeout_ms = 800;
  Request r;
  r.url = server.url();
  auto start = std::chrono::steady_clock::now();
  Outcome o = HttpClient(s).stream(r, Framing::sse, [](std::string_view) { return true; });
  CHECK(o.failure == Failure::timeout);
  CHECK(o.total_timeout);
  CHECK(o.message.find("http.total_timeout_ms") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(2500));
}

TEST_CASE("megabytes of response headers are refused for good", "[net][http][hygiene]") {
  LoopbackServer server([](LoopbackServer::Connection &c, int) {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n";
    for (int i = 0; i < 2000; ++i) head += "X-Pad-" + std::to_string(i) + ": " + std::string(60, 'p') + "\r\n";
    c.send(head + "\r\nok");
  });
  Request r;
  r.url = server.url();
  Outcome o = fast_client().send(r);
  CHECK(o.failure == Failure::network);
  CHECK(o.permanent);
  CHECK(o.response.attempts == 1);
  CHECK(o.message.find("response headers over webox's limit") != std::string::npos);
}

TEST_CASE("base URLs are checked with libcurl's URL parser", "[net][http]") {
  CHECK_FALSE(url_problem("https://api.openai.com/v1"));
  CHECK_FALSE(url_problem("http://127.0.0.1:11434"));
  CHECK(url_problem("ht!tp://::::"));
  CHECK(url_problem("http://exa mple/v1"));
  CHECK(url_problem("ftp://example.com/v1").value_or("").find("not http or https") != std::string::npos);
}
