#include "lib/core/paths.hpp"

#include <charconv>
#include <cstdlib>
#include <sys/stat.h>

#include "lib/core/error.hpp"

#ifndef WEBOX_INSTALL_DATA_DIR
#define WEBOX_INSTALL_DATA_DIR "/usr/local/share/webox"
#endif

namespace webox::paths {
namespace {

fs::path home() {
  std::string h = env("HOME");
  return h.empty() ? fs::path("/tmp") : fs::path(h);
}

// $VAR/webox when VAR is set to an absolute path (the spec says relative
// values are invalid and must be ignored), else ~/<fallback>/webox.
fs::path xdg(const char *var, const char *fallback) {
  std::string v = env(var);
  if (!v.empty() && v.front() == '/') return fs::path(v) / "webox";
  return home() / fallback / "webox";
}

} // namespace

int64_t env_number(const char *name, int64_t fallback, int64_t least) {
  std::string v = env(name);
  if (v.empty()) return fallback;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < least) {
    std::string what = least == 1 ? "a positive whole number" : "a whole number of at least " + std::to_string(least);
    throw UsageError(std::string(name) + " must be " + what + ", not '" + v + "'");
  }
  return n;
}

std::string env(const char *name) {
  const char *v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

fs::path config_dir() { return xdg("XDG_CONFIG_HOME", ".config"); }
fs::path data_dir() { return xdg("XDG_DATA_HOME", ".local/share"); }
fs::path cache_dir() { return xdg("XDG_CACHE_HOME", ".cache"); }
fs::path state_dir() { return xdg("XDG_STATE_HOME", ".local/state"); }

fs::path config_file() {
  std::string v = env("WEBOX_CONFIG");
  return v.empty() ? config_dir() / "config.yaml" : fs::path(v);
}

fs::path database() {
  std::string v = env("WEBOX_DB");
  return v.empty() ? data_dir() / "webox.db" : fs::path(v);
}

fs::path exe_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path(".") : exe.parent_path();
}

fs::path shared_data_dir() {
  std::string v = env("WEBOX_DATA_DIR");
  if (!v.empty()) return v;
  fs::path beside = exe_dir().parent_path() / "share" / "webox";
  std::error_code ec;
  if (fs::is_directory(beside, ec)) return beside;
  return WEBOX_INSTALL_DATA_DIR;
}

void ensure_private_dir(const fs::path &dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return;
  fs::create_directories(dir, ec);
  if (!ec) ::chmod(dir.c_str(), 0700);
}

} // namespace webox::paths
