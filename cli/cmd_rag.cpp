// `webox rag`: collections of the user's documents, searched offline (BM25)
// or hybrid (with an embedding model), and answers grounded in them.
//
//   webox rag index NAME PATHS... [-m EMBED_MODEL] [--dimensions N]
//   webox rag index NAME [PATHS...] --rebuild
//   webox rag search NAME QUERY [-k N] [--json] [--lexical]
//   webox rag ask NAME QUESTION -m MODEL [-k N] [--context-tokens N]
//   webox rag list | show NAME | drop NAME
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/chat/session.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/text_input.hpp"
#include "lib/rag/ask.hpp"
#include "lib/rag/collections.hpp"
#include "lib/rag/embedder.hpp"
#include "lib/rag/indexer.hpp"
#include "lib/rag/retrieve.hpp"
#include "lib/rag/settings.hpp"
#include "lib/store/db.hpp"

namespace webox::cli {
namespace {

using nlohmann::json;

struct RagOptions {
  std::string name;
  std::vector<std::string> paths;
  std::vector<std::string> words; // query or question
  std::string model;
  std::optional<int64_t> dimensions;
  std::optional<size_t> k;
  std::optional<int64_t> context_tokens;
  std::vector<std::string> options;
  std::optional<double> max_cost;
  bool lexical = false;
  bool json = false;
  bool rebuild = false;
};

constexpr const char *kRagExamples = R"(
Examples:
  webox rag index notes ~/notes docs/*.md               # offline: a BM25 (FTS5) index
  webox rag index code src/ -m ollama:nomic-embed-text  # with embeddings: hybrid retrieval
  webox rag search notes "quand part le train pour Lyon ?" -k 5
  webox rag search notes "budget projet X" --json | jq '.[0].path'
  webox rag ask notes "Quel est le budget du projet X ?" -m anthropic:claude-sonnet-4-5
  webox rag index gifts /usr/share/webox/data/samples/gift-catalogue.jsonl
  webox rag ask gifts "Un cadeau pour une amie qui aime le jazz, moins de 40 euros ?" -m echo
  webox rag index notes --rebuild                       # re-read, re-chunk, re-embed every file
  webox rag list ; webox rag show notes ; webox rag drop notes

Re-running `rag index` is incremental: unchanged files are skipped, changed
ones re-chunked, deleted ones removed. See webox-rag(1).)";

// "\rindexing 120/1000 files" on a terminal, at most ten times a second.
class RagProgress {
public:
  explicit RagProgress(bool enabled) : m_enabled(enabled) {}
  ~RagProgress() { clear(); }
  void update(size_t done, size_t total) {
    if (!m_enabled) return;
    auto now = std::chrono::steady_clock::now();
    if (done < total && now - m_last < std::chrono::milliseconds(100)) return;
    m_last = now;
    std::fprintf(stderr, "\rindexing %zu/%zu files", done, total);
    std::fflush(stderr);
    m_shown = true;
  }
  void clear() {
    if (!m_shown) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    m_shown = false;
  }

private:
  bool m_enabled;
  bool m_shown = false;
  std::chrono::steady_clock::time_point m_last{};
};

void run_rag_index(Context &ctx, const RagOptions &o) {
  rag::validate_collection_name(o.name);
  if (o.paths.empty() && !o.rebuild)
    throw UsageError("rag index: name the files and folders to index (or --rebuild the collection from its own)");
  const rag::RagSettings settings = rag::load_rag_settings(ctx.config().source);
  if (o.rebuild && !ctx.has_database()) throw UsageError("no collection named '" + o.name + "' to rebuild (see 'webox rag list')");
  rag::Collections collections(ctx.db());
  std::optional<rag::CollectionInfo> existing = collections.find(o.name);
  if (o.rebuild && !existing) throw UsageError("no collection named '" + o.name + "' to rebuild (see 'webox rag list')");
  rag::CollectionInfo probe;
  probe.name = o.name;
  if (existing) probe = *existing;
  const std::string model = rag::index_model(probe, o.model, settings, ctx.config(), ctx.plugins());
  if (o.dimensions && model.empty()) throw UsageError("--dimensions needs an embedding model (-m)");
  std::unique_ptr<rag::Embedder> embedder;
  if (!model.empty()) {
    std::optional<int64_t> dimensions = o.dimensions;
    if (!dimensions && probe.dimensions_asked) dimensions = probe.dimensions;
    if (dimensions && probe.dimensions > 0 && *dimensions != probe.dimensions)
      throw UsageError("collection " + o.name + " holds vectors of " + std::to_string(probe.dimensions) +
                       " dimensions, not " + std::to_string(*dimensions) + "; " + rag::reindex_hint(o.name, model));
    embedder = std::make_unique<rag::Embedder>(ctx.config(), ctx.plugins(), &ctx.db(),
                                               chat::resolve_model(model, ctx.config(), ctx.plugins()), dimensions,
                                               o.max_cost);
  }
  const rag::CollectionInfo collection = collections.open_or_create(o.name);

  rag::IndexOptions options;
  options.paths = o.paths;
  options.max_file_bytes = settings.max_file_bytes;
  options.limits = settings.limits;
  options.rebuild = o.rebuild;
  RagProgress progress(ctx.global.verbosity >= 0 && !o.json && ::isatty(STDERR_FILENO) == 1);
  options.on_progress = [&](size_t done, size_t total, const std::string &) { progress.update(done, total); };
  rag::IndexReport r = rag::index_paths(collections, collection, embedder.get(), options);
  progress.clear();

  if (r.files == 0 && r.removed == 0 && r.skipped.empty())
    throw UsageError(o.paths.empty() ? "nothing to rebuild: collection " + o.name + " holds no document"
                                     : "nothing to index: no file under " + text::join_words(o.paths));
  size_t unreadable = 0;
  for (const auto &s : r.skipped) {
    if (s.why.rfind("unreadable", 0) == 0 || s.why.rfind("vanished", 0) == 0 || s.why.rfind("cannot list", 0) == 0)
      ++unreadable;
    if (ctx.global.verbosity > 0) std::fprintf(stderr, "skipped %s: %s\n", s.path.c_str(), s.why.c_str());
  }
  if (o.json) {
    json skipped = json::array();
    for (const auto &s : r.skipped) skipped.push_back({{"path", s.path}, {"reason", s.why}});
    out::line(out::json_text({{"collection", o.name}, {"files", r.files}, {"added", r.added}, {"updated", r.updated},
                              {"unchanged", r.unchanged}, {"removed", r.removed}, {"chunks", r.chunks},
                              {"bytes", r.bytes}, {"repaired_utf8", r.repaired_utf8}, {"skipped", skipped}}));
  } else {
    std::string line = o.name + ": " + std::to_string(r.added) + " added, " + std::to_string(r.updated) + " updated, " +
                       std::to_string(r.unchanged) + " unchanged, " + std::to_string(r.removed) + " removed, " +
                       std::to_string(r.skipped.size()) + " skipped; " + std::to_string(r.chunks) + " chunks written";
    if (!r.skipped.empty() && ctx.global.verbosity <= 0) line += " (-v names the skipped files)";
    out::line(line);
    if (r.repaired_utf8 > 0)
      std::fprintf(stderr, "warning: %zu file(s) held invalid UTF-8, replaced by U+FFFD\n", r.repaired_utf8);
  }
  if (unreadable > 0) ctx.exit_code = static_cast<int>(ExitCode::partial);
}

json hit_json(const rag::Hit &h) {
  return {{"path", h.path}, {"start_line", h.line_start}, {"end_line", h.line_end}, {"score", h.score},
          {"heading", h.heading}, {"text", h.text}};
}

std::string rag_snippet(const std::string &text, size_t limit = 160) {
  std::string out;
  for (char c : text) {
    bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
    if (out.size() >= limit) break;
  }
  if (out.size() >= limit) {
    size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + "...";
  }
  return out;
}

std::string rag_query_text(const RagOptions &o) {
  std::string q = text::join_words(o.words);
  text::require_utf8(q, "the query");
  if (q.find_first_not_of(" \t\n") == std::string::npos) throw UsageError("the query is empty");
  return q;
}

void run_rag_search(Context &ctx, const RagOptions &o) {
  const rag::RagSettings settings = rag::load_rag_settings(ctx.config().source);
  rag::RetrieveOptions ro;
  ro.k = o.k.value_or(settings.k);
  ro.lexical_only = o.lexical;
  ro.model_spec = o.model;
  ro.max_cost_usd = o.max_cost;
  rag::Retrieval r = rag::retrieve(ctx.config(), ctx.plugins(), ctx.db(), o.name, rag_query_text(o), ro);
  if (o.json) {
    json hits = json::array();
    for (const auto &h : r.hits) hits.push_back(hit_json(h));
    out::line(out::json_text(hits));
    return;
  }
  if (r.hits.empty()) {
    out::line("no match in " + o.name);
    return;
  }
  for (size_t i = 0; i < r.hits.size(); ++i) {
    const rag::Hit &h = r.hits[i];
    char score[32];
    std::snprintf(score, sizeof score, "%.4f", h.score);
    out::line(std::to_string(i + 1) + ". " + h.path + ":" + std::to_string(h.line_start) + "-" +
              std::to_string(h.line_end) + "  score " + score + (h.heading.empty() ? "" : "  (" + h.heading + ")"));
    out::line("   " + rag_snippet(h.text));
  }
}

// -o key=value as chat reads it (the value parsed as JSON when it parses,
// with the nesting limit of outside input).
nlohmann::json rag_options_json(const std::vector<std::string> &pairs) {
  json out = json::object();
  for (const auto &[key, value] : chat::split_options(pairs)) out[key] = chat::option_value(value);
  return out;
}

void run_rag_ask(Context &ctx, const RagOptions &o) {
  const rag::RagSettings settings = rag::load_rag_settings(ctx.config().source);
  rag::AskOptions ao;
  ao.k = o.k.value_or(settings.k);
  ao.context_tokens = o.context_tokens.value_or(settings.context_tokens);
  ao.lexical_only = o.lexical;
  ao.model_spec = o.model;
  ao.options = rag_options_json(o.options);
  ao.max_cost_usd = o.max_cost;
  const std::string question = rag_query_text(o);
  bool streamed = false;
  rag::AskResult r = rag::ask(ctx.config(), ctx.plugins(), ctx.db(), o.name, question, ao, [&](std::string_view delta) {
    if (o.json) return;
    out::write(delta);
    streamed = true;
  });
  const json sources = rag::sources_json(r.prompt, r.cited);
  const std::optional<std::string> unoffered = chat::unoffered_tool_calls(r.turn);
  if (o.json) {
    json doc = {{"answer", r.turn.text}, {"model", r.turn.model.text()}, {"sources", sources}, {"cited", r.cited}};
    if (r.turn.input_tokens) doc["usage"]["input_tokens"] = *r.turn.input_tokens;
    if (r.turn.output_tokens) doc["usage"]["output_tokens"] = *r.turn.output_tokens;
    if (unoffered) {
      doc["tool_calls"] = r.turn.tool_calls;
      doc["error"] = *unoffered;
    }
    out::line(out::json_text(doc));
    chat::require_no_tool_calls(r.turn);
    return;
  }
  if (streamed && !r.turn.text.empty() && r.turn.text.back() != '\n') out::write("\n");
  chat::require_no_tool_calls(r.turn); // after what was streamed, never instead of it
  out::write("\n");
  for (const std::string &line : rag::cited_source_lines(r.prompt, r.cited)) out::line(line);
}

json collection_json(const rag::CollectionInfo &c) {
  json j = {{"name", c.name},         {"documents", c.documents},   {"chunks", c.chunks},
            {"vectors", c.vectors},   {"bytes", c.bytes},           {"created_at", c.created_at},
            {"updated_at", c.updated_at}};
  j["embed_model"] = c.embed_model.empty() ? json() : json(c.embed_model);
  j["dimensions"] = c.dimensions > 0 ? json(c.dimensions) : json();
  return j;
}

void run_rag_list(Context &ctx, const RagOptions &o) {
  std::vector<rag::CollectionInfo> all;
  if (ctx.has_database()) all = rag::Collections(ctx.db()).list();
  if (o.json) {
    json list = json::array();
    for (const auto &c : all) list.push_back(collection_json(c));
    out::line(out::json_text(list));
    return;
  }
  if (all.empty()) {
    out::line("no collection yet ('webox rag index NAME PATHS...' makes one)");
    return;
  }
  for (const auto &c : all)
    out::line(c.name + "  " + std::to_string(c.documents) + " documents, " + std::to_string(c.chunks) + " chunks, " +
              (c.embed_model.empty() ? std::string("lexical") : c.embed_model + " (" + std::to_string(c.dimensions) + ")") +
              ", updated " + c.updated_at);
}

void run_rag_show(Context &ctx, const RagOptions &o) {
  rag::CollectionInfo c = rag::require_collection(ctx.db(), o.name);
  if (o.json) {
    out::line(out::json_text(collection_json(c)));
    return;
  }
  out::line("collection  " + c.name);
  out::line("retrieval   " + (c.embed_model.empty() ? std::string("lexical (BM25)")
                                                     : "hybrid: " + c.embed_model + ", " + std::to_string(c.dimensions) +
                                                           " dimensions + BM25"));
  out::line("documents   " + std::to_string(c.documents) + " (" + text::human_size(static_cast<size_t>(c.bytes)) + ")");
  out::line("chunks      " + std::to_string(c.chunks) + (c.vectors ? ", " + std::to_string(c.vectors) + " vectors" : ""));
  out::line("created     " + c.created_at);
  out::line("updated     " + c.updated_at);
}

void run_rag_drop(Context &ctx, const RagOptions &o) {
  rag::validate_collection_name(o.name);
  if (!ctx.has_database() || !rag::Collections(ctx.db()).drop(o.name))
    throw UsageError("no collection named '" + o.name + "' (see 'webox rag list')");
  out::line("dropped " + o.name);
}

CLI::App *rag_sub(CLI::App *rag, Context &ctx, const char *name, const char *help, std::shared_ptr<RagOptions> o,
                  void (*run)(Context &, const RagOptions &)) {
  CLI::App *cmd = rag->add_subcommand(name, help);
  cmd->callback([&ctx, o, run] { ctx.command = [&ctx, o, run] { run(ctx, *o); }; });
  cmd->footer(kRagExamples);
  return cmd;
}

} // namespace

void setup_rag(CLI::App *rag, Context &ctx) {
  rag->require_subcommand(1);
  rag->footer(kRagExamples);
  auto o = std::make_shared<RagOptions>();

  CLI::App *index = rag_sub(rag, ctx, "index", "Index files and folders into a collection (incremental)", o, run_rag_index);
  index->add_option("name", o->name, "The collection")->required()->type_name("NAME");
  index->add_option("paths", o->paths, "Files and folders (with --rebuild: default, the collection's own)")
      ->type_name("PATH");
  index->add_flag("--rebuild", o->rebuild,
                  "Re-read, re-chunk and re-embed every stored file (under PATHS, if given); resumable");
  index->add_option("-m,--model", o->model, "Embedding model (hybrid retrieval); default rag.embed_model, else none")
      ->type_name("MODEL");
  index->add_option("--dimensions", o->dimensions, "Ask the embedding model for vectors this long")
      ->check(CLI::Range(int64_t{1}, int64_t{16384}))
      ->type_name("N");
  index->add_option("--max-cost", o->max_cost, "Refuse (exit 5) an embedding call that could pass this (USD)")
      ->type_name("USD");
  index->add_flag("--json", o->json, "Print a JSON summary");

  CLI::App *search = rag_sub(rag, ctx, "search", "Search a collection: path, lines, score, snippet", o, run_rag_search);
  search->add_option("name", o->name, "The collection")->required()->type_name("NAME");
  search->add_option("query", o->words, "What to look for")->required()->type_name("QUERY");
  search->add_option("-k", o->k, "How many results (default 5, rag.k)")->check(CLI::Range(1, 1000));
  search->add_option("-m,--model", o->model, "The collection's embedding model (checked)")->type_name("MODEL");
  search->add_flag("--lexical", o->lexical, "BM25 only, even with embeddings (offline)");
  search->add_option("--max-cost", o->max_cost, "Refuse (exit 5) a query embedding that could pass this (USD)")
      ->type_name("USD");
  search->add_flag("--json", o->json, R"(Print [{"path","start_line","end_line","score","heading","text"}])");

  CLI::App *ask = rag_sub(rag, ctx, "ask", "Answer a question from a collection, citing its sources", o, run_rag_ask);
  ask->add_option("name", o->name, "The collection")->required()->type_name("NAME");
  ask->add_option("question", o->words, "The question")->required()->type_name("QUESTION");
  ask->add_option("-m,--model", o->model, "The chat model (default: as webox chat)")->type_name("MODEL");
  ask->add_option("-k", o->k, "How many chunks to retrieve (default 5, rag.k)")->check(CLI::Range(1, 1000));
  ask->add_option("--context-tokens", o->context_tokens, "Room for sources in the prompt (default 3000)")
      ->check(CLI::Range(int64_t{100}, int64_t{1000000}))
      ->type_name("N");
  ask->add_option("-o,--option", o->options, "Model option key=value (repeatable)")->type_name("KEY=VALUE");
  ask->add_flag("--lexical", o->lexical, "BM25 retrieval only, even with embeddings");
  ask->add_option("--max-cost", o->max_cost, "Refuse (exit 5) when a call could cost more (USD)")->type_name("USD");
  ask->add_flag("--json", o->json, "Print one JSON object: answer, model, sources, cited, usage (no streaming)");

  CLI::App *list = rag_sub(rag, ctx, "list", "List the collections", o, run_rag_list);
  list->add_flag("--json", o->json, "Print a JSON list");
  CLI::App *show = rag_sub(rag, ctx, "show", "Show a collection: model, documents, chunks", o, run_rag_show);
  show->add_option("name", o->name, "The collection")->required()->type_name("NAME");
  show->add_flag("--json", o->json, "Print a JSON object");
  CLI::App *drop = rag_sub(rag, ctx, "drop", "Delete a collection and its index", o, run_rag_drop);
  drop->add_option("name", o->name, "The collection")->required()->type_name("NAME");
}

WEBOX_COMMAND(27, "rag", "Search and ask your documents: collections, BM25 or hybrid retrieval", setup_rag);

} // namespace webox::cli
