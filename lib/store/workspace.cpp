// See workspace.hpp.
#include "lib/store/workspace.hpp"

#include <algorithm>

#include <yaml-cpp/yaml.h>

#include "lib/core/config_error.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/store/open.hpp"
#include "lib/store/db.hpp"
#include "lib/store/sql.hpp"

namespace webox::store {
namespace {

namespace fs = std::filesystem;

constexpr const char *kWorkspaceRule =
    "1 to 40 lowercase letters, digits and '-', starting with a letter or a digit";

bool workspace_char_ok(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

// The name as a message may show it: one line, not the whole of a long one.
std::string workspace_shown(std::string_view name) {
  std::string s;
  for (char c : name.substr(0, kMaxWorkspaceName + 1))
    s += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  if (name.size() > kMaxWorkspaceName + 1) s += "...";
  return s;
}

} // namespace

bool is_valid_workspace_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxWorkspaceName || name.front() == '-') return false;
  return std::all_of(name.begin(), name.end(), workspace_char_ok);
}

void check_workspace_name(std::string_view name, const std::string &setting) {
  if (!is_valid_workspace_name(name))
    throw UsageError(setting + ": '" + workspace_shown(name) + "' is not a workspace name (" + kWorkspaceRule + ")");
}

Workspace select_workspace(const std::string &flag, const fs::path &config_file) {
  if (!flag.empty()) {
    check_workspace_name(flag, "--workspace");
    return {flag, "--workspace"};
  }
  const std::string env = paths::env("WEBOX_WORKSPACE");
  if (!env.empty()) {
    check_workspace_name(env, "WEBOX_WORKSPACE");
    return {env, "WEBOX_WORKSPACE"};
  }
  YAML::Node node = config_section(config_file, "workspace");
  if (node && !node.IsNull()) {
    const std::string name = node.IsScalar() ? node.as<std::string>() : std::string();
    if (!is_valid_workspace_name(name))
      fail_config_at(config_file, node.Mark(),
                     "workspace: '" + workspace_shown(name) + "' is not a workspace name (" + kWorkspaceRule + ")");
    return {name, "workspace in " + config_file.string()};
  }
  return {};
}

std::string workspace_schema(std::string_view name) {
  if (name == kDefaultWorkspace) return {};
  std::string schema(kWorkspaceSchemaPrefix);
  for (char c : name) schema += c == '-' ? '_' : c;
  return schema;
}

std::string workspace_of_schema(std::string_view schema) {
  if (schema.substr(0, kWorkspaceSchemaPrefix.size()) != kWorkspaceSchemaPrefix) return {};
  std::string name(schema.substr(kWorkspaceSchemaPrefix.size()));
  std::replace(name.begin(), name.end(), '_', '-');
  return is_valid_workspace_name(name) && name != kDefaultWorkspace ? name : std::string();
}

fs::path workspaces_dir(const fs::path &default_file) { return default_file.parent_path() / "workspaces"; }

fs::path workspace_file(const fs::path &default_file, std::string_view name) {
  if (name == kDefaultWorkspace) return default_file;
  return workspaces_dir(default_file) / std::string(name) / default_file.filename();
}

namespace {

std::vector<WorkspaceEntry> sqlite_workspaces(const fs::path &default_file) {
  std::vector<WorkspaceEntry> found;
  std::error_code ec;
  for (fs::directory_iterator it(workspaces_dir(default_file), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name == kDefaultWorkspace || !is_valid_workspace_name(name)) continue;
    const fs::path file = workspace_file(default_file, name);
    std::error_code exists_ec;
    if (fs::exists(file, exists_ec)) found.push_back({name, file.string()});
  }
  return found;
}

std::vector<WorkspaceEntry> postgresql_workspaces(const Location &where) {
  // The default workspace's connection: listing creates no schema.
  Location server = where;
  server.workspace = {};
  std::unique_ptr<Backend> backend = connect(server);
  std::vector<WorkspaceEntry> found;
  try {
    std::unique_ptr<Cursor> q = backend->prepare("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'webox_ws_%'");
    while (q->step()) {
      const std::string schema(q->get_text(0));
      const std::string name = workspace_of_schema(schema);
      if (!name.empty()) found.push_back({name, schema});
    }
  } catch (const SqlError &e) {
    throw_store_error(backend->where(), e);
  }
  return found;
}

} // namespace

std::vector<WorkspaceEntry> list_workspaces(const Location &where) {
  std::vector<WorkspaceEntry> found =
      where.is_server() ? postgresql_workspaces(where) : sqlite_workspaces(where.default_file());
  std::sort(found.begin(), found.end(), [](const auto &a, const auto &b) { return a.name < b.name; });
  found.insert(found.begin(), {std::string(kDefaultWorkspace),
                               where.is_server() ? std::string("(the connection's schema)") : where.default_file()});
  return found;
}

} // namespace webox::store
