// `webox models`: every provider:model the installed plugins announce, and
// the configured aliases. Reads manifests only, so it answers in
// milliseconds and needs no key.
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/core/config.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::cli {
namespace {

struct ModelsOptions {
  bool json = false;
  std::string provider;
};

void run_models(Context &ctx, const ModelsOptions &o) {
  const Config &config = ctx.config();
  std::string default_model = chat::default_model_spec(config);
  nlohmann::json models = nlohmann::json::array();
  for (const auto &m : ctx.plugins().manifests()) {
    if (!o.provider.empty() && m.id != o.provider) continue;
    for (const auto &name : m.models) models.push_back({{"model", m.id + ":" + name}, {"provider", m.id}});
  }
  nlohmann::json aliases = nlohmann::json::object();
  for (const auto &[alias, target] : config.aliases) aliases[alias] = target;

  if (o.json) {
    out::line(nlohmann::json{{"default", default_model}, {"models", models}, {"aliases", aliases}}.dump(2));
    return;
  }
  for (const auto &m : models) {
    std::string name = m["model"];
    out::line(name + (name == default_model ? "  (default)" : ""));
  }
  for (const auto &[alias, target] : config.aliases) out::line(alias + " -> " + target + "  (alias)");
}

} // namespace

void setup_models(CLI::App &app, Context &ctx) {
  auto o = std::make_shared<ModelsOptions>();
  CLI::App *cmd = app.add_subcommand("models", "Known models and aliases");
  cmd->add_flag("--json", o->json, "JSON output");
  cmd->add_option("-p,--provider", o->provider, "Only this provider's models")->type_name("ID");
  cmd->footer(R"(
Examples:
  webox models
  webox models -p anthropic
  webox models --json | jq -r '.models[].model'

Any model name a provider accepts works with -m provider:model, listed or not.)");
  cmd->callback([&ctx, o] { ctx.command = [&ctx, o] { run_models(ctx, *o); }; });
}

WEBOX_COMMAND(50, setup_models);

} // namespace webox::cli
