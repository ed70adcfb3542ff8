#include "lib/chat/budget.hpp"

#include <ctime>
#include <map>


#include "lib/core/error.hpp"
#include "lib/store/db.hpp"

namespace webox::chat {
namespace {

// "2026-11-23T00:00:00.000Z" (day) or "2026-11-01T00:00:00.000Z" (month), UTC.
std::string start_of(bool month) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  if (month) tm.tm_mday = 1;
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return std::string(buf) + "T00:00:00.000Z";
}

[[noreturn]] void refuse(const std::string &why) { throw Error(why, ExitCode::quota); }

std::string describe(const CallEstimate &e) {
  std::string basis = e.basis.empty() ? "about " + std::to_string(e.prompt_tokens) + " prompt tokens + " +
                                            std::to_string(e.max_output_tokens) + " answer tokens"
                                      : e.basis;
  return e.model.text() + " up to " + format_cost(e.worst_case_usd) + ", " + basis;
}

} // namespace

// An image part (ABI 1.4) is billed by its pixels, not by its base64: the
// providers' own formulas stay under this for the sizes they accept
// (Anthropic about 1,600 tokens, OpenAI high detail about 1,100 per
// 1024x1024 tile set); counting its base64 as text would refuse a 1 MB
// image as 450,000 tokens.
constexpr int64_t kTokensPerImage = 2000;

// A PDF sent whole (a document part) is billed by its pages: the host puts
// its estimate in the part ("input_tokens": pages times the manifest's
// "pdf.tokens_per_page"); without one, this figure a page, the top of
// Anthropic's documented 1,500 to 3,000 (text plus a page image).
constexpr int64_t kTokensPerPdfPage = 3000;

int64_t document_tokens(const nlohmann::json &part) {
  if (auto t = part.find("input_tokens"); t != part.end() && t->is_number_integer() && t->get<int64_t>() > 0)
    return t->get<int64_t>();
  int64_t pages = 1;
  if (auto p = part.find("pages"); p != part.end() && p->is_number_integer() && p->get<int64_t>() > 0)
    pages = p->get<int64_t>();
  return pages * kTokensPerPdfPage;
}

bool is_part_list(const nlohmann::json &m) {
  return m.is_object() && m.contains("content") && m["content"].is_array() && !m.contains("tool_calls");
}

int64_t part_list_tokens(const nlohmann::json &parts) {
  int64_t tokens = 4;
  for (const auto &p : parts) {
    if (p.is_object() && p.value("type", "") == "image") tokens += kTokensPerImage;
    else if (p.is_object() && p.value("type", "") == "document") tokens += document_tokens(p);
    else tokens += static_cast<int64_t>((p.dump().size() + 2) / 3);
  }
  return tokens;
}

int64_t estimate_prompt_tokens(const nlohmann::json &messages) {
  int64_t tokens = 3;
  for (const auto &m : messages) {
    if (is_part_list(m)) {
      tokens += part_list_tokens(m["content"]);
      continue;
    }
    // A message with tool calls sends them too: count the whole message.
    size_t bytes = m.is_object() && m.contains("content") && m["content"].is_string() && !m.contains("tool_calls")
                       ? m["content"].get_ref<const std::string &>().size()
                       : m.dump().size();
    tokens += static_cast<int64_t>((bytes + 2) / 3) + 4;
  }
  return tokens;
}

CallEstimate estimate_call(const PriceTable &prices, const ModelRef &model, const nlohmann::json &messages,
                           const nlohmann::json &options) {
  CallEstimate e;
  e.model = model;
  e.prompt_tokens = estimate_prompt_tokens(messages);
  e.max_output_tokens = kAssumedMaxOutputTokens;
  if (options.is_object() && options.contains("max_tokens") && options["max_tokens"].is_number_integer())
    e.max_output_tokens = options["max_tokens"].get<int64_t>();
  e.worst_case_usd = prices.cost(model.provider, model.model, e.prompt_tokens, e.max_output_tokens);
  return e;
}

CallEstimate estimate_chain(const PriceTable &prices, const std::vector<ModelRef> &chain,
                            const nlohmann::json &messages, const nlohmann::json &options) {
  std::optional<CallEstimate> worst;
  for (const auto &m : chain) {
    CallEstimate e = estimate_call(prices, m, messages, options);
    if (!worst || !e.worst_case_usd || (worst->worst_case_usd && *e.worst_case_usd > *worst->worst_case_usd))
      worst = e;
    if (!worst->worst_case_usd) break;
  }
  return *worst;
}

Budget::Budget(const Config &config, store::Db *db, std::optional<double> max_cost_usd)
    : m_config(config), m_db(db), m_max_cost(max_cost_usd) {}

bool Budget::caps_configured() const {
  const Budgets &b = m_config.budgets;
  bool caps = b.overall.daily > 0 || b.overall.monthly > 0;
  for (const auto &[provider, c] : b.providers) caps = caps || c.daily > 0 || c.monthly > 0;
  return caps;
}

bool Budget::active() const { return m_max_cost.has_value() || caps_configured(); }

double Budget::spent_since(const std::string &since_iso, const std::string &provider) const {
  if (!m_db) return 0;
  // Model calls and media (images, speech, transcriptions) alike.
  const std::string of_provider = provider.empty() ? "" : " AND provider = ?";
  const std::string sql = "SELECT (SELECT COALESCE(SUM(cost), 0) FROM calls WHERE created_at >= ?" + of_provider +
                          ") + (SELECT COALESCE(SUM(cost), 0) FROM media WHERE created_at >= ?" + of_provider + ")";
  store::Statement st(*m_db, sql);
  int i = 1;
  for (int table = 0; table < 2; ++table) {
    st.bind(i++, since_iso);
    if (!provider.empty()) st.bind(i++, provider);
  }
  st.executeStep();
  return st.getColumn(0).getDouble();
}

void Budget::check(const std::vector<CallEstimate> &calls, double spent_here) const {
  if (!active()) return;
  double total = 0;
  std::map<std::string, double> by_provider;
  for (const auto &c : calls) {
    if (!c.worst_case_usd)
      refuse("cannot keep to the budget: " + c.model.text() +
             " has no known price (add it under 'prices:' in config.yaml); nothing was sent");
    total += *c.worst_case_usd;
    by_provider[c.model.provider] += *c.worst_case_usd;
  }
  // One line: an error is one line (the calls in parentheses).
  auto detail = [&] {
    std::string d;
    for (const auto &c : calls) d += (d.empty() ? " (" : "; ") + describe(c);
    return d.empty() ? d : d + ")";
  };
  if (m_max_cost && spent_here + total > *m_max_cost)
    refuse("over --max-cost " + format_cost(*m_max_cost) + ": " +
           (spent_here > 0 ? format_cost(spent_here) + " spent, " : std::string()) + "this could cost up to " +
           format_cost(total) + (spent_here > 0 ? " more" : "") + "; nothing was sent" + detail());

  struct Window {
    const char *name;
    std::string since;
    double BudgetCaps::*cap;
  };
  const Window windows[] = {{"daily", start_of(false), &BudgetCaps::daily},
                            {"monthly", start_of(true), &BudgetCaps::monthly}};
  for (const auto &w : windows) {
    double cap = m_config.budgets.overall.*(w.cap);
    if (cap > 0) {
      double spent = spent_since(w.since, "");
      if (spent + total > cap)
        refuse(std::string(w.name) + " budget " + format_cost(cap) + ": " + format_cost(spent) +
               " spent, this could cost up to " + format_cost(total) + "; nothing was sent" + detail());
    }
    for (const auto &[provider, amount] : by_provider) {
      auto it = m_config.budgets.providers.find(provider);
      if (it == m_config.budgets.providers.end()) continue;
      double pcap = it->second.*(w.cap);
      if (pcap <= 0) continue;
      double spent = spent_since(w.since, provider);
      if (spent + amount > pcap)
        refuse(std::string(w.name) + " budget of " + provider + " " + format_cost(pcap) + ": " +
               format_cost(spent) + " spent, this could cost up to " + format_cost(amount) +
               "; nothing was sent" + detail());
    }
  }
}

} // namespace webox::chat
