#include "lib/export/sink.hpp"

#include "lib/core/error.hpp"

namespace webox::exporting {

namespace fs = std::filesystem;

namespace {
constexpr size_t kSinkBuffer = 1 << 16;
}

FileSink::FileSink(fs::path target) {
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw UsageError("--output: no directory " + dir.string());
  if (fs::is_directory(target, ec)) throw UsageError("--output: " + target.string() + " is a directory");
  m_file.emplace(std::move(target), AtomicFileOptions{0600, {}});
  m_buffer.reserve(kSinkBuffer);
}

FileSink::~FileSink() = default;

void FileSink::flush() {
  m_file->write(m_buffer);
  m_buffer.clear();
}

bool FileSink::write(std::string_view bytes) {
  if (m_buffer.size() + bytes.size() > kSinkBuffer) flush();
  if (bytes.size() >= kSinkBuffer) m_file->write(bytes);
  else m_buffer.append(bytes);
  return true;
}

void FileSink::commit() {
  flush();
  m_file->commit();
}

} // namespace webox::exporting
