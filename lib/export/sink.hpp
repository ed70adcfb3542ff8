// Where exported bytes go: a file that appears only when complete, or any
// byte stream the caller provides (the CLI passes stdout through cli/output).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "lib/core/atomic_file.hpp"

namespace webox::exporting {

class ByteSink {
public:
  virtual ~ByteSink() = default;
  // Returns false when the reader went away (closed pipe): stop quietly.
  virtual bool write(std::string_view bytes) = 0;
};

// Forwards to a function (stdout in the CLI).
class FunctionSink : public ByteSink {
public:
  explicit FunctionSink(std::function<bool(std::string_view)> fn) : m_fn(std::move(fn)) {}
  bool write(std::string_view bytes) override { return m_fn(bytes); }

private:
  std::function<bool(std::string_view)> m_fn;
};

// Writes through webox::AtomicFile (lib/core/atomic_file), mode 0600 as the
// rows hold personal data; commit() flushes, fsyncs and renames it over
// `target`. Destroyed without commit() (an error, Ctrl-C) it removes the
// temporary file: `target` is either the previous file or the complete new
// one, never half an export.
class FileSink : public ByteSink {
public:
  explicit FileSink(std::filesystem::path target);
  ~FileSink() override;
  FileSink(const FileSink &) = delete;
  FileSink &operator=(const FileSink &) = delete;

  bool write(std::string_view bytes) override; // throws webox::Error on I/O errors
  void commit();
  std::filesystem::path temp_path() const {
    return m_file->destination().parent_path() / m_file->temporary_name();
  }

private:
  void flush();

  std::optional<AtomicFile> m_file;
  std::string m_buffer; // rows are small: written in 64 KiB pieces
};

} // namespace webox::exporting
