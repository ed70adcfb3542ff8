// Files that appear only when complete: the one temp+rename writer.
//
// The bytes go to a temporary file in the destination's own directory (so
// the rename stays on one file system and is atomic) and are renamed over
// the destination only by commit(), after fsync; the directory is synced
// too. Destroyed without commit() (an error, a Ctrl-C) it removes the
// temporary file: the destination is either the previous file or the
// complete new one.
//
// The temporary name is ".NAME.webox-tmp.PID.START.RANDOM": the owner's PID
// and its start time (clock ticks since boot, /proc/PID/stat), so that a
// later run can tell a leftover of a dead process (kill -9, a crash, a power
// cut) from the file of a writer still running, even when the PID was
// reused. The first AtomicFile a process opens in a directory sweeps that
// directory's leftovers. A second signal, which skips destructors, unlinks
// the registered temporary files before exiting (lib/core/temp_registry).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "lib/core/fd.hpp"

namespace webox {

struct AtomicFileOptions {
  // 0666 follows the umask like any new file; 0600 for personal data and keys.
  mode_t mode = 0666;
  // Non-empty: the destination must lie below this directory, and no
  // directory between the two is reached through a symbolic link; missing
  // ones are created. For paths rendered from outside data (workflow
  // templates over model answers). Throws UsageError otherwise.
  std::filesystem::path confined_to;
};

class AtomicFile {
public:
  // Creates the temporary file next to `destination`. Throws webox::Error.
  explicit AtomicFile(std::filesystem::path destination, AtomicFileOptions options = {});
  ~AtomicFile(); // removes the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile &) = delete;
  AtomicFile &operator=(const AtomicFile &) = delete;

  void write(std::string_view bytes);
  // The open temporary file, for pwrite/pread (WAV header patches).
  int fd() const { return m_fd.get(); }
  // fsync; idempotent up to the next write.
  void sync();
  // sync, close, rename onto the destination, sync the directory.
  void commit();
  // As commit(), but never replaces an existing destination (link(2), then
  // the temporary name goes): false when the destination already exists.
  bool commit_if_absent();
  // Changes the final file name (same directory) before commit.
  void rename_to(const std::string &file_name);

  const std::filesystem::path &destination() const { return m_destination; }
  const std::string &temporary_name() const { return m_temp_name; }

private:
  [[noreturn]] void fail(const char *what, int err) const;

  std::filesystem::path m_destination;
  Fd m_dir;
  std::string m_temp_name, m_final_name;
  Fd m_fd;
  int m_slot = -1;
  bool m_committed = false;
};

// The whole of `text` to `file` through an AtomicFile.
void write_file_atomically(const std::filesystem::path &file, std::string_view text, AtomicFileOptions options = {});

// Removes the temporary files of dead processes in `dir` (see above).
// Returns how many were removed. Never throws.
size_t sweep_stale_temp_files(const std::filesystem::path &dir);

// True when `name` is a temporary name of this scheme (tests, sweeps).
bool is_temp_file_name(std::string_view name);

} // namespace webox
