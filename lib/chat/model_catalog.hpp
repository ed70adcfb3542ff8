// The model catalogue: every provider:model webox knows of, from what the
// endpoints said (the per-provider cache `webox models --refresh` writes)
// and from the plugins' manifests, with prices from data/prices.json.
//
// Reading it is offline and fast (manifests and a few small cache files):
// `webox models`, `models --search` and the resolution of a bare model name
// (`-m gpt-4o-mini`) all read it. Refreshing is lib/chat/model_refresh.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/core/config.hpp"

namespace webox::plugin {
class Registry;
}

namespace webox::chat {

struct CatalogEntry {
  std::string provider;                  // the instance: "openai", "lmstudio"
  std::string model;                     // as the provider names it
  std::string source;                    // "endpoint" (the cache) or "manifest"
  std::string display_name;              // "" = none given
  std::vector<std::string> capabilities; // chat, embeddings, images, audio, tools, vision; empty = not said
  std::optional<int64_t> context_window; // tokens, when the endpoint says
  std::optional<Price> price;            // data/prices.json and config overrides
  std::string text() const { return provider + ":" + model; }
};

// One provider's list as its endpoint gave it.
struct CachedList {
  std::string provider;
  int64_t fetched_at = 0; // unix seconds
  std::vector<CatalogEntry> models;
};

// A cached list older than this is stale: still used, but said
// (docs: webox-models(1), "CACHE").
constexpr int64_t kModelCacheTtlSeconds = 24 * 3600;

// $XDG_CACHE_HOME/webox/models/<provider>.json
std::filesystem::path model_cache_file(const std::string &provider);

// The cached list of `provider`, or nullopt when none (or it is unreadable:
// a cache is never worth an error).
std::optional<CachedList> read_cached_list(const std::string &provider);
void write_cached_list(const CachedList &list);

// Every entry: cached lists first (newest knowledge), then manifest models
// no cache already gave, sorted by provider then model.
std::vector<CatalogEntry> catalog(const Config &config, plugin::Registry &registry);

// The entries whose provider:model, display name or capabilities contain
// `text` (case-insensitive).
std::vector<CatalogEntry> search_catalog(const std::vector<CatalogEntry> &entries, const std::string &text);

// The providers that have `model` (exactly, case-sensitively): from the
// cached lists when any has it, else from the manifests.
std::vector<CatalogEntry> providers_of(const std::string &model, const Config &config, plugin::Registry &registry);

// Every model name of the catalogue (for "did you mean").
std::vector<std::string> model_names(const Config &config, plugin::Registry &registry);

nlohmann::json entry_json(const CatalogEntry &e);

// The providers whose cached list is older than kModelCacheTtlSeconds,
// with its age in seconds.
std::vector<std::pair<std::string, int64_t>> stale_lists(const Config &config, plugin::Registry &registry);

// An age for people: "40 s", "12 min", "5 h", "3 d".
std::string format_age(int64_t seconds);

} // namespace webox::chat
