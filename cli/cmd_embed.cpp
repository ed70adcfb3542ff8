// `webox embed`: the embedding vectors of texts (arguments, or standard
// input one text per line).
//
//   webox embed -m PROVIDER:MODEL [TEXT...] [--json] [--dimensions N] [--task-type T]
#include <charconv>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/text_input.hpp"
#include "lib/rag/embedder.hpp"
#include "lib/rag/settings.hpp"

namespace webox::cli {
namespace {

struct EmbedOptions {
  std::string model;
  std::vector<std::string> texts;
  std::optional<int64_t> dimensions;
  std::string task_type;
  std::optional<double> max_cost;
  bool json = false;
};

constexpr const char *kEmbedExamples = R"(
Examples:
  webox embed -m openai:text-embedding-3-small "bonjour"
  webox embed -m openai:text-embedding-3-small --dimensions 256 --json "a" "b"
  cut -f2 titles.tsv | webox embed -m ollama:nomic-embed-text > vectors.txt
  webox embed -m gemini:gemini-embedding-001 --task-type query "train pour Lyon"
  webox embed -m echo "offline, deterministic 8-dimensional vectors"

Without TEXT, standard input is read, one text per non-empty line. Each
vector is printed on its own line as a JSON array of numbers, in input
order; --json prints one object {"model","dimensions","vectors","usage"}.
Without -m the model is rag.embed_model from the config. See webox-embed(1).)";

std::string embed_vector_text(const std::vector<float> &v) {
  std::string out = "[";
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v[i]); // shortest text that reads back the same float
    if (i) out += ',';
    out.append(buf, ec == std::errc() ? end : buf);
  }
  return out + "]";
}

std::vector<std::string> embed_stdin_lines() {
  std::string input = text::read_stdin(text::prompt_limit());
  text::require_utf8(input, "standard input");
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos <= input.size()) {
    size_t nl = input.find('\n', pos);
    std::string line = input.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return lines;
}

void run_embed(Context &ctx, const EmbedOptions &o) {
  std::vector<std::string> texts = o.texts;
  for (const auto &t : texts) text::require_utf8(t, "the text");
  if (texts.empty()) {
    if (out::stdin_is_tty()) throw UsageError("give the texts to embed as arguments or on standard input, one per line");
    texts = embed_stdin_lines();
  }
  if (texts.empty()) throw UsageError("nothing to embed: standard input holds no text");

  const Config &config = ctx.config();
  std::string spec = o.model.empty() ? rag::load_rag_settings(config.source).embed_model : o.model;
  if (spec.empty()) throw UsageError("say which embedding model: -m provider:model (or set rag.embed_model)");
  chat::ModelRef ref = chat::resolve_model(spec, config, ctx.plugins());
  rag::Embedder embedder(config, ctx.plugins(), &ctx.db(), ref, o.dimensions, o.max_cost);
  rag::EmbedPurpose purpose = rag::EmbedPurpose::none;
  if (o.task_type == "query") purpose = rag::EmbedPurpose::query;
  if (o.task_type == "document") purpose = rag::EmbedPurpose::document;
  rag::Embeddings e = embedder.embed(texts, purpose, false);

  if (!o.json) {
    for (const auto &v : e.vectors) out::line(embed_vector_text(v));
    return;
  }
  nlohmann::json head = {{"model", ref.text()}, {"resolved_model", e.resolved_model}, {"dimensions", e.dimensions}};
  if (e.input_tokens) head["usage"] = {{"input_tokens", *e.input_tokens}};
  std::string text = out::json_text(head);
  text.pop_back(); // the closing brace: the vectors are written as floats, not as doubles
  text += ",\"vectors\":[";
  for (size_t i = 0; i < e.vectors.size(); ++i) text += (i ? "," : "") + embed_vector_text(e.vectors[i]);
  out::line(text + "]}");
}

} // namespace

void setup_embed(CLI::App *cmd, Context &ctx) {
  auto o = std::make_shared<EmbedOptions>();
  cmd->add_option("texts", o->texts, "Texts to embed (default: standard input, one per line)")->type_name("TEXT");
  cmd->add_option("-m,--model", o->model, "provider:model (default: rag.embed_model)")->type_name("MODEL");
  cmd->add_option("--dimensions", o->dimensions, "Ask for vectors this long (OpenAI text-embedding-3, Gemini, Ollama)")
      ->check(CLI::Range(int64_t{1}, int64_t{16384}))
      ->type_name("N");
  cmd->add_option("--task-type", o->task_type, "query or document (Gemini's RETRIEVAL_QUERY / RETRIEVAL_DOCUMENT)")
      ->check(CLI::IsMember({"query", "document"}))
      ->type_name("TYPE");
  cmd->add_option("--max-cost", o->max_cost, "Refuse (exit 5) when the call could cost more (USD)")->type_name("USD");
  cmd->add_flag("--json", o->json, "Print one JSON object: model, dimensions, vectors, usage");
  cmd->footer(kEmbedExamples);
  cmd->callback([&ctx, o] { ctx.command = [&ctx, o] { run_embed(ctx, *o); }; });
}

WEBOX_COMMAND(23, "embed", "Embedding vectors of texts (OpenAI, Gemini, Ollama, Mistral, ...)", setup_embed);

} // namespace webox::cli
