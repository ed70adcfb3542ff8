#include "lib/media/text_split.hpp"

namespace webox::media {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// True when a sentence ends right before byte `i` (which is whitespace):
// . ! ? … and their closing quotes or brackets.
bool sentence_ends_before(std::string_view t, size_t i) {
  size_t j = i;
  while (j > 0 && (t[j - 1] == '"' || t[j - 1] == '\'' || t[j - 1] == ')' || t[j - 1] == ']')) --j;
  if (j >= 2 && t.substr(j - 2, 2) == "\xC2\xBB") j -= 2; // » closes a French quotation
  while (j > 0 && t[j - 1] == ' ') --j;                   // « Oui ! » has a space before »
  if (j == 0) return false;
  char c = t[j - 1];
  if (c == '.' || c == '!' || c == '?' || c == ';' || c == ':') return true;
  return j >= 3 && t.substr(j - 3, 3) == "\xE2\x80\xA6"; // …
}

} // namespace

size_t count_code_points(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += is_continuation(c) ? 0 : 1;
  return n;
}

std::vector<std::string> split_for_speech(std::string_view text, size_t max_chars) {
  if (max_chars == 0) max_chars = 1;
  std::vector<std::string> pieces;
  while (!text.empty()) {
    // The byte offset just past the first max_chars code points.
    size_t limit = 0, chars = 0;
    while (limit < text.size() && chars < max_chars) {
      ++limit;
      while (limit < text.size() && is_continuation(static_cast<unsigned char>(text[limit]))) ++limit;
      ++chars;
    }
    if (limit >= text.size()) {
      pieces.emplace_back(text);
      break;
    }
    // Prefer: after a sentence end, then after a line break, then after a space.
    size_t sentence = 0, line = 0, space = 0;
    for (size_t i = 1; i <= limit && i < text.size(); ++i) {
      if (!is_space(text[i]) || is_space(text[i - 1])) continue;
      // Cut after the whole run of whitespace that starts at i, if it fits.
      size_t end = i;
      while (end < text.size() && is_space(text[end])) ++end;
      if (end > limit) end = i + 1 <= limit ? i + 1 : i;
      if (sentence_ends_before(text, i)) sentence = end;
      if (text[i] == '\n') line = end;
      space = end;
    }
    size_t cut = sentence ? sentence : line ? line : space ? space : limit;
    pieces.emplace_back(text.substr(0, cut));
    text.remove_prefix(cut);
  }
  return pieces;
}

} // namespace webox::media
