// `webox assistants`: the assistants `chat --assistant NAME` uses (a system
// prompt, maybe a model and a temperature; lib/chat/assistants).
//
//   webox assistants list [--json]
//   webox assistants show NAME [--json]
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/chat/assistants.hpp"
#include "lib/compare/text_width.hpp"

namespace webox::cli {
namespace {


struct AssistantsOptions {
  std::string name;
  bool json = false;
};

nlohmann::json to_json(const chat::Assistant &a, bool with_prompt) {
  nlohmann::json j = {{"name", a.name},
            {"description", a.description},
            {"aliases", a.aliases},
            {"model", a.model},
            {"temperature", a.temperature ? nlohmann::json(*a.temperature) : nlohmann::json(nullptr)},
            {"file", a.file.string()}};
  if (with_prompt) j["system"] = a.system_prompt;
  return j;
}

void list_assistants(const AssistantsOptions &o) {
  std::vector<chat::Assistant> all = chat::list_assistants();
  if (o.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const auto &a : all) doc.push_back(to_json(a, false));
    out::line(out::json_text(doc));
    return;
  }
  if (all.empty()) std::fputs("no assistants found\n", stderr);
  for (const auto &a : all) {
    // Padded by display width: names like "créatif" take fewer columns than bytes.
    if (!out::line(compare::pad_to(a.name, 22) + " " + a.description)) return;
  }
}

void show_assistant(const AssistantsOptions &o) {
  chat::Assistant a = chat::find_assistant(o.name);
  if (o.json) {
    out::line(out::json_text(to_json(a, true), 2));
    return;
  }
  out::line("name:        " + a.name);
  out::line("description: " + a.description);
  if (!a.aliases.empty()) {
    std::string aliases;
    for (const auto &alias : a.aliases) aliases += (aliases.empty() ? "" : ", ") + alias;
    out::line("aliases:     " + aliases);
  }
  if (!a.model.empty()) out::line("model:       " + a.model);
  if (a.temperature) {
    char t[32];
    std::snprintf(t, sizeof t, "%g", *a.temperature);
    out::line(std::string("temperature: ") + t);
  }
  out::line("file:        " + a.file.string());
  out::line("\n" + a.system_prompt);
}

void setup_assistants(CLI::App *cmd, Context &ctx) {
  auto o = std::make_shared<AssistantsOptions>();
  cmd->require_subcommand(1);
  cmd->footer(R"(
Examples:
  webox assistants list
  webox assistants show coach:seduction
  webox assistants list --json | jq -r '.[].name'
  webox chat --assistant coach:rendez-vous "Une idée de premier rendez-vous à Lyon ?"

Your assistants live in $XDG_CONFIG_HOME/webox/prompts/assistants/*.md and win
over shipped ones of the same name. See webox-assistants(1).)");

  CLI::App *list = cmd->add_subcommand("list", "Every assistant: name and description");
  list->add_flag("--json", o->json, "As JSON: name, description, aliases, model, temperature, file");
  list->callback([&ctx, o] { ctx.command = [o] { list_assistants(*o); }; });

  CLI::App *show = cmd->add_subcommand("show", "One assistant and its system prompt");
  show->add_option("name", o->name, "Its name or alias")->required();
  show->add_flag("--json", o->json, "As JSON (with \"system\")");
  show->callback([&ctx, o] { ctx.command = [o] { show_assistant(*o); }; });
}

} // namespace

WEBOX_COMMAND(27, "assistants", "Assistants for chat --assistant: a system prompt, a model", setup_assistants);

} // namespace webox::cli
