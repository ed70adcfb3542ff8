// Owns one file descriptor: closed when the owner goes, however it goes.
#pragma once

#include <utility>

#include <unistd.h>

namespace webox {

class Fd {
public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  Fd(Fd &&other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd &operator=(Fd &&other) noexcept {
    if (this != &other) {
      if (m_fd >= 0) ::close(m_fd);
      m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
  }
  int get() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }
  // Closes now and reports the result: close() can report a failed write.
  bool close() { return ::close(std::exchange(m_fd, -1)) == 0; }

private:
  int m_fd;
};

} // namespace webox
