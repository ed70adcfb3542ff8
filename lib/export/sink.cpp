#include "lib/export/sink.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

#include <unistd.h>

#include "lib/core/error.hpp"

namespace webox::exporting {

namespace fs = std::filesystem;

FileSink::FileSink(fs::path target) : m_target(std::move(target)) {
  fs::path dir = m_target.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw UsageError("-o: no directory " + dir.string());
  if (fs::is_directory(m_target, ec)) throw UsageError("-o: " + m_target.string() + " is a directory");
  std::string pattern = (dir / ("." + m_target.filename().string() + ".XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data()); // mode 0600
  if (fd < 0) throw Error("cannot create a file in " + dir.string() + ": " + std::strerror(errno));
  m_temp = name.data();
  m_file.reset(::fdopen(fd, "wb"));
  if (!m_file) {
    ::close(fd);
    fs::remove(m_temp, ec);
    throw Error("cannot open " + m_temp.string());
  }
  std::setvbuf(m_file.get(), nullptr, _IOFBF, 1 << 16);
}

FileSink::~FileSink() {
  m_file.reset();
  if (!m_done) {
    std::error_code ec;
    fs::remove(m_temp, ec);
  }
}

bool FileSink::write(std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), m_file.get()) != bytes.size())
    throw Error("cannot write " + m_target.string() + ": " + std::strerror(errno));
  return true;
}

void FileSink::commit() {
  if (std::fflush(m_file.get()) != 0 || ::fsync(::fileno(m_file.get())) != 0)
    throw Error("cannot write " + m_target.string() + ": " + std::strerror(errno));
  if (std::fclose(m_file.release()) != 0) throw Error("cannot write " + m_target.string() + ": " + std::strerror(errno));
  std::error_code ec;
  fs::rename(m_temp, m_target, ec);
  if (ec) throw Error("cannot rename " + m_temp.string() + " to " + m_target.string() + ": " + ec.message());
  m_done = true;
}

} // namespace webox::exporting
