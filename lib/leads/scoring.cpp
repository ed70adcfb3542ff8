// Interest scoring; the rationale for every default is in scoring.hpp.
#include "lib/leads/scoring.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>
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

double raw_points(std::vector<ScoredEvent> events, bool has_phone, int64_t now, const ScoringSettings &s) {
  // Newest first, so a daily cap keeps the most recent (highest-weighted) events.
  std::sort(events.begin(), events.end(), [](const ScoredEvent &a, const ScoredEvent &b) { return a.timestamp > b.timestamp; });
  // In that order the day never increases, so the per-(day, kind) counts
  // and the distinct recent days need only the current day's state, not a
  // map and a set per person (rescoring 100,000 people after an import
  // allocated in both for every event).
  constexpr int64_t kNoDay = std::numeric_limits<int64_t>::min();
  int64_t day_of_counts = kNoDay, last_recent_day = kNoDay;
  std::array<int, 5> per_kind{};
  size_t recent_days = 0;
  double raw = 0;
  for (const ScoredEvent &e : events) {
    double age_days = std::max<double>(0, static_cast<double>(now - e.timestamp) / 86400.0);
    if (age_days > s.max_age_days) continue;
    int64_t day = e.timestamp >= 0 ? e.timestamp / 86400 : (e.timestamp - 86399) / 86400;
    if (day != day_of_counts) {
      day_of_counts = day;
      per_kind.fill(0);
    }
    size_t k = static_cast<size_t>(e.kind);
    int &count = per_kind[k];
    if (s.daily_cap[k] > 0 && count >= s.daily_cap[k]) continue;
    ++count;
    double w = s.weight[k];
    if (e.intent && (e.kind == Kind::comment || e.kind == Kind::reply || e.kind == Kind::dm)) w += s.intent_bonus;
    raw += w * std::pow(0.5, age_days / s.half_life_days);
    if (age_days <= 30 && day != last_recent_day) {
      last_recent_day = day;
      ++recent_days;
    }
  }
  if (recent_days > 1)
    raw += s.repeat_day_bonus * static_cast<double>(std::min<size_t>(recent_days - 1, static_cast<size_t>(s.repeat_max_days)));
  if (has_phone) raw += s.phone_bonus;
  return raw;
}

int score(double raw, const ScoringSettings &s) {
  if (raw <= 0 || s.saturation <= 0) return 0;
  return static_cast<int>(std::lround(100.0 * (1.0 - std::exp(-raw / s.saturation))));
}

} // namespace webox::leads
