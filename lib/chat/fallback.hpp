// Fallback chains: when a model cannot answer for a reason that another model
// does not share (rate limited, overloaded, 5xx, network, timeout — after
// the host's own retries), the next model of the chain answers. Reasons that
// would fail again elsewhere or that the user must fix (a wrong key, an
// exhausted quota, a bad request) stop the chain. A chain never falls back
// once text was printed: the user would get two answers glued together.
//
// A model that was rate limited is remembered in the store (`cooldowns`)
// until its Retry-After (or a minute) has passed, so that the next webox
// process — a cron job a minute later — goes straight to the fallback. The
// server's wait is believed up to http.max_cooldown_ms (10 minutes by
// default): a `Retry-After: 100000` must not bench a model for a day.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/chat/attachments.hpp"
#include "lib/chat/turn.hpp"
#include "lib/core/config.hpp"
#include "lib/plugin/provider.hpp"

namespace webox::store {
class Db;
}
namespace webox::plugin {
class Registry;
}

namespace webox::chat {

// "@fast" names a chain from the config; anything else is one model. Extra
// `fallbacks` follow, duplicates dropped. Throws webox::UsageError.
std::vector<ModelRef> resolve_chain(const std::string &spec, const std::vector<std::string> &fallbacks,
                                    const Config &config, plugin::Registry &registry);

std::string chain_text(const std::vector<ModelRef> &chain);

bool worth_falling_back(webox_status status);

struct ChainLink {
  ModelRef model;
  plugin::ProviderBinding binding; // resolved up front, on the main thread
};

// What each link's plugin manifest says of PDFs sent whole ("pdf"), for
// route_pdfs.
std::vector<PdfTarget> pdf_targets(const std::vector<ChainLink> &links);

// Binds every model of `chain` (loads plugins: main thread only).
std::vector<ChainLink> bind_chain(const std::vector<ModelRef> &chain, const Config &config,
                                  plugin::Registry &registry);

struct Attempt {
  TurnResult turn;
  std::string status;                 // "ok", "error", "cancelled", "skipped"
  std::string error;
  webox_status code = WEBOX_OK;
  std::optional<int64_t> retry_after_ms;
  std::exception_ptr failure;         // rethrow to report the failure
};

struct ChainResult {
  std::vector<Attempt> attempts;
  bool answered() const { return !attempts.empty() && attempts.back().status == "ok"; }
  const Attempt &last() const { return attempts.back(); }
  // "openai:gpt-4o > anthropic:claude-haiku-4-5" when more than one model was tried.
  std::string tried() const;
};

// Called when `failed` gives way to `next` (for a note on stderr).
using FallbackNote = std::function<void(const Attempt &failed, const ModelRef &next)>;

// Runs the chain. Thread-safe as long as each thread has its own links.
ChainResult run_chain(const std::vector<ChainLink> &links, const std::set<std::string> &cooling_down,
                      const nlohmann::json &messages, const nlohmann::json &options, Streaming streaming,
                      const DeltaSink &on_delta, const FallbackNote &on_fallback,
                      const nlohmann::json &tools = nlohmann::json());

inline constexpr int64_t kDefaultMaxCooldownMs = 600'000;

// http.max_cooldown_ms, or its default.
int64_t max_cooldown_ms(const Config &config);

// How long a model rate limited with the server's `retry_after_ms` is
// skipped: the hint within (0, max_ms], else a minute (itself capped).
int64_t cooldown_ms(std::optional<int64_t> retry_after_ms, int64_t max_ms);

// Models still cooling down after a rate limit.
std::set<std::string> load_cooldowns(store::Db &db);
// Remembers rate-limited models of `result`, forgets those that answered.
// Cooldowns stored longer than `max_ms` (by an older webox, or before the
// setting was lowered) are cut down to it.
void save_cooldowns(store::Db &db, const ChainResult &result, int64_t max_ms);

} // namespace webox::chat
