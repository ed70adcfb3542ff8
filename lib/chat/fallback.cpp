#include "lib/chat/fallback.hpp"

#include <algorithm>
#include <ctime>


#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/store/db.hpp"

namespace webox::chat {
namespace {

constexpr int64_t kDefaultCooldownMs = 60'000;

std::vector<std::string> chain_specs(const std::string &spec, const Config &config) {
  if (spec.empty() || spec.front() != '@') return {spec};
  auto it = config.fallbacks.find(spec.substr(1));
  if (it != config.fallbacks.end()) return it->second;
  std::string names;
  for (const auto &[name, chain] : config.fallbacks) names += (names.empty() ? "" : ", ") + ("@" + name);
  throw UsageError("no fallback chain '" + spec + "' in the config" +
                   (names.empty() ? std::string(" (define one under 'fallbacks:')") : " (known: " + names + ")"));
}

} // namespace

std::vector<ModelRef> resolve_chain(const std::string &spec, const std::vector<std::string> &fallbacks,
                                    const Config &config, plugin::Registry &registry) {
  std::vector<std::string> specs = chain_specs(spec, config);
  for (const auto &f : fallbacks)
    for (const auto &s : chain_specs(f, config)) specs.push_back(s);
  std::vector<ModelRef> chain;
  for (const auto &s : specs) {
    ModelRef m = resolve_model(s, config, registry);
    bool seen = false;
    for (const auto &c : chain) seen = seen || c.text() == m.text();
    if (!seen) chain.push_back(m);
  }
  return chain;
}

std::string chain_text(const std::vector<ModelRef> &chain) {
  std::string out;
  for (const auto &m : chain) out += (out.empty() ? "" : " > ") + m.text();
  return out;
}

bool worth_falling_back(webox_status status) {
  return status == WEBOX_E_RATE_LIMITED || status == WEBOX_E_NETWORK || status == WEBOX_E_TIMEOUT ||
         status == WEBOX_E_UPSTREAM;
}

std::vector<PdfTarget> pdf_targets(const std::vector<ChainLink> &links) {
  std::vector<PdfTarget> targets;
  for (const ChainLink &link : links) {
    const plugin::Manifest &m = link.binding.plugin->manifest;
    targets.push_back({link.binding.instance + ":" + link.model.model, plugin::accepts_native_pdf(m, link.model.model),
                       m.pdf.max_request_bytes, m.pdf.max_pages, m.pdf.tokens_per_page});
  }
  return targets;
}

std::vector<ChainLink> bind_chain(const std::vector<ModelRef> &chain, const Config &config,
                                  plugin::Registry &registry) {
  std::vector<ChainLink> links;
  for (const auto &m : chain) links.push_back({m, plugin::bind_provider(registry, config, m.provider)});
  return links;
}

std::string ChainResult::tried() const {
  if (attempts.size() < 2) return {};
  std::string out;
  for (const auto &a : attempts) out += (out.empty() ? "" : " > ") + a.turn.model.text();
  return out;
}

ChainResult run_chain(const std::vector<ChainLink> &links, const std::set<std::string> &cooling_down,
                      const nlohmann::json &messages, const nlohmann::json &options, Streaming streaming,
                      const DeltaSink &on_delta, const FallbackNote &on_fallback, const nlohmann::json &tools) {
  ChainResult result;
  for (size_t i = 0; i < links.size(); ++i) {
    const ChainLink &link = links[i];
    const bool last = i + 1 == links.size();
    Attempt attempt;
    attempt.turn.model = link.model;
    if (!last && cooling_down.count(link.model.text())) {
      attempt.status = "skipped";
      attempt.error = link.model.text() + " is cooling down after a rate limit";
      attempt.code = WEBOX_E_RATE_LIMITED;
      result.attempts.push_back(attempt);
      if (on_fallback) on_fallback(result.attempts.back(), links[i + 1].model);
      continue;
    }
    bool delivered = false;
    auto sink = [&](std::string_view delta) {
      delivered = true;
      on_delta(delta);
    };
    try {
      plugin::Provider provider(link.binding);
      attempt.turn = run_turn(provider, link.model, messages, options, streaming, sink, &attempt.turn, tools);
      attempt.status = "ok";
      result.attempts.push_back(std::move(attempt));
      return result;
    } catch (const plugin::ProviderError &e) {
      attempt.code = e.status();
      if (e.detail().is_object() && e.detail().contains("retry_after_ms") &&
          e.detail()["retry_after_ms"].is_number_integer())
        attempt.retry_after_ms = e.detail()["retry_after_ms"].get<int64_t>();
      attempt.error = e.what();
      attempt.failure = std::current_exception(); // only valid inside the handler
    } catch (const Error &e) {
      attempt.code = WEBOX_E_INTERNAL;
      attempt.error = e.what();
      attempt.failure = std::current_exception();
    }
    attempt.turn.model = link.model;
    attempt.status = cancel::requested() ? "cancelled" : "error";
    result.attempts.push_back(std::move(attempt));
    const Attempt &failed = result.attempts.back();
    if (last || delivered || cancel::requested() || !worth_falling_back(failed.code)) return result;
    if (on_fallback) on_fallback(failed, links[i + 1].model);
  }
  return result;
}

int64_t max_cooldown_ms(const Config &config) { return config.http.max_cooldown_ms.value_or(kDefaultMaxCooldownMs); }

int64_t cooldown_ms(std::optional<int64_t> retry_after_ms, int64_t max_ms) {
  // A server hint of "0" (or less) means "whenever you like", which says
  // nothing about how long the limit lasts: use the default then.
  int64_t wait_ms = retry_after_ms && *retry_after_ms > 0 ? *retry_after_ms : kDefaultCooldownMs;
  return std::clamp<int64_t>(wait_ms, 0, std::max<int64_t>(max_ms, 0));
}

std::set<std::string> load_cooldowns(store::Db &db) {
  std::set<std::string> out;
  store::Statement st(db, "SELECT model FROM cooldowns WHERE until_unix > ?");
  st.bind(1, static_cast<int64_t>(std::time(nullptr)));
  while (st.executeStep()) out.insert(st.getColumn(0).getString());
  return out;
}

void save_cooldowns(store::Db &db, const ChainResult &result, int64_t max_ms) {
  store::WriteTransaction tx(db);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const int64_t latest = now + (std::max<int64_t>(max_ms, 0) + 999) / 1000;
  store::Statement cut(db, "UPDATE cooldowns SET until_unix = ? WHERE until_unix > ?");
  cut.bind(1, latest);
  cut.bind(2, latest);
  cut.exec();
  for (const auto &a : result.attempts) {
    if (a.status == "ok") {
      store::Statement del(db, "DELETE FROM cooldowns WHERE model = ?");
      del.bind(1, a.turn.model.text());
      del.exec();
    } else if (a.status == "error" && a.code == WEBOX_E_RATE_LIMITED) {
      store::Statement put(db, "INSERT INTO cooldowns(model, until_unix, reason) VALUES(?, ?, ?) "
                                    "ON CONFLICT(model) DO UPDATE SET until_unix = excluded.until_unix, reason = excluded.reason");
      put.bind(1, a.turn.model.text());
      put.bind(2, now + (cooldown_ms(a.retry_after_ms, max_ms) + 999) / 1000);
      put.bind(3, a.error);
      put.exec();
    }
  }
  tx.commit();
}

} // namespace webox::chat
