// `webox chat`: one prompt to one model, streamed, remembered.
#include <cstdio>
#include <memory>
#include <utility>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/checks.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "cli/repl.hpp"
#include "lib/agent/agent_turn.hpp"
#include "lib/agent/builtin_tools.hpp"
#include "lib/mcp/client.hpp"
#include "lib/rag/ask.hpp"
#include "lib/rag/retrieve.hpp"
#include "lib/agent/tool_settings.hpp"
#include "lib/chat/budget.hpp"
#include "lib/chat/repl_commands.hpp"
#include "lib/chat/library_template.hpp"
#include "lib/chat/session.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/atomic_file.hpp"
#include "lib/core/text_input.hpp"
#include "lib/render/markdown.hpp"
#include "lib/workflow/prompt_library.hpp"

namespace webox::cli {
namespace {

struct ChatOptions {
  std::string model;
  std::vector<std::string> fallbacks;
  std::optional<double> max_cost;
  std::string system;
  std::string assistant;
  std::optional<double> temperature;
  std::optional<int64_t> max_tokens;
  std::vector<std::string> options;
  bool continue_last = false;
  std::string cid;
  bool no_stream = false;
  bool no_log = false;
  bool json = false;
  std::vector<std::string> tools;  // --tool
  std::vector<std::string> mcp;    // --mcp
  bool yes = false;                // --yes
  int max_steps = 10;              // --max-steps
  std::string root;                // --root
  std::string rag;                 // --rag
  size_t rag_k = 5;                // --rag-k
  std::string render = "auto";     // --render
  bool raw = false;                // --raw
  std::string template_name;       // -t, --template
  std::vector<std::string> vars;   // --var name=value
  std::vector<std::string> attach; // -a/--attach
  std::string pdf = "auto";        // --pdf
  std::vector<std::string> prompt_words;
};

// What a chat needs to let the model act: the tools offered, who allows
// them, the loop's limits. Lives as long as the command: the REPL keeps its
// tools (and "always" answers) across turns.
struct Agent {
  agent::Toolbox toolbox;
  std::unique_ptr<agent::Approval> approval;
  agent::LoopSettings loop;
};

constexpr const char *kChatExamples = R"(
Examples:
  webox chat -m openai:gpt-4o-mini "Explique le RAII en deux phrases"
  webox chat -c "Et avec un exemple ?"                 # continue the last conversation
  git diff | webox chat -m anthropic:claude-sonnet-4-5 -s "Tu relis du code" "Relis ce diff"
  webox chat -m ollama:llama3.2                        # interactive on a terminal
  webox chat --assistant traducteur "Good morning"
  webox chat --assistant coach:profil "Relis ma bio : ..."   # 'webox assistants list'
  webox chat -t resume-article --var language=français --var text=@article.txt
  git diff | webox chat -t commit-message              # the input fills the one variable left
  webox chat -m echo --json "hello" | jq .text         # offline, no key
  webox chat -m gemini:gemini-2.5-flash -o top_p=0.9 --max-tokens 200 "..."
  webox chat -m openai:gpt-4o --fallback anthropic:claude-sonnet-4-5 --fallback ollama:llama3.2 "..."
  webox chat -m @fast --max-cost 0.01 "..."          # a chain from config, a cost cap
  webox chat -m gemini:gemini-2.5-flash --tool read_file --tool list_dir "Résume notes.md"
  webox chat -m openai:gpt-4o --tool write_file --yes --max-steps 12 "..."  # CI: no questions
  webox chat -m echo:tools --tool read_file 'call read_file {"path":"README.md"}'  # offline
  webox chat -m anthropic:claude-sonnet-4-5 --mcp fs "Résume notes.md puis liste le dossier"
  webox chat --rag notes -m openai:gpt-4o-mini "Quel est le budget du projet X ?"
  webox chat --raw "Un tableau des capitales" > capitales.md  # the Markdown as written
  webox chat --render always "..." | less -R          # drawn even through a pipe
  webox chat -a rapport.pdf -a schema.png -m openai:gpt-4o "Que montre ce schéma ?"
  webox chat -a notes.md -m ollama:llama3.2 "Résume ce fichier"
  webox chat -a rapport.pdf -m anthropic:claude-sonnet-4-5 --pdf native "Résume"  # the PDF whole
  webox chat -a rapport.pdf -m gemini:gemini-2.5-flash --pdf text "Résume"       # its text only

The prompt is the arguments, or standard input, or both (input first, then
the arguments). Text is written as it arrives; on a terminal its Markdown is
drawn (headings, lists, tables, framed code, links with their URL), block by
block. In the REPL /help lists the commands. See webox-chat(1).)";

nlohmann::json turn_json(const chat::TurnResult &turn) {
  auto tokens = [](const std::optional<int64_t> &v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json j = {
      {"model", turn.model.text()},
      {"resolved_model", turn.resolved_model},
      {"text", turn.text},
      {"usage", {{"input_tokens", tokens(turn.input_tokens)}, {"output_tokens", tokens(turn.output_tokens)}}},
      {"cost", turn.cost ? nlohmann::json(*turn.cost) : nlohmann::json(nullptr)},
      {"latency_ms", turn.latency_ms},
      {"ttft_ms", turn.ttft_ms ? nlohmann::json(*turn.ttft_ms) : nlohmann::json(nullptr)},
      {"finish_reason", turn.finish_reason},
      {"conversation_id", turn.conversation_id},
  };
  if (!turn.tool_calls.empty()) j["tool_calls"] = turn.tool_calls;
  return j;
}

// A call's arguments on one short line: enough to recognise it.
std::string short_arguments(const nlohmann::json &args) {
  std::string out = args.is_string() ? args.get<std::string>() : args.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (out.size() > 60) {
    size_t cut = 57;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut; // never half a character
    out = out.substr(0, cut) + "...";
  }
  for (char &c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return out;
}

// Asks on the terminal whether a tool call may run.
agent::Answer ask_on_terminal(const std::string &tool, const nlohmann::json &arguments) {
  for (;;) {
    std::fprintf(stderr, "webox: the model wants to run %s %s\n  allow? [y]es / [n]o / [a]lways for this tool: ",
                 tool.c_str(), short_arguments(arguments).c_str());
    std::fflush(stderr);
    char line[64];
    if (!std::fgets(line, sizeof line, stdin)) return agent::Answer::no;
    switch (line[0]) {
      case 'y': case 'Y': return agent::Answer::yes;
      case 'a': case 'A': return agent::Answer::always;
      case 'n': case 'N': return agent::Answer::no;
      default: break;
    }
  }
}

Agent make_agent(Context &ctx, const ChatOptions &o) {
  if (o.max_steps < 1) throw UsageError("--max-steps must be at least 1");
  agent::ToolSettings ts = agent::load_tool_settings(ctx.config().source);
  std::vector<std::shared_ptr<agent::ToolSource>> sources;
  if (!o.tools.empty()) {
    agent::BuiltinSettings bs;
    if (!o.root.empty()) bs.root = o.root;
    bs.enabled = o.tools;
    bs.shell_timeout = ts.shell_timeout;
    sources.push_back(std::make_shared<agent::BuiltinTools>(bs));
  } else if (!o.root.empty()) {
    throw UsageError("--root applies to the built-in tools: name them with --tool");
  }
  // Each server starts on first use and ends with the session (its tools
  // are listed when the toolbox is built).
  for (const std::string &name : o.mcp) sources.push_back(mcp::open_server(ctx.config(), name));
  Agent a;
  a.toolbox = agent::Toolbox(std::move(sources));
  // Asking needs a person at a terminal: both the input to read the answer
  // from and the error stream the question goes to.
  agent::Asker asker;
  if (::isatty(0) && ::isatty(2)) asker = ask_on_terminal;
  a.approval = std::make_unique<agent::Approval>(ts.allow, o.yes, asker);
  a.loop.max_steps = o.max_steps;
  a.loop.tool_timeout = ts.tool_timeout;
  return a;
}

// Each tool call on stderr, for a person watching a terminal.
agent::LoopHooks progress_hooks() {
  agent::LoopHooks hooks;
  if (!::isatty(2)) return hooks;
  hooks.on_tool_done = [](const agent::ToolCallRecord &c) {
    std::string line = "webox: " + (c.qualified.empty() ? c.name : c.qualified) + " " + short_arguments(c.arguments) +
                       " -> " + c.status + " (" + std::to_string(c.result_bytes) + " bytes, " +
                       std::to_string(c.duration_ms) + " ms)\n";
    std::fputs(logging::redact(line).c_str(), stderr);
  };
  return hooks;
}

// What a loop that stopped had done, on stderr, then the error to exit with.
[[noreturn]] void report_stop(const agent::LoopResult &r) {
  if (r.ending == agent::Ending::max_steps) {
    std::string done;
    for (const auto &s : r.steps)
      for (const auto &c : s.calls) done += "  step " + std::to_string(s.number) + ": " + c.name + " " + short_arguments(c.arguments) + " -> " + c.status + "\n";
    std::fputs(logging::redact("webox: what was done:\n" + done).c_str(), stderr);
  }
  if (r.ending == agent::Ending::interrupted) throw Interrupted();
  throw Error(r.message, r.exit_code());
}

// Tells stderr when a model gives way to the next of its chain.
void note_fallback(const chat::Attempt &failed, const chat::ModelRef &next) {
  std::string line = "webox: " + failed.turn.model.text() + " did not answer (" + failed.error + "); trying " +
                     next.text() + "\n";
  std::fputs(logging::redact(line).c_str(), stderr);
}

void note_answer(const chat::ChatSession &session, const chat::TurnResult &turn) {
  if (session.chain().size() > 1 && turn.model.text() != session.model().text())
    std::fprintf(stderr, "webox: answered by %s\n", turn.model.text().c_str());
}

// --rag: every prompt goes out with the chunks of a collection that answer
// it (lib/rag: retrieval, the numbered sources under a token budget), and
// the sources the answer cites are listed after it, as `rag ask` does.
class Grounding {
public:
  Grounding(Context &ctx, std::string collection, size_t k) : m_ctx(ctx), m_collection(std::move(collection)), m_k(k) {}

  bool on() const { return !m_collection.empty(); }

  // The prompt with its sources; throws (exit 2) for an unknown collection.
  std::string ground(const std::string &question) {
    if (!on()) return question;
    rag::RetrieveOptions ro;
    ro.k = m_k;
    rag::Retrieval r = rag::retrieve(m_ctx.config(), m_ctx.plugins(), m_ctx.db(), m_collection, question, ro);
    if (r.hits.empty()) throw Error("rag: nothing in '" + m_collection + "' matches the prompt; nothing was sent");
    m_prompt = rag::build_grounded_prompt(question, r.hits);
    // The instructions travel with the sources, in the user's turn, so that
    // a system prompt or an assistant of the chat stays what it is.
    return m_prompt.system + "\n\n" + m_prompt.user;
  }

  void print_sources(const std::string &answer) const {
    if (!on()) return;
    out::write("\n");
    for (const std::string &line : rag::cited_source_lines(m_prompt, cited(answer))) out::line(line);
  }

  nlohmann::json sources_json(const std::string &answer) const {
    return rag::sources_json(m_prompt, cited(answer));
  }

private:
  std::vector<int> cited(const std::string &answer) const {
    return rag::cited_sources(answer, m_prompt.sources.size());
  }

  Context &m_ctx;
  std::string m_collection;
  size_t m_k;
  rag::GroundedPrompt m_prompt;
};

// Where an answer goes: to stdout byte for byte as it arrives, or through
// the Markdown renderer, which prints each block once it is complete.
class AnswerPrinter {
public:
  explicit AnswerPrinter(const std::optional<render::MarkdownStyle> &style) {
    if (style) m_markdown.emplace(*style);
  }

  void delta(std::string_view text) {
    m_printed = true;
    if (!m_markdown) {
      out::write(text);
      return;
    }
    std::string ready = m_markdown->feed(text);
    if (!ready.empty()) out::write(ready);
  }

  // The end of the answer: the last block, or the line break.
  void end() {
    if (m_markdown) out::write(m_markdown->finish());
    else out::write("\n");
  }

  // After a failure: what is left of the answer stays on stdout; a raw
  // answer's line break goes to the terminal only.
  void cut_short() {
    if (m_markdown) out::write(m_markdown->finish());
    else if (m_printed && out::is_tty()) std::fputc('\n', stderr);
  }

  bool printed() const { return m_printed; }

private:
  std::optional<render::MarkdownStream> m_markdown;
  bool m_printed = false;
};

// Streams one turn to stdout (see AnswerPrinter). On failure what was
// printed stays a prefix of the answer on stdout.
agent::LoopResult send_streamed(chat::ChatSession &session, Agent &agent, Grounding &grounding,
                                const std::optional<render::MarkdownStyle> &style, const std::string &prompt,
                                std::vector<chat::Attachment> attachments) {
  AnswerPrinter printer(style);
  agent::LoopResult result;
  const std::string text = session.attach(grounding.ground(prompt), std::move(attachments));
  try {
    result = agent::run_agent_turn(
        session, text, agent.toolbox, *agent.approval, agent.loop,
        [&](std::string_view delta) { printer.delta(delta); }, note_fallback, progress_hooks());
  } catch (...) {
    printer.cut_short();
    throw;
  }
  if (result.ending != agent::Ending::answered) {
    if (printer.printed()) printer.end();
    report_stop(result);
  }
  printer.end();
  note_answer(session, result.answer);
  if (result.ending == agent::Ending::answered) grounding.print_sources(result.answer.text);
  return result;
}

void repl_note(const std::string &text) { std::fputs((text + "\n").c_str(), stderr); }

// The REPL's commands beyond /help and /exit: one entry each.
std::vector<ReplCommand> repl_commands(chat::ChatSession &session, chat::UsageTally &usage,
                                       std::vector<chat::Attachment> &attachments) {
  return {
      {"model", "/model MODEL", "talk to another model from now on (the conversation goes on)",
       [&session](const std::string &spec) {
         if (!spec.empty()) session.set_model(spec); // throws for an unknown one: the model stays
         repl_note("webox: model " + session.model().text());
       }},
      {"system", "/system TEXT", "set the system prompt (alone: show it)",
       [&session](const std::string &text) {
         if (!text.empty()) session.set_system(text);
         repl_note(session.system().empty() ? "webox: no system prompt" : "webox: system prompt: " + session.system());
       }},
      {"temperature", "/temperature X", "sampling temperature from 0 to 2",
       [&session](const std::string &text) {
         session.set_temperature(chat::parse_temperature(text));
         repl_note("webox: temperature " + text);
       }},
      {"save", "/save FILE", "write the conversation to FILE as Markdown",
       [&session](const std::string &file) {
         if (file.empty()) throw UsageError("/save expects a file name");
         write_file_atomically(file, chat::conversation_markdown(session.model().text(), session.system(), session.history()));
         repl_note("webox: conversation saved to " + file);
       }},
      {"clear", "/clear", "start a new conversation (model and settings stay)",
       [&session, &usage](const std::string &) {
         session.new_conversation();
         usage = chat::UsageTally{};
         repl_note("webox: new conversation");
       }},
      {"tokens", "/tokens", "tokens and cost of this conversation so far",
       [&usage](const std::string &) { repl_note("webox: " + usage.summary()); }},
      {"attach", "/attach FILE", "attach a file (text, PDF, image) to the next prompt",
       [&attachments](const std::string &file) {
         if (file.empty()) throw UsageError("/attach expects a file name");
         chat::check_attachment_count(attachments.size() + 1);
         attachments.push_back(chat::read_attachment(file)); // throws for a bad file: nothing is staged
         repl_note("webox: " + file + " goes with the next prompt");
       }},
      {"pdf", "/pdf MODE", "how attached PDFs go: auto (whole where the model takes them), native, text",
       [&session](const std::string &mode) {
         if (!mode.empty()) session.set_pdf_mode(chat::parse_pdf_mode(mode, "/pdf"));
         repl_note(std::string("webox: PDFs go ") + chat::pdf_mode_name(session.pdf_mode()));
       }},
  };
}

// --json: one object, printed whatever the ending (the calls a model asked
// for are in it), then the ending's exit code.
void send_json(chat::ChatSession &session, Agent &agent, Grounding &grounding, const std::string &prompt,
               std::vector<chat::Attachment> attachments) {
  const std::string text = session.attach(grounding.ground(prompt), std::move(attachments));
  agent::LoopResult result = agent::run_agent_turn(session, text, agent.toolbox, *agent.approval, agent.loop,
                                                   [](std::string_view) {}, note_fallback);
  note_answer(session, result.answer);
  nlohmann::json j = turn_json(result.answer);
  j["steps"] = agent::steps_json(result);
  if (result.ending != agent::Ending::answered) j["stopped"] = result.message;
  if (grounding.on()) j["sources"] = grounding.sources_json(result.answer.text);
  out::line(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (result.ending != agent::Ending::answered) report_stop(result);
}

// -t: the library prompt filled with --var and the input becomes the
// prompt; its system text and model apply unless -s, --assistant, -m or a
// continued conversation say otherwise.
std::string templated_prompt(const ChatOptions &o, chat::ChatSettings &settings, const std::string &input) {
  chat::FilledTemplate t = chat::fill_template(workflow::find_library_prompt(o.template_name), o.vars, input);
  bool continuing = o.continue_last || !o.cid.empty();
  if (settings.system.empty() && settings.assistant.empty()) settings.system = t.system;
  if (settings.model_spec.empty() && settings.assistant.empty() && !continuing) settings.model_spec = t.model;
  return t.user;
}

void run_chat(Context &ctx, const ChatOptions &o) {
  chat::ChatSettings settings;
  settings.model_spec = o.model;
  settings.fallbacks = o.fallbacks;
  settings.max_cost = o.max_cost;
  settings.system = o.system;
  settings.assistant = o.assistant;
  settings.temperature = o.temperature;
  settings.max_tokens = o.max_tokens;
  settings.options = chat::split_options(o.options);
  settings.continue_last = o.continue_last;
  settings.conversation_id = o.cid;
  settings.streaming = o.no_stream ? chat::Streaming::no : chat::Streaming::yes;
  settings.logging = o.no_log ? chat::Logging::no : chat::Logging::yes;
  settings.pdf = chat::parse_pdf_mode(o.pdf);
  if (o.continue_last && !o.cid.empty()) throw UsageError("use either -c or --cid, not both");

  if (!o.vars.empty() && o.template_name.empty()) throw UsageError("--var fills a template: name it with -t NAME");
  std::string prompt = text::join_words(o.prompt_words);
  bool templated = !o.template_name.empty();
  bool interactive = prompt.empty() && out::stdin_is_tty() && !templated;
  if (!out::stdin_is_tty()) prompt = text::prompt_with_stdin(std::move(prompt));
  if (templated) prompt = templated_prompt(o, settings, prompt);
  if (!interactive && prompt.empty()) throw UsageError("no prompt: give it as arguments or on standard input");
  if (interactive && o.json) throw UsageError("--json needs a prompt (arguments or standard input)");
  const auto style = out::answer_style(o.raw ? out::Render::never : out::parse_render(o.render));

  // Read and checked before a model is bound: a bad file is exit 2 naming it.
  chat::check_attachment_count(o.attach.size());
  std::vector<chat::Attachment> attachments;
  for (const std::string &file : o.attach) attachments.push_back(chat::read_attachment(file));

  const Config &config = ctx.config();
  // Daily and monthly caps read what was spent from the log: with caps set,
  // even a --no-log call opens the store (to read it, never to add to it).
  const bool caps = chat::Budget(config, nullptr, std::nullopt).caps_configured();
  bool needs_store = !o.no_log || o.continue_last || !o.cid.empty() || caps;
  chat::ChatSession session(ctx.plugins(), config, needs_store ? &ctx.db() : nullptr, settings);
  Agent agent = make_agent(ctx, o);
  if (o.rag_k < 1) throw UsageError("--rag-k must be at least 1");
  Grounding grounding(ctx, o.rag, o.rag_k);

  if (interactive) {
    // -a files go with the first prompt typed; /attach adds more for the next.
    chat::UsageTally usage;
    auto send = [&](const std::string &p) {
      agent::LoopResult r = send_streamed(session, agent, grounding, style, p, std::exchange(attachments, {}));
      for (const auto &step : r.steps) usage.add(step.turn); // the calls that ran tools
      usage.add(r.answer);
    };
    run_repl({"webox chat with " + session.model().text(), send, repl_commands(session, usage, attachments)});
    return;
  }
  if (o.json) {
    send_json(session, agent, grounding, prompt, std::move(attachments));
    return;
  }
  send_streamed(session, agent, grounding, style, prompt, std::move(attachments));
}

} // namespace

void setup_chat(CLI::App *cmd, Context &ctx) {
  auto o = std::make_shared<ChatOptions>();
  cmd->add_option("-m,--model", o->model, "provider:model, an alias, @chain, or a provider (default: config default_model)")
      ->type_name("MODEL");
  cmd->add_option("--fallback", o->fallbacks,
                  "Model to try when the previous one is rate limited, overloaded or down (repeatable)")
      ->type_name("MODEL")
      ->allow_extra_args(false);
  cmd->add_option("--max-cost", o->max_cost, "Refuse (exit 5) when this call could cost more (USD)")
      ->type_name("USD")
      ->check(checks::amount());
  cmd->add_option("-s,--system", o->system, "System prompt")->type_name("TEXT");
  cmd->add_option("--assistant", o->assistant, "Use an assistant from prompts/assistants (system prompt, model)")
      ->type_name("NAME");
  cmd->add_option("-t,--template", o->template_name, "Use a prompt of the library ('webox prompts list'); the input is {{input}}")
      ->type_name("NAME");
  cmd->add_option("--var", o->vars, "A template variable, name=value or name=@file (repeatable)")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--temperature", o->temperature, "Sampling temperature (0 to 2)")->type_name("T")->check(checks::temperature());
  cmd->add_option("--max-tokens", o->max_tokens, "Maximum tokens in the answer (at least 1)")
      ->type_name("N")
      ->check(checks::whole_number(1));
  cmd->add_option("-o,--option", o->options, "Any other model option, key=value (repeatable; JSON values parsed)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false); // each -o takes one value; the rest is the prompt
  cmd->add_flag("-c,--continue", o->continue_last, "Continue the last conversation");
  cmd->add_option("--cid", o->cid, "Continue the conversation with this id")->type_name("ID");
  cmd->add_flag("--no-stream", o->no_stream, "Ask for the whole answer at once");
  cmd->add_flag("--no-log", o->no_log, "Do not record this call in the store");
  cmd->add_flag("--json", o->json, "Print one JSON object: model, resolved_model, text, usage, cost, latency_ms, ttft_ms, finish_reason, conversation_id, steps, tool_calls");
  cmd->add_option("--tool", o->tools, "Offer a built-in tool to the model: read_file, list_dir, write_file, http_get, shell (repeatable)")
      ->type_name("NAME")
      ->allow_extra_args(false);
  cmd->add_option("--mcp", o->mcp, "Offer the tools of an MCP server from config mcp_servers (repeatable; named <server>_<tool>)")
      ->type_name("NAME")
      ->allow_extra_args(false);
  cmd->add_option("--rag", o->rag, "Ground each prompt in a collection of webox rag: its best chunks go with it, cited [n]")
      ->type_name("NAME");
  cmd->add_option("--rag-k", o->rag_k, "How many chunks --rag retrieves (default 5)")->type_name("N");
  cmd->add_flag("--yes", o->yes, "Run every tool call without asking (cron, CI)");
  cmd->add_option("--max-steps", o->max_steps, "Most model calls in one prompt's tool loop (default 10; then exit 3)")
      ->type_name("N")
      ->check(checks::whole_number(1, 10000));
  cmd->add_option("--root", o->root, "Folder the file tools work in (default: the current folder)")->type_name("DIR");
  CLI::Option *render = cmd->add_option("--render", o->render,
                                        "Draw the answer's Markdown: auto (on a terminal), always, never")
                           ->type_name("WHEN");
  cmd->add_flag("--raw", o->raw, "The answer as the model wrote it, even on a terminal (--render never)")->excludes(render);
  cmd->add_option("-a,--attach", o->attach,
                  "Attach a file (repeatable): text inline, a PDF (whole or its text), an image for vision models; see ATTACHMENTS in webox-chat(1)")
      ->type_name("FILE")
      ->allow_extra_args(false);
  cmd->add_option("--pdf", o->pdf,
                  "How attached PDFs go: auto (whole where the model takes PDFs, else as text), native (whole or exit 2), text")
      ->type_name("MODE");
  cmd->add_option("prompt", o->prompt_words, "The prompt (joined with spaces)");
  cmd->footer(kChatExamples);
  cmd->callback([&ctx, o] { ctx.command = [&ctx, o] { run_chat(ctx, *o); }; });
}

WEBOX_COMMAND(10, "chat", "Talk to a model; streamed, remembered", setup_chat);

} // namespace webox::cli
