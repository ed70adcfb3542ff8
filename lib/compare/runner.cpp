#include "lib/compare/runner.hpp"

#include <algorithm>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "lib/chat/attachments.hpp"
#include "lib/chat/budget.hpp"
#include "lib/chat/call_log.hpp"
#include "lib/compare/judge.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/plugin/host_api.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"

namespace webox::compare {
namespace {

// The judge reads every answer; allow it room for a verdict and a consensus.
constexpr int64_t kJudgeAnswerTokens = 1500;

void require_key(const chat::ChainLink &link, const std::string &role) {
  const plugin::Manifest &m = link.binding.plugin->manifest;
  std::string key = link.binding.config.value("api_key_name", "");
  if (m.secrets.empty() && key == m.primary_secret()) return; // no key needed (ollama, echo)
  std::vector<std::string> names = m.secrets;
  if (!key.empty()) names.insert(names.begin(), key);
  for (const auto &n : names)
    if (plugin::lookup_secret(n, link.binding.instance, m.primary_secret())) return;
  throw Error(role + " " + link.model.text() + " has no API key: set " + (key.empty() ? m.primary_secret() : key) +
                  " or run 'webox keys set " + link.binding.instance + "'",
              ExitCode::config);
}

void fill_answer(ModelAnswer &answer, const chat::ChainResult &result) {
  const chat::Attempt &last = result.last();
  answer.text = last.turn.text;
  answer.ttft_ms = last.turn.ttft_ms;
  answer.latency_ms = 0;
  for (const auto &a : result.attempts) answer.latency_ms += a.turn.latency_ms;
  answer.input_tokens = last.turn.input_tokens;
  answer.output_tokens = last.turn.output_tokens;
  answer.cost = last.turn.cost;
  answer.answered_by = result.attempts.size() > 1 && result.answered() ? last.turn.model.text() : "";
  answer.error = result.answered() ? "" : logging::redact(last.error);
  if (auto unoffered = result.answered() ? chat::unoffered_tool_calls(last.turn) : std::nullopt) {
    answer.error = *unoffered;
    answer.tool_calls = last.turn.tool_calls;
  }
  answer.done = true;
}

} // namespace

CompareRun::CompareRun(plugin::Registry &registry, const Config &config, store::Db *db, CompareSettings settings,
                       const std::string &prompt)
    : m_config(config), m_db(db), m_settings(std::move(settings)), m_prompt(prompt),
      m_prices(chat::PriceTable::for_config(config)) {
  if (m_settings.models.empty()) throw UsageError("name the models to compare: -m provider:model (twice or more)");
  std::set<std::string> seen;
  for (const auto &spec : m_settings.models) {
    std::vector<chat::ModelRef> chain = chat::resolve_chain(spec, m_settings.fallbacks, m_config, registry);
    if (!seen.insert(chain.front().text()).second)
      throw UsageError("model " + chain.front().text() + " is listed twice");
    m_links.push_back(chat::bind_chain(chain, m_config, registry));
    m_chains.push_back(std::move(chain));
  }
  prepare_messages();

  std::vector<chat::CallEstimate> estimates;
  int64_t answer_tokens = 0;
  for (size_t i = 0; i < m_chains.size(); ++i) {
    chat::CallEstimate worst = chat::estimate_chain(m_prices, m_chains[i], m_messages[i], m_settings.options);
    answer_tokens += worst.max_output_tokens;
    estimates.push_back(worst);
  }
  if (!m_settings.judge.empty()) {
    chat::ModelRef judge = chat::resolve_model(m_settings.judge, m_config, registry);
    m_judge = chat::ChainLink{judge, plugin::bind_provider(registry, m_config, judge.provider)};
    require_key(*m_judge, "judge");
    const nlohmann::json judge_reads = nlohmann::json::array({{{"role", "user"}, {"content", m_prompt}}});
    chat::CallEstimate e = chat::estimate_call(m_prices, judge, judge_reads, {{"max_tokens", kJudgeAnswerTokens}});
    e.prompt_tokens += answer_tokens;
    e.worst_case_usd = m_prices.cost(judge.provider, judge.model, e.prompt_tokens, e.max_output_tokens);
    estimates.push_back(e);
  }
  chat::Budget(m_config, m_db, m_settings.max_cost).check(estimates);
  m_id = store::Calls::new_conversation_id();
}

// Each column's user message: images for every column (each must see
// them), PDFs whole or as text as the column's chain allows.
void CompareRun::prepare_messages() {
  const bool images = std::any_of(m_settings.attachments.begin(), m_settings.attachments.end(),
                                  [](const chat::Attachment &a) { return a.kind == chat::AttachmentKind::image; });
  if (images)
    for (const auto &links : m_links)
      for (const auto &link : links)
        if (std::string why = plugin::vision_refusal(link.binding.plugin->manifest, link.binding.instance, link.model.model);
            !why.empty())
          throw UsageError(why);
  for (const auto &links : m_links) {
    const std::vector<chat::PdfTarget> targets = chat::pdf_targets(links);
    const std::vector<bool> native = chat::route_pdfs(m_settings.attachments, m_settings.pdf, targets);
    const nlohmann::json parts = chat::media_parts(m_settings.attachments, native, chat::tokens_per_page_of(targets));
    m_prompts.push_back(chat::prompt_with_attachments(m_prompt, m_settings.attachments, native));
    nlohmann::json messages = nlohmann::json::array();
    if (!m_settings.system.empty()) messages.push_back({{"role", "system"}, {"content", m_settings.system}});
    messages.push_back({{"role", "user"}, {"content", chat::user_content(m_prompts.back(), parts)}});
    m_messages.push_back(std::move(messages));
  }
  // The judge and the report read the first column's prompt text.
  if (!m_prompts.empty()) m_prompt = m_prompts.front();
}

Report CompareRun::run(const std::function<void(const Report &)> &on_update) {
  Report report;
  report.id = m_id;
  report.prompt = m_prompt;
  for (const auto &chain : m_chains) {
    ModelAnswer answer;
    answer.model = chain.front().text();
    report.answers.push_back(std::move(answer));
  }
  std::set<std::string> cooling;
  if (m_db) cooling = chat::load_cooldowns(*m_db);

  std::mutex mutex;
  std::vector<chat::ChainResult> results(m_links.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < m_links.size(); ++i) {
    threads.emplace_back([&, i] {
      auto on_delta = [&](std::string_view delta) {
        std::lock_guard lock(mutex);
        ModelAnswer &a = report.answers[i];
        if (!a.ttft_ms) a.ttft_ms = 0; // replaced by the real figure when the column is done
        a.text.append(delta);
        on_update(report);
      };
      auto on_fallback = [&](const chat::Attempt &, const chat::ModelRef &next) {
        std::lock_guard lock(mutex);
        report.answers[i].text.clear(); // nothing was delivered before a fallback, by design
        report.answers[i].answered_by = next.text() + " (fallback)";
        on_update(report);
      };
      chat::ChainResult r = chat::run_chain(m_links[i], cooling, m_messages[i], m_settings.options,
                                            m_settings.streaming, on_delta, on_fallback);
      for (auto &a : r.attempts)
        a.turn.cost = m_prices.cost(a.turn.model.provider, a.turn.model.model, a.turn.input_tokens,
                                    a.turn.output_tokens);
      std::lock_guard lock(mutex);
      fill_answer(report.answers[i], r);
      results[i] = std::move(r);
      on_update(report);
    });
  }
  for (auto &t : threads) t.join();
  if (cancel::requested()) {
    record(results, m_prompts, m_settings.system);
    throw Interrupted();
  }
  record(results, m_prompts, m_settings.system);
  if (m_db) {
    for (const auto &r : results) chat::save_cooldowns(*m_db, r, chat::max_cooldown_ms(m_config));
  }
  if (m_judge && report.failures() < report.answers.size()) judge(report);
  return report;
}

void CompareRun::judge(Report &report) {
  unsigned seed = m_settings.seed ? *m_settings.seed : std::random_device{}();
  JudgeBallot ballot = make_ballot(report, seed);
  JudgeVerdict verdict;
  verdict.model = m_judge->model.text();
  verdict.seed = seed;
  nlohmann::json messages = {{{"role", "system"}, {"content", ballot.system}}, {{"role", "user"}, {"content", ballot.user}}};
  const nlohmann::json options = {{"max_tokens", kJudgeAnswerTokens}, {"temperature", 0}};
  double cost = 0;
  bool cost_known = true; // one unpriced reply makes the total unknown
  auto add_cost = [&](const chat::TurnResult &t) {
    auto c = m_prices.cost(t.model.provider, t.model.model, t.input_tokens, t.output_tokens);
    if (c) cost += *c;
    else cost_known = false;
  };
  std::vector<chat::ChainResult> calls;
  for (int attempt = 0; attempt < 2; ++attempt) {
    chat::ChainResult r = chat::run_chain({*m_judge}, {}, messages, options, chat::Streaming::no,
                                          [](std::string_view) {}, {});
    for (auto &a : r.attempts)
      a.turn.cost = m_prices.cost(a.turn.model.provider, a.turn.model.model, a.turn.input_tokens, a.turn.output_tokens);
    calls.push_back(r);
    if (!r.answered()) {
      verdict.error = r.last().error;
      break;
    }
    add_cost(r.last().turn);
    if (auto unoffered = chat::unoffered_tool_calls(r.last().turn)) {
      verdict.error = *unoffered;
      break;
    }
    try {
      JudgeVerdict parsed = parse_verdict(r.last().turn.text, ballot, report);
      parsed.model = verdict.model;
      parsed.cost = cost_known ? std::optional<double>(cost) : std::nullopt;
      verdict = parsed;
      break;
    } catch (const std::runtime_error &e) {
      verdict.error = std::string("the judge's reply is not a usable verdict: ") + e.what();
      if (attempt == 1) break;
      messages.push_back({{"role", "assistant"}, {"content", r.last().turn.text}});
      messages.push_back({{"role", "user"}, {"content", repair_request(e.what(), ballot)}});
    }
  }
  if (!verdict.error.empty() && calls.size() == 2 && calls.back().answered())
    verdict.error += " (after one repair attempt)";
  record(calls, std::vector<std::string>(calls.size(), ballot.user), ballot.system);
  report.judge = verdict;
}

void CompareRun::record(const std::vector<chat::ChainResult> &results, const std::vector<std::string> &prompts,
                        const std::string &system) {
  if (!m_db || !m_settings.log) return;
  store::Calls calls(*m_db);
  for (size_t i = 0; i < results.size() && i < prompts.size(); ++i)
    chat::log_chain(calls, results[i], {prompts[i], system, m_settings.options, "", m_id});
}

} // namespace webox::compare
