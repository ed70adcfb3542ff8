#include "lib/leads/optout/optout_words.hpp"

#include <cstdint>

namespace webox::leads {
namespace {

// U+00C0..U+00FF folded to ASCII ("" = keep the character as it is).
constexpr const char *kLatin1Fold[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",  // C0-CF
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "",  "ss", // D0-DF
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",  // E0-EF
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "",  "y",  // F0-FF
};

// One UTF-8 sequence at s[i]: its code point and length (a broken byte is
// taken alone, as itself).
uint32_t optout_decode(std::string_view s, size_t i, size_t &len) {
  const auto b = static_cast<unsigned char>(s[i]);
  len = 1;
  if (b < 0x80) return b;
  size_t n = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0xFFFD;
  uint32_t cp = b & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (c & 0x3F);
  }
  len = n;
  return cp;
}

bool optout_is_space(uint32_t cp) { return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0 || cp == 0x202F; }

// A word character: ASCII letters and digits, and any byte of a non-ASCII
// character (a letter of another script must not end a word).
bool optout_word_byte(char c) {
  const auto b = static_cast<unsigned char>(c);
  return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b >= 0x80;
}

} // namespace

OptoutWordLists default_optout_words() {
  return {
      {"en", {"stop", "unsubscribe", "opt out", "opt-out", "do not contact me", "don't contact me", "stop messaging me",
              "remove me from your list"}},
      {"fr", {"stop", "désinscrire", "désinscrivez-moi", "désinscription", "désabonner", "désabonnez-moi",
              "ne plus me contacter", "ne me contactez plus", "ne m'écrivez plus", "arrêtez de m'écrire"}},
  };
}

std::string fold_for_optout(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    const uint32_t cp = optout_decode(s, i, len);
    if (optout_is_space(cp)) {
      space = true;
      i += len;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    if (cp >= 'A' && cp <= 'Z') out += static_cast<char>(cp - 'A' + 'a');
    else if (cp >= 0xC0 && cp <= 0xFF && *kLatin1Fold[cp - 0xC0]) out += kLatin1Fold[cp - 0xC0];
    else if (cp == 0x152 || cp == 0x153) out += "oe";
    else if (cp == 0x2019 || cp == 0x2018 || cp == 0x02BC) out += '\'';
    else out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

OptoutWords::OptoutWords(const OptoutWordLists &lists) {
  for (const auto &[language, words] : lists)
    for (const auto &w : words) {
      std::string folded = fold_for_optout(w);
      if (folded.empty()) continue;
      bool seen = false;
      for (const auto &p : m_phrases) seen = seen || p.folded == folded;
      if (!seen) m_phrases.push_back({std::move(folded), w});
    }
}

std::string OptoutWords::find(std::string_view text) const {
  if (m_phrases.empty() || text.empty()) return {};
  const std::string folded = fold_for_optout(text);
  for (const auto &p : m_phrases) {
    for (size_t at = folded.find(p.folded); at != std::string::npos; at = folded.find(p.folded, at + 1)) {
      const size_t end = at + p.folded.size();
      // Whole words: no word character just outside the match (a phrase
      // starting or ending with punctuation is bounded by it already).
      const bool starts = at == 0 || !optout_word_byte(folded[at - 1]) || !optout_word_byte(p.folded.front());
      const bool ends = end == folded.size() || !optout_word_byte(folded[end]) || !optout_word_byte(p.folded.back());
      if (starts && ends) return p.original;
    }
  }
  return {};
}

} // namespace webox::leads
