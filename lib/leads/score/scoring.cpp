// Interest scoring; the rationale for every default is in scoring.hpp.
#include "lib/leads/score/scoring.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <utility>
#include <string>

namespace webox::leads {
namespace {

// Lower-cased ASCII keywords, matched on word boundaries. French first: the
// product's users write in French; the English ones cost nothing.
constexpr std::string_view kIntentWords[] = {
    "prix", "tarif", "tarifs", "dispo", "disponible", "infos", "info", "mp", "dm", "combien", "devis",
    "commander", "acheter", "contact", "contactez", "rappeler", "price", "cost", "available", "interested",
};

bool is_word_byte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

} // namespace

bool has_intent(std::string_view text) {
  if (text.find('?') != std::string_view::npos) return true;
  // One pass over the words (runs of word bytes, as the boundaries are
  // defined), each compared with the keywords of its length: an import
  // calls this for every line.
  constexpr size_t kLongest = 10;
  static_assert([] {
    size_t longest = 0;
    for (std::string_view w : kIntentWords) longest = std::max(longest, w.size());
    return longest;
  }() <= kLongest);
  char word[kLongest];
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && !is_word_byte(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && is_word_byte(static_cast<unsigned char>(text[i]))) ++i;
    size_t len = i - start;
    if (len == 0 || len > kLongest) continue;
    for (size_t k = 0; k < len; ++k) word[k] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[start + k])));
    std::string_view w(word, len);
    for (std::string_view intent : kIntentWords)
      if (intent == w) return true;
  }
  return false;
}

double raw_points(const std::vector<ScoredEvent> &events, bool has_phone, int64_t now, const ScoringSettings &s) {
  // What each event is worth now, grouped by kind, most first. Reused per
  // thread: rescoring 100,000 people after an import calls this for each.
  thread_local std::vector<std::pair<size_t, double>> worth;
  worth.clear();
  for (const ScoredEvent &e : events) {
    double age_days = std::max<double>(0, static_cast<double>(now - e.timestamp) / 86400.0);
    if (age_days > s.max_age_days) continue;
    size_t k = static_cast<size_t>(e.kind);
    double w = s.weight[k];
    if (e.intent && (e.kind == Kind::comment || e.kind == Kind::reply || e.kind == Kind::dm)) w += s.intent_bonus;
    worth.emplace_back(k, w * std::pow(0.5, age_days / s.half_life_days));
  }
  std::sort(worth.begin(), worth.end(), [](const auto &a, const auto &b) { return a.first != b.first ? a.first < b.first : a.second > b.second; });
  // The cap keeps the `cap` events of a kind worth most, whenever they
  // happened: what a cap per day would do is not monotone (see scoring.hpp).
  double raw = 0;
  std::array<int, 5> counted{};
  for (const auto &[k, value] : worth) {
    if (s.cap[k] > 0 && counted[k] >= s.cap[k]) continue;
    ++counted[k];
    raw += value;
  }
  if (has_phone) raw += s.phone_bonus;
  return raw;
}

int score(double raw, const ScoringSettings &s) {
  if (raw <= 0 || s.saturation <= 0) return 0;
  return static_cast<int>(std::lround(100.0 * (1.0 - std::exp(-raw / s.saturation))));
}

} // namespace webox::leads
