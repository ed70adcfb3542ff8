#include "lib/auth/redirect_listener.hpp"

#include <cerrno>
#include <algorithm>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"

namespace webox::auth {
namespace {

constexpr size_t kMaxRequestBytes = 8192;
constexpr int kRequestTimeoutMs = 10000;
constexpr int kPollTickMs = 200; // how soon Ctrl-C is noticed

int redirect_hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string redirect_percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && redirect_hex_value(s[i + 1]) >= 0 &&
               redirect_hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(redirect_hex_value(s[i + 1]) * 16 + redirect_hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Reads the request head (up to the blank line) within the limits; "" when
// the peer sent nothing usable in time.
std::string read_request_head(int fd) {
  std::string head;
  const int64_t deadline = cancel::monotonic_ms() + kRequestTimeoutMs;
  char buf[1024];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < kMaxRequestBytes) {
    const int64_t left = deadline - cancel::monotonic_ms();
    if (left <= 0) return {};
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return {};
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  return head;
}

void send_page(int fd, int status, const std::string &text) {
  const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request";
  std::string body = "<!doctype html><meta charset=utf-8><title>webox</title><p>";
  for (char c : text) {
    if (c == '<') body += "&lt;";
    else if (c == '&') body += "&amp;";
    else body += c;
  }
  body += "</p>\n";
  std::string response = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                         "\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n"
                         "Connection: close\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body;
  size_t sent = 0;
  while (sent < response.size()) {
    ssize_t n = ::send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; // the browser went away: nothing more to tell it
    sent += static_cast<size_t>(n);
  }
}

} // namespace

QueryParams parse_query(std::string_view query) {
  QueryParams out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    std::string key = redirect_percent_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : redirect_percent_decode(pair.substr(eq + 1));
    if (!key.empty()) out.emplace(std::move(key), std::move(value)); // the first of repeated keys wins
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

RedirectRequest read_redirect_request(std::string_view head) {
  // "GET /callback?query HTTP/1.1"
  RedirectRequest out;
  const size_t line_end = head.find("\r\n");
  if (line_end == std::string_view::npos) return out; // cut short: the 8 KiB limit, a timeout or a closed peer
  const std::string_view line = head.substr(0, line_end);
  if (line.rfind("GET ", 0) != 0) return out;
  std::string_view target = line.substr(4);
  target = target.substr(0, target.find(' '));
  const size_t question = target.find('?');
  if (target.substr(0, question) != "/callback") {
    out.kind = RedirectRequest::Kind::other_path;
    return out;
  }
  out.kind = RedirectRequest::Kind::callback;
  if (question != std::string_view::npos) out.params = parse_query(target.substr(question + 1));
  return out;
}

RedirectListener::RedirectListener(uint16_t port) : m_socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  if (m_socket.get() < 0) throw Error(std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(m_socket.get(), reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0)
    throw Error("cannot listen on 127.0.0.1:" + std::to_string(port) + " for the sign-in redirect: " +
                std::strerror(errno));
  if (::listen(m_socket.get(), 8) != 0) throw Error(std::string("cannot listen: ") + std::strerror(errno));
  socklen_t len = sizeof addr;
  ::getsockname(m_socket.get(), reinterpret_cast<sockaddr *>(&addr), &len);
  m_port = ntohs(addr.sin_port);
}

std::string RedirectListener::redirect_uri() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/callback"; }

PendingRedirect::~PendingRedirect() {
  if (!m_answered) answer(false, "webox: the sign-in did not complete; see the terminal.");
}

void PendingRedirect::answer(bool ok, const std::string &message) {
  if (m_answered) return;
  m_answered = true;
  if (m_client.get() >= 0) send_page(m_client.get(), ok ? 200 : 400, message);
}

PendingRedirect RedirectListener::wait(int64_t timeout_ms) {
  const int64_t deadline = cancel::monotonic_ms() + timeout_ms;
  for (;;) {
    if (cancel::requested()) throw Interrupted();
    const int64_t left = deadline - cancel::monotonic_ms();
    if (left <= 0)
      throw Error("no sign-in redirect arrived within " + std::to_string(timeout_ms / 1000) +
                  " s; nothing stored (run the command again, or raise --timeout)");
    pollfd p{m_socket.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, kPollTickMs)));
    if (ready <= 0) continue;
    Fd client(::accept4(m_socket.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (client.get() < 0) continue;
    RedirectRequest request = read_redirect_request(read_request_head(client.get()));
    if (request.kind == RedirectRequest::Kind::not_a_get) {
      send_page(client.get(), 400, "webox: not a sign-in redirect.");
      continue;
    }
    if (request.kind == RedirectRequest::Kind::other_path) {
      send_page(client.get(), 404, "webox: not found.");
      continue;
    }
    return PendingRedirect(std::move(client), std::move(request.params));
  }
}

} // namespace webox::auth
