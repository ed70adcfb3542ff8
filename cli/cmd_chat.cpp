// `webox chat`: one prompt to one model, streamed, remembered.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/checks.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "cli/repl.hpp"
#include "lib/chat/budget.hpp"
#include "lib/chat/session.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/text_input.hpp"

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
  std::vector<std::string> prompt_words;
};

constexpr const char *kChatExamples = R"(
Examples:
  webox chat -m openai:gpt-4o-mini "Explique le RAII en deux phrases"
  webox chat -c "Et avec un exemple ?"                 # continue the last conversation
  git diff | webox chat -m anthropic:claude-sonnet-4-5 -s "Tu relis du code" "Relis ce diff"
  webox chat -m ollama:llama3.2                        # interactive on a terminal
  webox chat --assistant traducteur "Good morning"
  webox chat -m echo --json "hello" | jq .text         # offline, no key
  webox chat -m gemini:gemini-2.5-flash -o top_p=0.9 --max-tokens 200 "..."
  webox chat -m openai:gpt-4o --fallback anthropic:claude-sonnet-4-5 --fallback ollama:llama3.2 "..."
  webox chat -m @fast --max-cost 0.01 "..."          # a chain from config, a cost cap

The prompt is the arguments, or standard input, or both (input first, then
the arguments). Text is written as it arrives. See webox-chat(1).)";

std::string join_words(const std::vector<std::string> &words) {
  std::string out;
  for (const auto &w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

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
  return j;
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

// Streams one turn to stdout: each delta as it arrives, then one newline.
// On failure what was printed stays a prefix of the answer on stdout; the
// terminal gets its line break on stderr.
void send_streamed(chat::ChatSession &session, const std::string &prompt) {
  bool printed = false;
  chat::TurnResult turn;
  try {
    turn = session.send(
        prompt,
        [&](std::string_view delta) {
          printed = true;
          out::write(delta);
        },
        note_fallback);
  } catch (...) {
    if (printed && out::is_tty()) std::fputc('\n', stderr);
    throw;
  }
  out::write("\n");
  note_answer(session, turn);
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
  if (o.continue_last && !o.cid.empty()) throw UsageError("use either -c or --cid, not both");

  std::string prompt = join_words(o.prompt_words);
  bool interactive = prompt.empty() && out::stdin_is_tty();
  if (!out::stdin_is_tty()) prompt = text::prompt_with_stdin(std::move(prompt));
  if (!interactive && prompt.empty()) throw UsageError("no prompt: give it as arguments or on standard input");
  if (interactive && o.json) throw UsageError("--json needs a prompt (arguments or standard input)");

  const Config &config = ctx.config();
  // Daily and monthly caps read what was spent from the log: with caps set,
  // even a --no-log call opens the store (to read it, never to add to it).
  const bool caps = chat::Budget(config, nullptr, std::nullopt).caps_configured();
  bool needs_store = !o.no_log || o.continue_last || !o.cid.empty() || caps;
  chat::ChatSession session(ctx.plugins(), config, needs_store ? &ctx.db() : nullptr, settings);

  if (interactive) {
    run_repl({"webox chat with " + session.model().text(),
              [&](const std::string &p) { send_streamed(session, p); }});
    return;
  }
  if (o.json) {
    chat::TurnResult turn = session.send(prompt, [](std::string_view) {}, note_fallback);
    note_answer(session, turn);
    out::line(turn_json(turn).dump());
    return;
  }
  send_streamed(session, prompt);
}

} // namespace

void setup_chat(CLI::App &app, Context &ctx) {
  auto o = std::make_shared<ChatOptions>();
  CLI::App *cmd = app.add_subcommand("chat", "Talk to a model; streamed, remembered");
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
  cmd->add_flag("--json", o->json, "Print one JSON object: model, resolved_model, text, usage, cost, latency_ms, ttft_ms, finish_reason, conversation_id");
  cmd->add_option("prompt", o->prompt_words, "The prompt (joined with spaces)");
  cmd->footer(kChatExamples);
  cmd->callback([&ctx, o] { ctx.command = [&ctx, o] { run_chat(ctx, *o); }; });
}

WEBOX_COMMAND(10, setup_chat);

} // namespace webox::cli
