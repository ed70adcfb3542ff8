#include "lib/core/text_input.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utf8proc.h>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/fd.hpp"
#include "lib/core/paths.hpp"

namespace webox::text {
namespace {

constexpr size_t kReadChunk = size_t{1} << 16;

std::string over_limit(const std::string &what, const Limit &limit) {
  std::string exact = limit.bytes < 1024 ? "" : " (" + std::to_string(limit.bytes) + " bytes)";
  return what + " is larger than " + limit.name + " of " + human_size(limit.bytes) + exact +
         (limit.raise_how.empty() ? "" : "; " + limit.raise_how);
}

// Reads `fd` to its end into one string of at most `limit` bytes; `known`
// is the size fstat gave (0 when unknown: a pipe, a terminal). Returns
// nullopt when the input is over the limit.
std::optional<std::string> read_bounded(int fd, size_t known, size_t limit, const std::string &what) {
  std::string data;
  // One more byte than the limit tells "exactly the limit" from "more"; one
  // chunk more lets the read that sees the end land without a reallocation
  // (which would double the buffer for the whole run).
  data.reserve((known > 0 ? std::min(known, limit) + 1 : 0) + kReadChunk);
  for (;;) {
    size_t used = data.size();
    size_t room = std::min(kReadChunk, limit + 1 - used);
    data.resize(used + room);
    ssize_t n = ::read(fd, data.data() + used, room);
    if (n < 0) {
      data.resize(used);
      if (errno == EINTR && cancel::requested()) throw Interrupted();
      if (errno == EINTR) continue;
      throw UsageError("cannot read " + what + ": " + std::strerror(errno));
    }
    data.resize(used + static_cast<size_t>(n));
    if (n == 0) {
      // From a pipe the buffer grew by doubling: give the slack back now,
      // before the text is copied into requests.
      if (data.capacity() - data.size() > data.size() / 8 + kReadChunk) data.shrink_to_fit();
      return data;
    }
    if (data.size() > limit) return std::nullopt;
  }
}

} // namespace

size_t max_prompt_bytes() {
  return static_cast<size_t>(paths::env_number(kMaxPromptEnv, static_cast<int64_t>(kDefaultMaxPromptBytes), 1));
}

Limit prompt_limit() {
  return {max_prompt_bytes(), "the prompt limit", std::string("raise it with ") + kMaxPromptEnv + "=BYTES"};
}

std::string human_size(size_t bytes) {
  static const char *const units[] = {"KiB", "MiB", "GiB"};
  if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  for (value /= 1024; value >= 1024 && unit < 2; value /= 1024) ++unit;
  char buf[32];
  std::snprintf(buf, sizeof buf, value == static_cast<double>(static_cast<size_t>(value)) ? "%.0f %s" : "%.1f %s",
                value, units[unit]);
  return buf;
}

std::optional<size_t> invalid_utf8_offset(std::string_view text) {
  const auto *bytes = reinterpret_cast<const utf8proc_uint8_t *>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    if (bytes[i] < 0x80) { // ASCII, most of any prompt: no call needed
      ++i;
      continue;
    }
    utf8proc_int32_t code_point = 0;
    utf8proc_ssize_t n = utf8proc_iterate(bytes + i, static_cast<utf8proc_ssize_t>(text.size() - i), &code_point);
    if (n <= 0) return i;
    i += static_cast<size_t>(n);
  }
  return std::nullopt;
}

LineColumn line_column(std::string_view text, size_t offset) {
  LineColumn at;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
  }
  return at;
}

void require_utf8(std::string_view text, const std::string &where) {
  if (auto bad = invalid_utf8_offset(text))
    throw UsageError(where + " is not valid UTF-8 (byte " + std::to_string(*bad) + ")");
}

void require_size(size_t size, const Limit &limit, const std::string &what) {
  if (size > limit.bytes) throw UsageError(over_limit(what, limit));
}

std::string read_stdin(const Limit &limit) {
  struct stat st {};
  size_t known = 0;
  if (::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode)) {
    off_t at = std::max<off_t>(::lseek(STDIN_FILENO, 0, SEEK_CUR), 0);
    known = st.st_size > at ? static_cast<size_t>(st.st_size - at) : 0;
    require_size(known, limit, "standard input");
  }
  auto data = read_bounded(STDIN_FILENO, known, limit.bytes, "standard input");
  if (!data) throw UsageError(over_limit("standard input", limit));
  return std::move(*data);
}

std::string prompt_with_stdin(std::string arguments) {
  const Limit limit = prompt_limit();
  require_size(arguments.size(), limit, "the prompt");
  std::string prompt = read_stdin(limit);
  require_utf8(prompt, "standard input");
  if (prompt.empty()) return arguments;
  if (!arguments.empty()) {
    require_size(prompt.size() + 2 + arguments.size(), limit, "the prompt (standard input and arguments)");
    prompt.append("\n\n").append(arguments);
  }
  return prompt;
}

namespace {

// `file` opened for reading, refused when it is a folder.
Fd open_input_file(const std::filesystem::path &file, const std::string &what, struct stat &st) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0)
    throw UsageError(what + ": cannot read " + file.string() + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw UsageError(what + " " + file.string() + " is a folder; give a file");
  return fd;
}

} // namespace

void require_readable_file(const std::filesystem::path &file, const std::string &what) {
  struct stat st {};
  open_input_file(file, what, st);
}

std::string read_file(const std::filesystem::path &file, const Limit &limit, const std::string &what) {
  struct stat st {};
  Fd fd = open_input_file(file, what, st);
  const std::string name = what + " " + file.string();
  size_t known = S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0;
  require_size(known, limit, name);
  auto data = read_bounded(fd.get(), known, limit.bytes, name);
  if (!data) throw UsageError(over_limit(name, limit));
  return std::move(*data);
}

std::string join_words(const std::vector<std::string> &words) {
  std::string out;
  for (const auto &w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

} // namespace webox::text
