#include "lib/rag/ask.hpp"

#include <algorithm>
#include <cctype>

#include "lib/chat/budget.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/chat/prices.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/rag/retrieve.hpp"
#include "lib/store/calls.hpp"

namespace webox::rag {

using nlohmann::json;

namespace {

constexpr const char *kGroundedSystem =
    "Answer the question using only the numbered sources below. Cite every statement with the number of its "
    "source in square brackets, like [1] or [2][3]. If the sources do not contain the answer, say so plainly "
    "instead of guessing. Answer in the language of the question.";

std::string source_label(const Hit &h) {
  std::string label = h.path + ":" + std::to_string(h.line_start) + "-" + std::to_string(h.line_end);
  if (!h.heading.empty()) label += " (" + h.heading + ")";
  return label;
}

size_t cut_at_char(std::string_view text, size_t cut) {
  if (cut >= text.size()) return text.size();
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

} // namespace

json GroundedPrompt::messages() const {
  return json::array({{{"role", "system"}, {"content", system}}, {{"role", "user"}, {"content", user}}});
}

std::vector<std::string> cited_source_lines(const GroundedPrompt &prompt, const std::vector<int> &cited) {
  if (cited.empty())
    return {"Sources: the answer cites none of the " + std::to_string(prompt.sources.size()) + " given"};
  std::vector<std::string> lines = {"Sources:"};
  for (int n : cited) {
    const Hit &h = prompt.sources[static_cast<size_t>(n - 1)];
    lines.push_back("[" + std::to_string(n) + "] " + h.path + ":" + std::to_string(h.line_start) + "-" +
                    std::to_string(h.line_end) + (h.heading.empty() ? "" : "  (" + h.heading + ")"));
  }
  return lines;
}

json sources_json(const GroundedPrompt &prompt, const std::vector<int> &cited) {
  json list = json::array();
  for (size_t i = 0; i < prompt.sources.size(); ++i) {
    const Hit &h = prompt.sources[i];
    list.push_back({{"n", i + 1},
                    {"path", h.path},
                    {"start_line", h.line_start},
                    {"end_line", h.line_end},
                    {"score", h.score},
                    {"heading", h.heading},
                    {"cited", std::find(cited.begin(), cited.end(), static_cast<int>(i + 1)) != cited.end()}});
  }
  return list;
}

std::string numbered_sources(const std::vector<Hit> &hits, int64_t context_tokens, std::vector<Hit> &kept) {
  const size_t budget_bytes = static_cast<size_t>(std::max<int64_t>(context_tokens, 1)) * 3;
  std::string sources;
  for (const Hit &h : hits) {
    const size_t n = kept.size() + 1;
    std::string block = "[" + std::to_string(n) + "] " + source_label(h) + "\n" + h.text + "\n\n";
    if (sources.size() + block.size() > budget_bytes) {
      if (!kept.empty()) break;
      block = block.substr(0, cut_at_char(block, budget_bytes)) + "\n\n"; // the best source, cut to fit
    }
    sources += block;
    kept.push_back(h);
  }
  return sources;
}

GroundedPrompt build_grounded_prompt(const std::string &question, const std::vector<Hit> &hits, int64_t context_tokens) {
  GroundedPrompt p;
  p.system = kGroundedSystem;
  p.user = "Sources:\n\n" + numbered_sources(hits, context_tokens, p.sources) + "Question: " + question;
  return p;
}

std::vector<int> cited_sources(std::string_view answer, size_t count) {
  std::vector<int> out;
  for (size_t i = 0; i < answer.size(); ++i) {
    if (answer[i] != '[') continue;
    size_t j = i + 1;
    // [1], [1, 2], [1][2]
    while (j < answer.size()) {
      size_t start = j;
      int n = 0;
      while (j < answer.size() && std::isdigit(static_cast<unsigned char>(answer[j])) && j - start < 4)
        n = n * 10 + (answer[j++] - '0');
      if (j == start) break;
      if (n >= 1 && static_cast<size_t>(n) <= count && std::find(out.begin(), out.end(), n) == out.end())
        out.push_back(n);
      if (j < answer.size() && answer[j] == ',') {
        ++j;
        while (j < answer.size() && answer[j] == ' ') ++j;
        continue;
      }
      break;
    }
  }
  return out;
}

AskResult ask(const Config &config, plugin::Registry &plugins, store::Db &db, const std::string &collection,
              const std::string &question, const AskOptions &options, const chat::DeltaSink &on_delta) {
  RetrieveOptions ro;
  ro.k = options.k;
  ro.lexical_only = options.lexical_only;
  ro.max_cost_usd = options.max_cost_usd;
  Retrieval found = retrieve(config, plugins, db, collection, question, ro);
  if (found.hits.empty())
    throw Error("nothing in collection " + collection + " matches the question; nothing was sent to the model");

  AskResult result;
  result.prompt = build_grounded_prompt(question, found.hits, options.context_tokens);
  const json messages = result.prompt.messages();

  const std::string spec = options.model_spec.empty() ? chat::default_model_spec(config) : options.model_spec;
  chat::ModelRef model = chat::resolve_model(spec, config, plugins);
  const chat::PriceTable prices = chat::PriceTable::for_config(config);
  chat::Budget(config, &db, options.max_cost_usd).check({chat::estimate_call(prices, model, messages, options.options)});
  plugin::Provider provider(plugin::bind_provider(plugins, config, model.provider));

  store::CallRecord record;
  record.provider = model.provider;
  record.model = model.model;
  record.system = result.prompt.system;
  record.prompt = result.prompt.user;
  record.options_json = options.options.dump();
  chat::TurnResult partial;
  try {
    result.turn = chat::run_turn(provider, model, messages, options.options, chat::Streaming::yes, on_delta, &partial);
  } catch (const plugin::ProviderError &e) {
    record.response = partial.text;
    record.status = e.status() == WEBOX_E_CANCELLED ? "cancelled" : "error";
    record.error = logging::redact(e.what());
    record.latency_ms = partial.latency_ms;
    store::Calls(db).record(record, model.text());
    throw;
  }
  chat::TurnResult &t = result.turn;
  t.cost = prices.cost(model.provider, model.model, t.input_tokens, t.output_tokens);
  record.resolved_model = t.resolved_model;
  record.response = t.text;
  record.input_tokens = t.input_tokens.value_or(-1);
  record.output_tokens = t.output_tokens.value_or(-1);
  record.latency_ms = t.latency_ms;
  record.ttft_ms = t.ttft_ms.value_or(-1);
  record.cost = t.cost;
  record.status = "ok";
  store::Calls(db).record(record, model.text());
  result.cited = cited_sources(t.text, result.prompt.sources.size());
  return result;
}

} // namespace webox::rag
