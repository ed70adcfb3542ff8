#include "lib/core/atomic_file.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/temp_registry.hpp"

namespace webox {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTempMarker = ".webox-tmp.";
// Room left in NAME_MAX (255) for the marker, PID, start time and random part.
constexpr size_t kMaxNameInTemp = 180;

// Field 22 of /proc/PID/stat: when the process started, in clock ticks since
// boot. 0 when unknown (no /proc): the PID alone then decides.
unsigned long long process_start_ticks(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  size_t close = line.rfind(')'); // the command name may hold spaces and ')'
  if (close == std::string::npos) return 0;
  std::string_view rest(line);
  rest.remove_prefix(close + 1);
  // After ") " come fields 3 (state) .. : field 22 is the 20th of them.
  for (int field = 3; field < 22; ++field) {
    size_t space = rest.find(' ', 1);
    if (space == std::string_view::npos) return 0;
    rest.remove_prefix(space);
  }
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  unsigned long long ticks = 0;
  std::from_chars(rest.data(), rest.data() + rest.size(), ticks);
  return ticks;
}

struct Owner {
  long pid = 0;
  unsigned long long start = 0;
};

const Owner &this_process() {
  static const Owner self{static_cast<long>(::getpid()), process_start_ticks(static_cast<long>(::getpid()))};
  return self;
}

std::string temp_name_for(const std::string &final_name) {
  const Owner &me = this_process();
  return "." + final_name.substr(0, kMaxNameInTemp) + std::string(kTempMarker) + std::to_string(me.pid) + "." +
         std::to_string(me.start) + "." + crypto::hex_encode(crypto::random_bytes(4));
}

std::optional<Owner> owner_of(std::string_view name) {
  if (name.size() < 2 || name.front() != '.') return std::nullopt;
  size_t at = name.rfind(kTempMarker);
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  std::string_view rest = name.substr(at + kTempMarker.size());
  Owner o;
  auto parse = [&](auto &value) {
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (ec != std::errc() || end == rest.data()) return false;
    rest.remove_prefix(static_cast<size_t>(end - rest.data()));
    return true;
  };
  if (!parse(o.pid) || rest.empty() || rest.front() != '.') return std::nullopt;
  rest.remove_prefix(1);
  if (!parse(o.start) || rest.size() != 9 || rest.front() != '.') return std::nullopt;
  for (char c : rest.substr(1))
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  return o.pid > 0 ? std::optional<Owner>(o) : std::nullopt;
}

bool is_alive(const Owner &o) {
  if (::kill(static_cast<pid_t>(o.pid), 0) != 0 && errno == ESRCH) return false;
  if (o.start == 0) return true;
  unsigned long long now = process_start_ticks(o.pid);
  return now == 0 || now == o.start; // another start time: the PID was reused
}

size_t sweep_dir_fd(int dirfd) {
  int copy = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return 0;
  DIR *dir = ::fdopendir(copy);
  if (!dir) {
    ::close(copy);
    return 0;
  }
  size_t removed = 0;
  const Owner &me = this_process();
  while (dirent *e = ::readdir(dir)) {
    auto owner = owner_of(e->d_name);
    if (!owner || (owner->pid == me.pid && owner->start == me.start) || is_alive(*owner)) continue;
    struct stat st {};
    if (::fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::unlinkat(dirfd, e->d_name, 0) == 0) ++removed;
  }
  ::closedir(dir);
  return removed;
}

// Each directory is swept once per process: a foreach writing a thousand
// files into one folder must not list it a thousand times. Keyed by path
// too, as a folder removed and made again elsewhere may get the same inode.
void sweep_once(int dirfd, const std::string &path) {
  static std::mutex mutex;
  static std::set<std::tuple<dev_t, ino_t, std::string>> swept;
  struct stat st {};
  if (::fstat(dirfd, &st) != 0) return;
  {
    std::lock_guard lock(mutex);
    if (!swept.insert({st.st_dev, st.st_ino, path}).second) return;
  }
  sweep_dir_fd(dirfd);
}

Fd open_directory(const fs::path &dir, const fs::path &destination) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw Error("cannot write " + destination.string() + ": " + dir.string() + ": " + std::strerror(errno));
  return fd;
}

// Walks `relative` (directories only) from `root`, creating what is
// missing and refusing to pass through a symbolic link.
Fd open_directory_below(const fs::path &root, const fs::path &relative, const fs::path &destination) {
  std::error_code ec;
  fs::create_directories(root, ec); // the root is the user's own, literal path
  Fd dir = open_directory(root, destination);
  fs::path walked = root;
  for (const fs::path &part : relative) {
    const std::string name = part.string();
    if (name.empty() || name == ".") continue;
    walked /= part;
    int fd = -1;
    for (int tries = 0; tries < 2 && fd < 0; ++tries) {
      fd = ::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT && tries == 0 && ::mkdirat(dir.get(), name.c_str(), 0777) != 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
      if (errno == ELOOP || errno == ENOTDIR)
        throw UsageError("refusing to write " + destination.string() + ": " + walked.string() +
                         " is a symbolic link or not a folder");
      throw Error("cannot write " + destination.string() + ": " + walked.string() + ": " + std::strerror(errno));
    }
    dir = Fd(fd);
  }
  return dir;
}

bool confined_relative(const fs::path &relative) {
  if (relative.empty() || relative.is_absolute()) return false;
  for (const fs::path &part : relative)
    if (part == "..") return false;
  const fs::path name = relative.filename();
  return !name.empty() && name != "." && name != "..";
}

} // namespace

bool is_temp_file_name(std::string_view name) { return owner_of(name).has_value(); }

size_t sweep_stale_temp_files(const fs::path &dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd.valid() ? sweep_dir_fd(fd.get()) : 0;
}

AtomicFile::AtomicFile(fs::path destination, AtomicFileOptions options) : m_destination(std::move(destination)) {
  m_final_name = m_destination.filename().string();
  if (m_final_name.empty() || m_final_name == "." || m_final_name == "..")
    throw UsageError("cannot write " + m_destination.string() + ": not a file name");
  if (!options.confined_to.empty()) {
    fs::path relative = m_destination.lexically_relative(options.confined_to);
    if (!confined_relative(relative))
      throw UsageError("refusing to write " + m_destination.string() + ": outside " + options.confined_to.string());
    m_dir = open_directory_below(options.confined_to, relative.parent_path(), m_destination);
  } else {
    m_dir = open_directory(m_destination.has_parent_path() ? m_destination.parent_path() : fs::path("."), m_destination);
  }
  sweep_once(m_dir.get(), m_destination.parent_path().string());
  m_temp_name = temp_name_for(m_final_name);
  // Registered before it exists: a signal between the two must not leave it.
  m_slot = temp_registry::add(m_dir.get(), m_temp_name.c_str());
  m_fd = Fd(::openat(m_dir.get(), m_temp_name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     options.mode));
  if (!m_fd.valid()) {
    int err = errno;
    temp_registry::remove(m_slot);
    m_temp_name.clear(); // nothing to remove: the destructor runs only for a built object anyway
    fail("write", err);
  }
  if ((options.mode & 077) == 0) ::fchmod(m_fd.get(), options.mode); // private whatever the umask did
}

AtomicFile::~AtomicFile() {
  m_fd = Fd();
  if (!m_committed && !m_temp_name.empty()) ::unlinkat(m_dir.get(), m_temp_name.c_str(), 0);
  temp_registry::remove(m_slot);
}

void AtomicFile::fail(const char *what, int err) const {
  throw Error("cannot " + std::string(what) + " " + m_destination.string() + ": " + std::strerror(err));
}

void AtomicFile::write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(m_fd.get(), bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write", n < 0 ? errno : EIO);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void AtomicFile::sync() {
  if (::fsync(m_fd.get()) != 0) fail("sync", errno);
}

void AtomicFile::rename_to(const std::string &file_name) {
  if (file_name.empty() || file_name.find('/') != std::string::npos)
    throw Error("internal: " + file_name + " is not a file name");
  m_destination.replace_filename(file_name);
  m_final_name = file_name;
}

void AtomicFile::commit() {
  sync();
  if (!m_fd.close()) fail("close", errno);
  if (::renameat(m_dir.get(), m_temp_name.c_str(), m_dir.get(), m_final_name.c_str()) != 0) fail("rename onto", errno);
  m_committed = true;
  temp_registry::remove(m_slot);
  m_slot = -1;
  ::fsync(m_dir.get()); // the rename itself durable; a failure here loses nothing written
}

bool AtomicFile::commit_if_absent() {
  sync();
  if (!m_fd.close()) fail("close", errno);
  int rc = ::linkat(m_dir.get(), m_temp_name.c_str(), m_dir.get(), m_final_name.c_str(), 0);
  int saved = errno;
  ::unlinkat(m_dir.get(), m_temp_name.c_str(), 0);
  m_committed = true; // the temporary name is gone either way
  temp_registry::remove(m_slot);
  m_slot = -1;
  if (rc == 0) {
    ::fsync(m_dir.get());
    return true;
  }
  if (saved == EEXIST) return false;
  fail("create", saved);
}

void write_file_atomically(const fs::path &file, std::string_view text, AtomicFileOptions options) {
  AtomicFile out(file, std::move(options));
  out.write(text);
  out.commit();
}

} // namespace webox
