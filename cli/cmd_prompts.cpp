// `webox prompts`: the prompt library that workflow steps `use:`.
//
//   webox prompts list [--category C] [--json]
//   webox prompts show NAME [--json]
//   webox prompts new NAME [--category C] [--description TEXT]
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/compare/text_width.hpp"
#include "lib/workflow/prompt_library.hpp"

namespace webox::cli {
namespace {

using nlohmann::json;
using workflow::LibraryPrompt;

struct PromptsOptions {
  std::string category, name, description;
  bool json = false;
};

json to_json(const LibraryPrompt &p, bool with_body) {
  json vars = json::object();
  for (const auto &[name, description] : p.variables) vars[name] = description;
  json j = {{"name", p.name},       {"category", p.category}, {"description", p.description},
            {"variables", vars},    {"model", p.model},       {"file", p.file.string()},
            {"source", p.user ? "user" : "shipped"}};
  if (with_body) {
    j["system"] = p.system;
    j["template"] = p.body;
  }
  return j;
}

void list_prompts(const PromptsOptions &o) {
  json doc = json::array();
  std::string last_category;
  size_t shown = 0;
  for (const auto &p : workflow::list_library_prompts()) {
    if (!o.category.empty() && p.category != o.category) continue;
    ++shown;
    if (o.json) {
      doc.push_back(to_json(p, false));
      continue;
    }
    if (p.category != last_category) {
      if (!last_category.empty() && !out::line("")) return;
      if (!out::line(p.category + ":")) return;
      last_category = p.category;
    }
    // Padded by display width, not bytes (accented names).
    if (!out::line("  " + compare::pad_to(p.name, 26) + " " + p.description + (p.user ? " (yours)" : ""))) return;
  }
  if (o.json) out::line(doc.dump());
  else if (shown == 0) std::fputs(o.category.empty() ? "no prompts found\n" : "no prompts in that category\n", stderr);
}

void show_prompt(const PromptsOptions &o) {
  LibraryPrompt p = workflow::find_library_prompt(o.name);
  if (o.json) {
    out::line(out::json_text(to_json(p, true), 2));
    return;
  }
  out::line("name:        " + p.name);
  out::line("category:    " + p.category);
  out::line("description: " + p.description);
  if (!p.model.empty()) out::line("model:       " + p.model);
  for (const auto &[name, description] : p.variables) out::line("variable:    " + name + (description.empty() ? "" : " — " + description));
  out::line("file:        " + p.file.string());
  if (!p.system.empty()) out::line("\nsystem:\n" + p.system);
  out::line("\n" + p.body);
}

void setup_prompts(CLI::App *cmd, Context &ctx) {
  auto o = std::make_shared<PromptsOptions>();
  cmd->require_subcommand(1);
  cmd->footer(R"(
Examples:
  webox prompts list
  webox prompts list --category coaching --json | jq -r '.[].name'
  webox prompts show resume-article
  webox prompts new my-review --category code --description "Review a diff for bugs"

Your prompts live in $XDG_CONFIG_HOME/webox/prompts/*.md and win over shipped
ones of the same name. A workflow step uses one with 'use: NAME' and 'with:'.
See webox-prompts(1).)");

  CLI::App *list = cmd->add_subcommand("list", "Prompts by category");
  list->add_option("--category", o->category, "Only this category")->type_name("NAME");
  list->add_flag("--json", o->json, "As JSON");
  list->callback([&ctx, o] { ctx.command = [o] { list_prompts(*o); }; });

  CLI::App *show = cmd->add_subcommand("show", "One prompt: its variables and template");
  show->add_option("name", o->name, "The prompt's name")->required();
  show->add_flag("--json", o->json, "As JSON");
  show->callback([&ctx, o] { ctx.command = [o] { show_prompt(*o); }; });

  CLI::App *create = cmd->add_subcommand("new", "Start a prompt of your own (printed: its path)");
  create->add_option("name", o->name, "lowercase-name")->required();
  create->add_option("--category", o->category, "Its category")->type_name("NAME");
  create->add_option("--description", o->description, "One line saying what it does")->type_name("TEXT");
  create->callback([&ctx, o] {
    ctx.command = [o] { out::line(workflow::create_library_prompt(o->name, o->category, o->description).string()); };
  });
}

} // namespace

WEBOX_COMMAND(26, "prompts", "The prompt library: reusable templates for workflow steps", setup_prompts);

} // namespace webox::cli
