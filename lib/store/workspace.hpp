// Workspaces: separate sets of rows in one store (docs/ARCHITECTURE.md,
// "Workspaces"). Isolation is by construction, not by a filter every query
// must remember: each workspace is a database of its own.
//
//   SQLite      `default` is the store's file (WEBOX_DB, store.url or
//               ~/.local/share/webox/webox.db); workspace W is the file of the
//               same name in the directory workspaces/W beside it, so every
//               side file that lives next to a database (-wal, -shm, the
//               import lock, RAG vector files, the suppression salt) follows.
//   PostgreSQL  `default` is the connection's own schema (public, as before
//               workspaces existed); W is the schema webox_ws_W ('-' written
//               '_'), created on first use; the connection's search_path is
//               that schema alone.
//
// A name is 1 to 40 of a-z, 0-9 and '-', starting with a letter or a digit:
// never quoted in SQL, never a path outside workspaces/, and the map to a
// schema name is one to one ('_' is not allowed, so '-' -> '_' is reversible).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace webox::store {

struct Location;

inline constexpr std::string_view kDefaultWorkspace = "default";
inline constexpr size_t kMaxWorkspaceName = 40;
inline constexpr std::string_view kWorkspaceSchemaPrefix = "webox_ws_";

// The workspace chosen and which setting chose it ("--workspace",
// "WEBOX_WORKSPACE", "workspace in FILE", "default"), for messages.
struct Workspace {
  std::string name{kDefaultWorkspace};
  std::string setting{"default"};
  bool is_default() const { return name == kDefaultWorkspace; }
};

bool is_valid_workspace_name(std::string_view name);

// Throws UsageError (exit 2): "SETTING: 'NAME' is not a workspace name (...)".
void check_workspace_name(std::string_view name, const std::string &setting);

// The flag (empty when not given), else WEBOX_WORKSPACE, else `workspace:`
// of `config_file`, else default. A bad name from the flag or the
// environment exits 2; from the config file exits 4 naming its line.
Workspace select_workspace(const std::string &flag, const std::filesystem::path &config_file);

// PostgreSQL: the schema of a workspace; empty for the default one (the
// connection's own search_path, untouched).
std::string workspace_schema(std::string_view name);
// The workspace a schema holds, or empty for a schema that is not one.
std::string workspace_of_schema(std::string_view schema);

// SQLite: the file of workspace `name` for a store whose default file is
// `default_file`.
std::filesystem::path workspace_file(const std::filesystem::path &default_file, std::string_view name);
// The directory holding the other workspaces' directories.
std::filesystem::path workspaces_dir(const std::filesystem::path &default_file);

struct WorkspaceEntry {
  std::string name;
  std::string where; // the file, or the schema
};

// The workspaces of the store `where` is in, `default` first then by name:
// on SQLite the files that exist (default always listed), on PostgreSQL the
// webox_ws_* schemas. Creates nothing. Store errors as store::connect.
std::vector<WorkspaceEntry> list_workspaces(const Location &where);

} // namespace webox::store
