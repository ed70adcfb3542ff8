// `webox plugins`: what is installed (manifests only) and whether one loads.
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/error.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::cli {
namespace {

struct PluginsOptions {
  bool json = false;
  std::string id;
};

std::string join(const std::vector<std::string> &items, const char *sep) {
  std::string out;
  for (const auto &i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

nlohmann::json manifest_json(const plugin::Manifest &m) {
  return {{"id", m.id},
          {"name", m.name},
          {"version", m.version},
          {"capabilities", plugin::capability_names(m.capabilities)},
          {"secrets", m.secrets},
          {"base_url_env", m.base_url_env},
          {"default_base_url", m.default_base_url},
          {"models", m.models},
          {"description", m.description},
          {"dir", m.dir.string()}};
}

void run_list(Context &ctx, const PluginsOptions &o) {
  plugin::Registry &reg = ctx.plugins();
  if (o.json) {
    nlohmann::json plugins = nlohmann::json::array();
    for (const auto &m : reg.manifests()) plugins.push_back(manifest_json(m));
    nlohmann::json problems = nlohmann::json::array();
    for (const auto &p : reg.problems()) problems.push_back({{"dir", p.dir.string()}, {"reason", p.reason}});
    out::line(nlohmann::json{{"plugins", plugins}, {"problems", problems}}.dump(2));
    return;
  }
  if (reg.manifests().empty()) std::fputs("webox: no plugins found; 'webox plugins path' shows where webox looks\n", stderr);
  for (const auto &m : reg.manifests()) {
    std::string line = m.id;
    line.resize(std::max<size_t>(line.size() + 1, 12), ' ');
    std::string version = m.version;
    version.resize(std::max<size_t>(version.size() + 1, 8), ' ');
    out::line(line + version + join(plugin::capability_names(m.capabilities), ",") +
              (m.description.empty() ? "" : "  " + m.description));
  }
  for (const auto &p : reg.problems())
    std::fprintf(stderr, "webox: warning: %s: %s\n", p.dir.string().c_str(), p.reason.c_str());
}

void run_info(Context &ctx, const PluginsOptions &o) {
  plugin::Registry &reg = ctx.plugins();
  const plugin::LoadedPlugin &loaded = reg.load(o.id); // throws with the reason it was refused
  const webox_plugin &d = *loaded.descriptor;
  nlohmann::json info = manifest_json(loaded.manifest);
  info["abi"] = {{"major", d.abi_major}, {"min_host_minor", d.min_host_minor}};
  info["library"] = loaded.manifest.library_path().string();
  info["descriptor_size"] = d.struct_size;
  info["status"] = "ok";
  try {
    plugin::Provider provider(plugin::bind_provider(reg, ctx.config(), o.id));
    info["describe"] = provider.describe();
  } catch (const Error &e) {
    info["describe_error"] = e.what();
  }
  if (o.json) {
    out::line(info.dump(2));
    return;
  }
  out::line(loaded.manifest.id + " " + loaded.manifest.version + ": loads and matches its manifest");
  out::line("  library       " + info["library"].get<std::string>());
  out::line("  ABI           " + std::to_string(d.abi_major) + " (needs host minor >= " +
            std::to_string(d.min_host_minor) + ")");
  out::line("  capabilities  " + join(plugin::capability_names(d.capabilities), ", "));
  if (!loaded.manifest.secrets.empty()) out::line("  key           " + join(loaded.manifest.secrets, " or "));
  if (!loaded.manifest.base_url_env.empty())
    out::line("  base URL      $" + loaded.manifest.base_url_env + " (default " + loaded.manifest.default_base_url + ")");
  if (!loaded.manifest.models.empty()) out::line("  models        " + join(loaded.manifest.models, ", "));
}

void run_path(Context &ctx) {
  for (const auto &p : ctx.plugins().search_path()) out::line(p.string());
}

} // namespace

void setup_plugins(CLI::App *cmd, Context &ctx) {
  cmd->require_subcommand(1);
  cmd->footer(R"(
Examples:
  webox plugins list
  webox plugins list --json | jq '.plugins[].id'
  webox plugins info openai
  webox plugins path
  webox --plugin-dir ./my-plugins plugins info myplugin

See webox-plugins(1) and, to write one, webox-plugins(7).)");

  auto o = std::make_shared<PluginsOptions>();
  CLI::App *list = cmd->add_subcommand("list", "Installed plugins (reads manifests, loads nothing)");
  list->add_flag("--json", o->json, "JSON output");
  list->callback([&ctx, o] { ctx.command = [&ctx, o] { run_list(ctx, *o); }; });

  CLI::App *info = cmd->add_subcommand("info", "Load one plugin and check it against its manifest");
  info->add_option("id", o->id, "Plugin id")->required();
  info->add_flag("--json", o->json, "JSON output");
  info->callback([&ctx, o] { ctx.command = [&ctx, o] { run_info(ctx, *o); }; });

  CLI::App *path = cmd->add_subcommand("path", "The plugin search path, in order");
  path->callback([&ctx] { ctx.command = [&ctx] { run_path(ctx); }; });
}

WEBOX_COMMAND(70, "plugins", "List, inspect and check plugins", setup_plugins);

} // namespace webox::cli
