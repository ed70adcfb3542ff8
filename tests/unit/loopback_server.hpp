// A tiny HTTP/1.1 server on 127.0.0.1 for unit tests of the HTTP client: each
// connection reads one request and hands it to a handler that writes raw
// bytes, so tests control every byte and every pause.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

class LoopbackServer {
public:
  struct Connection {
    int fd;
    std::string request; // request line + headers + body (as far as read)
    void send(const std::string &bytes) const { ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
    void pause(int ms) const { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }
  };
  using Handler = std::function<void(Connection &, int request_number)>;

  explicit LoopbackServer(Handler handler) : m_handler(std::move(handler)) {
    m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(m_listen, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(m_listen, reinterpret_cast<sockaddr *>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    ::listen(m_listen, 64);
    m_thread = std::thread([this] { serve(); });
  }

  ~LoopbackServer() {
    m_stop = true;
    ::shutdown(m_listen, SHUT_RDWR);
    ::close(m_listen);
    m_thread.join();
    for (auto &t : m_workers) t.join();
  }

  std::string url(const std::string &path = "/") const { return "http://127.0.0.1:" + std::to_string(m_port) + path; }
  int requests() const { return m_count.load(); }
  std::string last_request() {
    std::lock_guard lock(m_mutex);
    return m_last;
  }

private:
  void serve() {
    while (!m_stop) {
      int fd = ::accept(m_listen, nullptr, nullptr);
      if (fd < 0) return;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      int n = ++m_count;
      m_workers.emplace_back([this, fd, n] {
        Connection c{fd, read_request(fd)};
        {
          std::lock_guard lock(m_mutex);
          m_last = c.request;
        }
        m_handler(c, n);
        ::shutdown(fd, SHUT_RDWR);
        ::close(fd);
      });
    }
  }

  static std::string read_request(int fd) {
    std::string req;
    char buf[4096];
    size_t body_needed = std::string::npos;
    while (true) {
      ssize_t r = ::recv(fd, buf, sizeof buf, 0);
      if (r <= 0) break;
      req.append(buf, static_cast<size_t>(r));
      size_t end = req.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      if (body_needed == std::string::npos) {
        size_t cl = req.find("Content-Length: ");
        body_needed = cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16));
      }
      if (req.size() >= end + 4 + body_needed) break;
    }
    return req;
  }

  Handler m_handler;
  int m_listen = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_count{0};
  std::thread m_thread;
  std::vector<std::thread> m_workers;
  std::mutex m_mutex;
  std::string m_last;
};

// "HTTP/1.1 <status>\r\n<headers>Content-Length: n\r\n\r\n<body>"
inline std::string http_response(int status, const std::string &body, const std::string &headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\n" + headers + "Content-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

inline std::string chunk(const std::string &bytes) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  return size + bytes + "\r\n";
}
