// Writing generated media so that a file that looks finished is finished.
//
// Audio streams in for seconds; an image arrives whole but may be large. In
// both cases the bytes go through webox::AtomicFile (lib/core/atomic_file):
// a temporary name in the destination's own directory, renamed over NAME
// only after the last byte is written and synced. A stream that breaks, a
// Ctrl-C or an exception leaves no NAME behind, and an earlier NAME, if
// any, is kept untouched.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "lib/core/atomic_file.hpp"

namespace webox::media {

// SHA-256 fed piece by piece, so audio never needs to sit in memory whole.
class Sha256Stream {
public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream &) = delete;
  Sha256Stream &operator=(const Sha256Stream &) = delete;
  void update(std::string_view bytes);
  std::string hex_digest(); // ends the stream

private:
  struct State;
  std::unique_ptr<State> m_state;
};

class MediaFile {
public:
  // Creates the temporary file next to `destination`; with `confined_to`,
  // the destination must lie below that folder (AtomicFileOptions).
  // Throws webox::Error.
  explicit MediaFile(std::filesystem::path destination, std::filesystem::path confined_to = {});
  MediaFile(const MediaFile &) = delete;
  MediaFile &operator=(const MediaFile &) = delete;

  void write(std::string_view bytes);
  // Fixes the sizes of a WAV written with "unknown" sizes (see wav.hpp) and
  // syncs. Returns the sha256 (hex) of the file as it will be: re-read when
  // the header was patched, since then it differs from the bytes streamed.
  // Throws webox::Error.
  std::string finish();
  // finish() if not done yet, then renames onto the destination.
  void commit();

  // Changes the final name before commit (the name of generated audio may
  // depend on its digest, known only at the end). Must stay in the same
  // directory, so the rename stays atomic.
  void set_destination(std::filesystem::path destination);

  uint64_t bytes_written() const { return m_written; }
  const std::filesystem::path &destination() const { return m_file.destination(); }

private:
  webox::AtomicFile m_file;
  uint64_t m_written = 0;
  std::string m_head; // the first bytes, to recognise a WAV at commit
  bool m_finished = false;
  std::string m_digest;
  Sha256Stream m_sha;
};

// "un-refuge-en-montagne-aquarelle": lower-case ASCII letters and digits
// from the prompt, accents folded, other runs turned into one '-', at most
// `max_len` bytes, cut at a word; "media" when nothing is left.
std::string slug(std::string_view prompt, size_t max_len = 48);

// True when `target` names a directory: it ends with '/' or is one.
bool is_directory_target(const std::string &target);

} // namespace webox::media
