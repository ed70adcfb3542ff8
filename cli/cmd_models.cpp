// `webox models`: the model catalogue (lib/chat/model_catalog): what the
// endpoints said when last asked (`--refresh`, lib/chat/model_refresh), the plugins' manifests,
// prices from data/prices.json, and the configured aliases. Without
// --refresh it reads files only, so it answers in milliseconds, offline.
#include <cstdio>
#include <ctime>
#include <memory>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/compare/text_width.hpp"
#include "lib/chat/model_catalog.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/chat/model_refresh.hpp"
#include "lib/core/error.hpp"
#include "lib/core/config.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::cli {
namespace {

struct ModelsOptions {
  bool json = false;
  std::string provider;
  std::string search;
  bool refresh = false;
};

// What --refresh could not do, on stderr; true when some provider asked has
// no list at all (exit 3 once the catalogue is printed).
bool report_refresh(const std::vector<chat::RefreshOutcome> &outcomes) {
  using State = chat::RefreshOutcome::State;
  bool nothing = false;
  std::string skipped;
  for (const auto &o : outcomes) {
    switch (o.state) {
      case State::fresh:
        if (o.truncated) std::fprintf(stderr, "webox: %s offers more models than were read (kept %zu)\n", o.provider.c_str(), o.models);
        break;
      case State::cached:
        std::fprintf(stderr, "webox: %s did not answer (%s); using its list cached %s ago\n", o.provider.c_str(),
                     o.error.c_str(), chat::format_age(o.age_seconds).c_str());
        break;
      case State::nothing:
        std::fprintf(stderr, "webox: %s did not answer (%s) and no list of it is cached\n", o.provider.c_str(), o.error.c_str());
        nothing = true;
        break;
      case State::no_key: skipped += (skipped.empty() ? "" : ", ") + o.provider; break;
    }
  }
  if (!skipped.empty()) std::fprintf(stderr, "webox: not asked (no key): %s\n", skipped.c_str());
  return nothing;
}

// "chat,tools  128k  $0.15/$0.60": what a person compares models by.
std::string details(const chat::CatalogEntry &e) {
  std::string out;
  for (const auto &c : e.capabilities) out += (out.empty() ? "" : ",") + c;
  if (e.context_window) out += (out.empty() ? "" : "  ") + std::to_string(*e.context_window / 1000) + "k";
  if (e.price) {
    char price[64];
    std::snprintf(price, sizeof price, "$%g/$%g", e.price->input_per_million, e.price->output_per_million);
    out += (out.empty() ? "" : "  ") + std::string(price);
  }
  return out;
}

void run_models(Context &ctx, const ModelsOptions &o) {
  const Config &config = ctx.config();
  bool incomplete = o.refresh && report_refresh(chat::refresh_model_lists(config, ctx.plugins(), o.provider));
  if (!o.refresh)
    for (const auto &[provider, age] : chat::stale_lists(config, ctx.plugins()))
      if (o.provider.empty() || o.provider == provider)
        std::fprintf(stderr, "webox: the %s list is %s old; 'webox models --refresh -p %s' asks again\n", provider.c_str(),
                     chat::format_age(age).c_str(), provider.c_str());
  std::string default_model = chat::default_model_spec(config);
  std::vector<chat::CatalogEntry> entries = chat::catalog(config, ctx.plugins());
  if (!o.search.empty()) entries = chat::search_catalog(entries, o.search);
  if (!o.provider.empty()) std::erase_if(entries, [&](const chat::CatalogEntry &e) { return e.provider != o.provider; });
  nlohmann::json models = nlohmann::json::array();
  for (const auto &e : entries) models.push_back(chat::entry_json(e));
  nlohmann::json aliases = nlohmann::json::object();
  for (const auto &[alias, target] : config.aliases) aliases[alias] = target;

  if (o.json) {
    out::line(nlohmann::json{{"default", default_model}, {"models", models}, {"aliases", aliases}}.dump(2));
    if (incomplete) throw Error("some providers' model lists are unknown", ExitCode::partial);
    return;
  }
  for (const auto &e : entries) {
    std::string name = e.text() + (e.text() == default_model ? "  (default)" : "");
    std::string more = details(e);
    // Padded by terminal cells, not bytes (a local model or alias may be accented).
    if (!out::line(more.empty() ? name : compare::pad_to(name, 44) + " " + more)) return;
  }
  if (o.search.empty())
    for (const auto &[alias, target] : config.aliases) out::line(alias + " -> " + target + "  (alias)");
  if (entries.empty() && !o.search.empty()) std::fprintf(stderr, "webox: no model matches '%s'\n", o.search.c_str());
  if (incomplete) throw Error("some providers' model lists are unknown", ExitCode::partial);
}

} // namespace

void setup_models(CLI::App *cmd, Context &ctx) {
  auto o = std::make_shared<ModelsOptions>();
  cmd->add_flag("--json", o->json, "JSON: {default, models: [{model, provider, source, capabilities?, context_window?, price?}], aliases}");
  cmd->add_option("-p,--provider", o->provider, "Only this provider's models")->type_name("ID");
  cmd->add_flag("--refresh", o->refresh, "Ask the endpoints for their models now (all with a key, or -p ID); cached");
  cmd->add_option("--search", o->search, "Only the models whose name, display name or capabilities contain TEXT")
      ->type_name("TEXT");
  cmd->footer(R"(
Examples:
  webox models
  webox models -p anthropic
  webox models --refresh                # every provider with a key; cached 24 h
  webox models --refresh -p ollama      # what this Ollama server has pulled
  webox models --search embed
  webox models --json | jq -r '.models[].model'
  webox chat -m gpt-4o-mini "..."      # a bare name: the one provider that has it

Any model name a provider accepts works with -m provider:model, listed or not.
See webox-models(1).)");
  cmd->callback([&ctx, o] { ctx.command = [&ctx, o] { run_models(ctx, *o); }; });
}

WEBOX_COMMAND(50, "models", "The model catalogue: known models, capabilities, prices, aliases", setup_models);

} // namespace webox::cli
