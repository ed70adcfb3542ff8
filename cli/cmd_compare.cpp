// `webox compare`: one prompt to many models at once, side by side.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/checks.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/chat/assistants.hpp"
#include "lib/chat/attachments.hpp"
#include "lib/chat/library_template.hpp"
#include "lib/chat/session.hpp"
#include "lib/compare/render.hpp"
#include "lib/compare/runner.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/text_input.hpp"

namespace webox::cli {
namespace {

struct CompareOptions {
  std::vector<std::string> models;
  std::string models_csv;
  std::vector<std::string> fallbacks;
  std::string system;
  std::optional<double> temperature;
  std::optional<int64_t> max_tokens;
  std::vector<std::string> options;
  std::string judge;
  std::optional<unsigned> seed;
  std::optional<double> max_cost;
  std::string format = "table";
  bool json = false;
  bool no_stream = false;
  bool no_log = false;
  std::string render = "auto"; // --render
  bool raw = false;            // --raw
  std::vector<std::string> attach; // -a/--attach
  std::string pdf = "auto";        // --pdf
  std::string assistant;            // --assistant
  std::string template_name;        // -t, --template
  std::vector<std::string> vars;    // --var name=value
  std::vector<std::string> prompt_words;
};

// Redraws the columns in place while answers stream in: the cursor goes
// back up over the previous drawing, which is cleared and drawn again,
// at most every 50 ms. Each answer shows its last lines so that the
// drawing always fits the screen.
class LiveView {
public:
  LiveView(out::TerminalSize size, compare::ColumnText text) : m_size(size), m_text(text) {}

  void draw(const compare::Report &report, bool force) {
    int64_t now = cancel::monotonic_ms();
    if (!force && now - m_last_draw_ms < 50) return;
    m_last_draw_ms = now;
    size_t max_lines = m_size.rows > 12 ? m_size.rows - 10 : 2;
    std::string frame = compare::render_columns(report, m_size.columns - 1, max_lines, m_text);
    out::write(clear_sequence() + frame);
    m_height = static_cast<size_t>(std::count(frame.begin(), frame.end(), '\n'));
  }

  void clear() {
    out::write(clear_sequence());
    m_height = 0;
  }

private:
  std::string clear_sequence() const {
    return m_height ? "\x1b[" + std::to_string(m_height) + "A\x1b[J" : std::string();
  }
  out::TerminalSize m_size;
  compare::ColumnText m_text;
  size_t m_height = 0;
  int64_t m_last_draw_ms = 0;
};

std::vector<std::string> split_csv(const std::string &csv) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= csv.size()) {
    size_t comma = csv.find(',', start);
    std::string item = csv.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string read_prompt(const std::vector<std::string> &words) {
  std::string prompt = text::join_words(words);
  if (!out::stdin_is_tty()) prompt = text::prompt_with_stdin(std::move(prompt));
  return prompt;
}

// The system prompt and temperature every column gets, and the prompt
// itself, as chat takes them: --assistant brings a system prompt and a
// temperature, -t a library prompt filled with --var and the input (its
// system text unless -s or --assistant); explicit flags win. Models stay
// the ones named with -m: a comparison is of the models it lists.
std::string prepare_prompt(const CompareOptions &o, compare::CompareSettings &settings) {
  if (!o.vars.empty() && o.template_name.empty()) throw UsageError("--var fills a template: name it with -t NAME");
  std::string prompt = read_prompt(o.prompt_words);
  std::string system;
  if (!o.assistant.empty()) {
    chat::Assistant a = chat::find_assistant(o.assistant);
    system = a.system_prompt;
    if (a.temperature && !settings.options.contains("temperature")) settings.options["temperature"] = *a.temperature;
  }
  if (!o.template_name.empty()) {
    chat::FilledTemplate t = chat::fill_template(workflow::find_library_prompt(o.template_name), o.vars, prompt);
    if (system.empty()) system = t.system;
    prompt = t.user;
  }
  settings.system = o.system.empty() ? system : o.system;
  if (prompt.empty()) throw UsageError("no prompt: give it as arguments or on standard input");
  return prompt;
}

void run_compare(Context &ctx, const CompareOptions &o) {
  compare::Format format = compare::parse_format(o.json ? "json" : o.format);
  compare::CompareSettings settings;
  settings.models = o.models;
  for (const auto &m : split_csv(o.models_csv)) settings.models.push_back(m);
  settings.fallbacks = o.fallbacks;
  if (o.temperature) settings.options["temperature"] = *o.temperature;
  if (o.max_tokens) settings.options["max_tokens"] = *o.max_tokens;
  for (const auto &[key, value] : chat::split_options(o.options)) settings.options[key] = chat::option_value(value);
  settings.streaming = o.no_stream ? chat::Streaming::no : chat::Streaming::yes;
  settings.judge = o.judge;
  settings.seed = o.seed;
  settings.max_cost = o.max_cost;
  settings.log = !o.no_log;
  settings.pdf = chat::parse_pdf_mode(o.pdf);
  chat::check_attachment_count(o.attach.size());
  std::vector<chat::Attachment> attachments;
  for (const std::string &file : o.attach) attachments.push_back(chat::read_attachment(file));
  const std::string prompt = prepare_prompt(o, settings);
  settings.attachments = std::move(attachments);

  const Config &config = ctx.config();
  compare::CompareRun run(ctx.plugins(), config, &ctx.db(), settings, prompt);

  const out::TerminalSize size = out::terminal_size();
  const bool live = format == compare::Format::table && out::is_tty() && !o.no_stream;
  // The columns draw each answer's Markdown where chat would draw it.
  const compare::ColumnText text = out::answer_style(o.raw ? out::Render::never : out::parse_render(o.render))
                                       ? compare::ColumnText::markdown
                                       : compare::ColumnText::wrapped;
  LiveView view(size, text);
  compare::Report report = run.run([&](const compare::Report &r) {
    if (live) view.draw(r, false);
  });
  if (live) view.clear();
  if (report.judge) std::fprintf(stderr, "webox: judge answers shuffled with seed %u\n", report.judge->seed);

  switch (format) {
    case compare::Format::table:
      out::write(compare::render_columns(report, size.columns - 1, 0, text) + compare::render_verdict(report, size.columns - 1));
      break;
    case compare::Format::markdown: out::write(compare::render_markdown(report)); break;
    case compare::Format::json: out::line(compare::to_json(report).dump(2)); break;
    case compare::Format::jsonl: out::write(compare::render_jsonl(report)); break;
  }

  for (const auto &a : report.answers)
    if (!a.error.empty()) std::fprintf(stderr, "webox: %s: %s\n", a.model.c_str(), logging::redact(a.error).c_str());
  if (report.judge && !report.judge->error.empty())
    std::fprintf(stderr, "webox: judge %s: %s\n", report.judge->model.c_str(), logging::redact(report.judge->error).c_str());
  size_t failures = report.failures();
  if (failures == report.answers.size()) ctx.exit_code = static_cast<int>(ExitCode::failure);
  else if (failures > 0 || (report.judge && !report.judge->error.empty()))
    ctx.exit_code = static_cast<int>(ExitCode::partial);
}

void setup_compare(CLI::App *cmd, Context &ctx) {
  auto o = std::make_shared<CompareOptions>();
  cmd->add_option("-m,--model", o->models, "A model to compare (repeat for each; @chain allowed)")
      ->type_name("MODEL")
      ->allow_extra_args(false);
  cmd->add_option("--models", o->models_csv, "Models as a comma-separated list")->type_name("M1,M2,...");
  cmd->add_option("--fallback", o->fallbacks, "Model a column falls back to when its own cannot answer (repeatable)")
      ->type_name("MODEL")
      ->allow_extra_args(false);
  cmd->add_option("--judge", o->judge, "A model that cross-checks the answers (anonymised, shuffled)")
      ->type_name("MODEL");
  cmd->add_option("--seed", o->seed, "Seed of the judge's shuffle, to reproduce a run")->type_name("N");
  cmd->add_option("-s,--system", o->system, "System prompt")->type_name("TEXT");
  cmd->add_option("--temperature", o->temperature, "Sampling temperature (0 to 2)")->type_name("T")->check(checks::temperature());
  cmd->add_option("--max-tokens", o->max_tokens, "Maximum tokens per answer (at least 1)")
      ->type_name("N")
      ->check(checks::whole_number(1));
  cmd->add_option("-o,--option", o->options, "Any other model option, key=value (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--max-cost", o->max_cost, "Refuse (exit 5) when the whole comparison could cost more (USD)")
      ->type_name("USD")
      ->check(checks::amount());
  cmd->add_option("--format", o->format, "table (default; live on a terminal), markdown, json, jsonl")
      ->type_name("FORMAT");
  cmd->add_flag("--json", o->json, "Same as --format json");
  cmd->add_flag("--no-stream", o->no_stream, "Ask each model for its whole answer at once");
  cmd->add_flag("--no-log", o->no_log, "Do not record the calls");
  CLI::Option *render = cmd->add_option("--render", o->render,
                                        "Draw each answer's Markdown in its column: auto (on a terminal), always, never")
                           ->type_name("WHEN");
  cmd->add_flag("--raw", o->raw, "Columns show the answers as written, even on a terminal (--render never)")->excludes(render);
  cmd->add_option("-a,--attach", o->attach,
                  "Attach a file to the prompt (repeatable): text inline, a PDF (whole or its text), an image for vision models")
      ->type_name("FILE")
      ->allow_extra_args(false);
  cmd->add_option("--pdf", o->pdf,
                  "How attached PDFs go, column by column: auto (whole where the model takes PDFs, else as text), native (whole or exit 2), text")
      ->type_name("MODE");
  cmd->add_option("--assistant", o->assistant, "Every column gets this assistant's system prompt ('webox assistants list')")
      ->type_name("NAME");
  cmd->add_option("-t,--template", o->template_name, "Use a prompt of the library ('webox prompts list'); the input is {{input}}")
      ->type_name("NAME");
  cmd->add_option("--var", o->vars, "A template variable, name=value or name=@file (repeatable)")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("prompt", o->prompt_words, "The prompt (joined with spaces); standard input is read too");
  cmd->footer(R"(
Examples:
  webox compare -m openai:gpt-4o-mini -m anthropic:claude-haiku-4-5 -m gemini:gemini-2.5-flash \
    "Quelle est la capitale de l'Australie ?"
  webox compare -m gpt4 -m claude -m local --judge openai:gpt-4o "Résume ce texte" < article.txt
  webox compare --models openai:gpt-4o-mini,mistral:mistral-small-latest --format markdown "..." > cmp.md
  webox compare -m echo -m echo:messages --json "offline" | jq '.results[].latency_ms'
  webox compare -m openai:gpt-4o -m gemini:gemini-2.5-flash -a schema.png "Que montre ce schéma ?"
  webox compare -m anthropic:claude-sonnet-4-5 -m ollama:llama3.2 -a rapport.pdf "Résume"  # whole, then as text
  webox compare -m gpt-4o-mini -m claude-haiku-4-5 -t resume-article < article.txt
  webox compare -m mistral-small-latest -m gemini-2.5-flash --assistant traducteur "Good morning"

Exit status: 0 every model answered; 3 some failed (their columns say why);
1 all failed; 2 usage; 4 a missing key for the judge; 5 over budget
(nothing sent). See webox-compare(1).)");
  cmd->callback([&ctx, o] { ctx.command = [&ctx, o] { run_compare(ctx, *o); }; });
}

} // namespace

WEBOX_COMMAND(20, "compare", "One prompt to several models at once, side by side", setup_compare);

} // namespace webox::cli
