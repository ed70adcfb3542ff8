// What every subcommand shares: global flags and lazily opened services.
//
// Nothing is opened at start-up: `webox --version` must not touch the config
// file, the database or any plugin. Each accessor opens its service on first
// use and keeps it for the rest of the process.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace webox {
struct Config;
class KeyStore;
namespace store {
class Db;
struct Location;
} // namespace store
namespace plugin {
class Registry;
}
} // namespace webox

namespace webox::cli {

struct GlobalOptions {
  int verbosity = 0; // -q = -1, -v = 1, -vv = 2
  std::vector<std::string> plugin_dirs;
  std::string ca_bundle; // --ca-bundle FILE: beats WEBOX_CA_BUNDLE and http.ca_bundle
  std::string workspace; // --workspace NAME: beats WEBOX_WORKSPACE and workspace: in the config file
  bool workspace_given = false; // --workspace "" is a bad name, not "no flag"
};

class Context {
public:
  Context();
  ~Context();

  GlobalOptions global;
  int exit_code = 0; // set by a subcommand's run function
  // What the chosen subcommand runs, set by its parse callback; run() calls
  // it after parsing, inside the one top-level catch.
  std::function<void()> command;

  const Config &config();
  store::Db &db();
  plugin::Registry &plugins();
  KeyStore &keys();
  // True when the database file exists (or the store is a server):
  // read-only commands answer "nothing yet" instead of creating an empty
  // database just to read it.
  bool has_database() const;
  // WEBOX_DB, store.url in the config file, or the default file; in the
  // workspace --workspace, WEBOX_WORKSPACE or the config file chose.
  store::Location store_location() const;

private:
  std::unique_ptr<Config> m_config;
  std::unique_ptr<store::Db> m_db;
  std::unique_ptr<plugin::Registry> m_plugins;
  std::unique_ptr<KeyStore> m_keys;
};

} // namespace webox::cli
