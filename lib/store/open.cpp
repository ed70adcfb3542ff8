// See open.hpp.
#include "lib/store/open.hpp"

#include <cctype>
#include <mutex>

#include <dlfcn.h>
#include <yaml-cpp/yaml.h>

#include "lib/core/config_error.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/url_redact.hpp"
#include "lib/store/sqlite_backend.hpp"

namespace webox::store {
namespace {

namespace fs = std::filesystem;

// webox_pg_open_v2 (lib/store/pg_module/pg_module.cpp): v1 plus the schema
// of the workspace (empty for the default one).
using PgOpenFn = Backend *(*)(const char *, const char *, const char *, int *, char *, size_t);

fs::path find_pg_module() {
  std::string env = paths::env("WEBOX_PG_MODULE");
  if (!env.empty()) return env;
  std::error_code ec;
  fs::path beside = paths::exe_dir().parent_path() / "lib" / "webox" / "modules" / "webox-pg.so";
  if (fs::exists(beside, ec)) return beside;
#ifdef WEBOX_INSTALL_PLUGIN_DIR
  fs::path installed = fs::path(WEBOX_INSTALL_PLUGIN_DIR).parent_path() / "modules" / "webox-pg.so";
  if (fs::exists(installed, ec)) return installed;
#endif
  return {};
}

// Loaded once, kept until the process ends (the backend's code lives in it).
PgOpenFn pg_open_function(const Location &where) {
  static PgOpenFn fn = nullptr;
  static std::string problem;
  static std::once_flag once;
  std::call_once(once, [] {
    fs::path path = find_pg_module();
    if (path.empty()) {
      problem = "webox-pg.so is not installed (this webox was built without libpq-dev)";
      return;
    }
    void *handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      problem = "cannot load " + path.string() + ": " + ::dlerror();
      return;
    }
    fn = reinterpret_cast<PgOpenFn>(::dlsym(handle, "webox_pg_open_v2"));
    if (!fn) problem = path.string() + " is not a webox PostgreSQL module";
  });
  if (!fn) throw Error(where.setting + ": " + where.shown() + ": " + problem, ExitCode::config);
  return fn;
}

// A scheme ("name://") that is neither ours nor a path.
bool has_unknown_scheme(std::string_view location) {
  const size_t colon = location.find("://");
  if (colon == std::string_view::npos || colon == 0) return false;
  for (char c : location.substr(0, colon))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  return true;
}

std::unique_ptr<Backend> connect_postgresql(const Location &where) {
  const std::string shown = where.shown();
  PgOpenFn open_fn = pg_open_function(where);
  int kind = 0;
  char message[1024] = "";
  // Checked again here: the schema name is spliced into SQL text.
  check_workspace_name(where.workspace.name, where.workspace.setting);
  const std::string schema = workspace_schema(where.workspace.name);
  std::unique_ptr<Backend> backend(
      open_fn(where.value.c_str(), shown.c_str(), schema.c_str(), &kind, message, sizeof message));
  if (backend) return backend;
  // libpq may repeat parts of the URL; never its password.
  const std::string text = url::redact_in_text(message);
  const std::string line = where.setting + ": database " + shown + ": " + text;
  switch (static_cast<SqlError::Kind>(kind)) {
    case SqlError::Kind::configuration: throw Error(line, ExitCode::config);
    case SqlError::Kind::unavailable: throw Error(line, ExitCode::temporary);
    default: throw Error(line);
  }
}

} // namespace

bool is_postgresql_url(std::string_view location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

bool Location::is_server() const { return is_postgresql_url(value); }

std::string Location::shown() const { return value.find("://") != std::string::npos ? url::redact(value) : value; }

namespace {

// An unknown scheme fails here, before anything treats it as a file name.
Location checked_location(Location where) {
  if (!where.is_server() && has_unknown_scheme(where.value))
    throw Error(where.setting + ": " + url::redact(where.value) +
                    ": unknown scheme (a file path for SQLite, or postgresql://... for PostgreSQL)",
                ExitCode::config);
  return where;
}

} // namespace

namespace {

Location store_location_of_default(const fs::path &config_file) {
  std::string env = paths::env("WEBOX_DB");
  if (!env.empty()) return checked_location({env, "WEBOX_DB"});
  YAML::Node section = config_section(config_file, "store");
  if (section && !section.IsNull()) {
    if (!section.IsMap()) fail_config_at(config_file, section.Mark(), "store: expected a mapping (url: ...)");
    for (const auto &kv : section) {
      const std::string key = kv.first.as<std::string>();
      if (key != "url")
        fail_config_at(config_file, kv.first.Mark(), "unknown store setting '" + key + "' (known: url)");
      if (!kv.second.IsScalar() || kv.second.as<std::string>().empty())
        fail_config_at(config_file, kv.second.Mark(), "store.url: expected a file path or a postgresql:// URL");
      return checked_location({kv.second.as<std::string>(), "store.url in " + config_file.string()});
    }
  }
  return {(paths::data_dir() / "webox.db").string(), "default"};
}

} // namespace

Location in_workspace(Location where, Workspace workspace) {
  // The name becomes a path and a schema: never trusted unchecked.
  check_workspace_name(workspace.name, workspace.setting);
  if (!where.is_server()) {
    where.base_file = where.default_file();
    where.value = workspace_file(where.base_file, workspace.name).string();
  }
  where.workspace = std::move(workspace);
  return where;
}

Location store_location(const fs::path &config_file, const std::string &workspace_flag) {
  return in_workspace(store_location_of_default(config_file), select_workspace(workspace_flag, config_file));
}

std::unique_ptr<Backend> connect(const Location &location) {
  if (location.is_server()) return connect_postgresql(location);
  checked_location(location);
  try {
    return open_sqlite(location.value);
  } catch (const SqlError &e) {
    throw_store_error(location.value, e);
  }
}

std::unique_ptr<Db> open(const Location &location) { return std::make_unique<Db>(connect(location)); }

} // namespace webox::store
