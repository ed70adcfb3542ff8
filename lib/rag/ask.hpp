// Answers grounded in a collection: the retrieved chunks, numbered, go into
// the prompt under a token budget; the model is asked to cite them as [n];
// the sources it cited are listed after the answer.
//
// build_grounded_messages() is what `rag ask` and `chat --rag` share: it
// only builds messages, so a chat session can send them with its own turn.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/chat/turn.hpp"
#include "lib/rag/search.hpp"

namespace webox {
struct Config;
namespace plugin {
class Registry;
}
namespace store {
class Db;
}
} // namespace webox

namespace webox::rag {

// Default room for sources in the prompt, in (high-side estimated) tokens.
constexpr int64_t kDefaultContextTokens = 3000;

struct GroundedPrompt {
  std::string system;              // the instructions (cite [n], say when the sources do not answer)
  std::string user;                // the numbered sources, then the question
  std::vector<Hit> sources;        // sources[n - 1] is [n]; those that fit the budget
  nlohmann::json messages() const; // [{"role":"system"},{"role":"user"}]
};

// The numbered sources block of a grounded prompt ("[1] path:3-9 (heading)\n
// text\n\n" ...): numbers `hits` in order and keeps those that fit
// `context_tokens` (estimated at 3 bytes a token); a chunk that alone passes
// the budget is cut at a character boundary. The first source is always
// kept. `kept` gets the hits kept, [n] being kept[n - 1]. A workflow's
// retrieve: step gives it as {{steps.ID.text}}.
std::string numbered_sources(const std::vector<Hit> &hits, int64_t context_tokens, std::vector<Hit> &kept);

// The prompt: the numbered sources (as above), then the question.
GroundedPrompt build_grounded_prompt(const std::string &question, const std::vector<Hit> &hits,
                                     int64_t context_tokens = kDefaultContextTokens);

// The source numbers cited as [n] (or [n, m]) in `answer`, in order of first
// citation, each within 1..count.
std::vector<int> cited_sources(std::string_view answer, size_t count);

// What follows an answer on a terminal: "Sources:" then one line a cited
// source ("[2] notes/lyon.md:3-9  (Voyage > Train)"), or one line saying the
// answer cites none of those given.
std::vector<std::string> cited_source_lines(const GroundedPrompt &prompt, const std::vector<int> &cited);

// The same for --json: every source given, [{"n","path","start_line",
// "end_line","score","heading","cited"}].
nlohmann::json sources_json(const GroundedPrompt &prompt, const std::vector<int> &cited);

struct AskOptions {
  size_t k = 5;
  int64_t context_tokens = kDefaultContextTokens;
  bool lexical_only = false;
  std::string model_spec;         // the chat model
  nlohmann::json options = nlohmann::json::object(); // -o key=value for the chat model
  std::optional<double> max_cost_usd;
};

struct AskResult {
  GroundedPrompt prompt;
  chat::TurnResult turn;
  std::vector<int> cited;
};

// Retrieves, asks (streaming each delta to `on_delta`), logs the call.
// With no hit it throws webox::Error naming the collection (nothing is sent).
AskResult ask(const Config &config, plugin::Registry &plugins, store::Db &db, const std::string &collection,
              const std::string &question, const AskOptions &options, const chat::DeltaSink &on_delta);

} // namespace webox::rag
