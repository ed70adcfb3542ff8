// Where exported bytes go: a file that appears only when complete, or any
// byte stream the caller provides (the CLI passes stdout through cli/output).
#pragma once

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

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

// Writes to a temporary file next to `target` (same directory, so the
// rename is atomic), mode 0600 as the rows hold personal data; commit()
// flushes, fsyncs and renames it over `target`. Destroyed without commit()
// (an error, Ctrl-C) it removes the temporary file: `target` is either the
// previous file or the complete new one, never half an export.
class FileSink : public ByteSink {
public:
  explicit FileSink(std::filesystem::path target);
  ~FileSink() override;
  FileSink(const FileSink &) = delete;
  FileSink &operator=(const FileSink &) = delete;

  bool write(std::string_view bytes) override; // throws webox::Error on I/O errors
  void commit();
  const std::filesystem::path &temp_path() const { return m_temp; }

private:
  struct Closer {
    void operator()(std::FILE *f) const { std::fclose(f); }
  };
  std::filesystem::path m_target, m_temp;
  std::unique_ptr<std::FILE, Closer> m_file;
  bool m_done = false;
};

} // namespace webox::exporting
