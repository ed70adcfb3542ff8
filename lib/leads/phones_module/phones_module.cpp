// webox-phones.so: finds phone numbers in free text with libphonenumber and
// rejects the decoys the matcher lets through.
//
// THE INTERFACE is one C function (plus its free), so that libwebox needs no
// libphonenumber header and the module can be absent:
//
//   int webox_phones_find_v1(const char *text, size_t size, const char *regions,
//                            char **out_json, size_t *out_size);
//   void webox_phones_free_v1(char *json);
//
// `regions` is a comma-separated list of ISO region codes tried in order (FR
// first). The answer is a JSON array of {"e164", "raw", "offset" (UTF-8 byte
// offset into `text`), "region", "type"}. Returns 0, or -1 with a JSON
// {"message"} in *out_json.
//
// WHAT THE MATCHER GETS WRONG, and what this file adds (facts from
// ../shared/reference/social-apis.md §6, measured on libphonenumber 8.12.57):
//   - U+202F (French narrow no-break space), U+00A0, U+2007 and U+2009 as
//     separators defeat it; they are mapped to plain spaces first, keeping a
//     map back to the original byte offsets.
//   - Slashes between digit pairs ("06/12/34/56/78") look like a date to it;
//     a slash between two digits becomes a space. A real date then has 8
//     digits, which no French number has.
//   - Overseas departments use 10-digit "06.." look-alikes under other
//     country codes; GP, MQ, GF, RE, YT are tried when the configured
//     regions found nothing, so 0690 12 34 56 becomes +590690123456, not a
//     wrong +33.
//   - Decoys it accepts at VALID leniency: a valid-looking number right after
//     "commande", "facture", "réf", "suivi", "#", ... (order and tracking
//     numbers), a number followed by € or "euros" (a price), a digit run that
//     continues past the match ("06 12 34 56 78 89"), a dd/mm/yyyy date.
//     Those are refused here.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumbermatch.h>
#include <phonenumbers/phonenumbermatcher.h>
#include <phonenumbers/phonenumberutil.h>

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberMatch;
using i18n::phonenumbers::PhoneNumberMatcher;
using i18n::phonenumbers::PhoneNumberUtil;
using nlohmann::json;

constexpr const char *kOverseasRegions[] = {"GP", "MQ", "GF", "RE", "YT"};

// Words that, just before a number, make it an order, invoice, tracking or
// account number rather than a phone.
constexpr std::string_view kDecoyWords[] = {
    "commande", "cde", "order", "facture", "invoice", "ref", "réf", "reference", "référence", "colis",
    "suivi", "tracking", "siret", "siren", "iban", "ticket", "dossier", "transaction", "client", "code",
};

struct Normalized {
  std::string text;
  std::vector<size_t> origin; // origin[i] = byte offset in the input of text[i]; one extra at the end
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

Normalized normalize(std::string_view in) {
  Normalized n;
  n.text.reserve(in.size());
  n.origin.reserve(in.size() + 1);
  for (size_t i = 0; i < in.size();) {
    auto sv = in.substr(i);
    size_t skip = 0;
    if (sv.starts_with("\xC2\xA0")) skip = 2;                                                   // NBSP
    else if (sv.starts_with("\xE2\x80\xAF") || sv.starts_with("\xE2\x80\x87") || sv.starts_with("\xE2\x80\x89")) skip = 3; // narrow NBSP, figure, thin
    if (skip) {
      n.text += ' ';
      n.origin.push_back(i);
      i += skip;
      continue;
    }
    char c = in[i];
    if (c == '/' && i > 0 && i + 1 < in.size() && is_digit(in[i - 1]) && is_digit(in[i + 1])) c = ' ';
    n.text += c;
    n.origin.push_back(i);
    ++i;
  }
  n.origin.push_back(in.size());
  return n;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto &c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The digit run goes on past the match ("06 12 34 56 78 89"), or started
// before it: the number is part of something longer.
bool touches_more_digits(const std::string &t, size_t start, size_t end) {
  auto sep = [](char c) { return c == ' ' || c == '.' || c == '-'; };
  if (end < t.size() && is_digit(t[end])) return true;
  if (end + 1 < t.size() && sep(t[end]) && is_digit(t[end + 1])) return true;
  if (start > 0 && is_digit(t[start - 1])) return true;
  // Before the number only '.' and '-' glue digit groups; a space may just
  // end the previous sentence ("... 0000 +1 650 253 0000").
  if (start > 1 && (t[start - 1] == '.' || t[start - 1] == '-') && is_digit(t[start - 2])) return true;
  return false;
}

bool preceded_by_decoy_word(const std::string &t, size_t start) {
  size_t from = start > 32 ? start - 32 : 0;
  std::string before = lower_ascii(std::string_view(t).substr(from, start - from));
  // Drop what sits between a label and its number: spaces, ':', '#', "n°", "no", '.'.
  while (!before.empty()) {
    char c = before.back();
    if (c == ' ' || c == ':' || c == '#' || c == '.' || c == '-' || c == '=') {
      if (c == '#') return true; // "#0612345678": a hashtag or an order number, not a phone
      before.pop_back();
    } else if (before.ends_with("n\xC2\xB0")) { // n°
      before.resize(before.size() - 3);
    } else if (before.ends_with(" no") || before.ends_with(" num")) {
      before.resize(before.size() - (before.ends_with(" no") ? 3 : 4));
    } else {
      break;
    }
  }
  for (std::string_view w : kDecoyWords) {
    if (before.size() >= w.size() && before.ends_with(w)) {
      size_t at = before.size() - w.size();
      if (at == 0 || !std::isalnum(static_cast<unsigned char>(before[at - 1]))) return true;
    }
  }
  return false;
}

bool is_price(const std::string &t, size_t start, size_t end) {
  std::string after = lower_ascii(std::string_view(t).substr(end, 12));
  size_t i = 0;
  while (i < after.size() && after[i] == ' ') ++i;
  std::string_view rest = std::string_view(after).substr(i);
  if (rest.starts_with("\xE2\x82\xAC") || rest.starts_with("eur") || rest.starts_with("$") || rest.starts_with("k\xE2\x82\xAC") ||
      rest.starts_with("chf") || rest.starts_with("usd"))
    return true;
  size_t j = start;
  while (j > 0 && t[j - 1] == ' ') --j;
  std::string_view head = std::string_view(t).substr(0, j);
  return head.ends_with("\xE2\x82\xAC") || head.ends_with("$");
}

// dd/mm/yyyy or yyyy-mm-dd written in the original text.
bool looks_like_date(std::string_view raw) {
  int slashes = 0;
  for (char c : raw) slashes += c == '/';
  if (slashes == 2) return true;
  return raw.size() == 10 && raw[4] == '-' && raw[7] == '-' && (raw.starts_with("19") || raw.starts_with("20"));
}

const char *type_name(PhoneNumberUtil::PhoneNumberType type) {
  switch (type) {
    case PhoneNumberUtil::MOBILE: return "mobile";
    case PhoneNumberUtil::FIXED_LINE: return "fixed_line";
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE: return "fixed_line_or_mobile";
    case PhoneNumberUtil::VOIP: return "voip";
    case PhoneNumberUtil::TOLL_FREE: return "toll_free";
    case PhoneNumberUtil::PERSONAL_NUMBER: return "personal";
    case PhoneNumberUtil::UAN: return "uan";
    default: return nullptr; // premium rate, shared cost, pager, unknown: not a way to reach a person
  }
}

std::vector<std::string> split_regions(const char *regions) {
  std::vector<std::string> out;
  std::string cur;
  for (const char *p = regions ? regions : ""; ; ++p) {
    if (*p == ',' || *p == '\0') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      if (*p == '\0') break;
    } else if (*p != ' ') {
      cur += *p;
    }
  }
  if (out.empty()) out.push_back("FR");
  return out;
}

// The overseas regions not already configured: tried only when the
// configured ones found nothing (each matcher pass costs ~75 µs).
std::vector<std::string> overseas_regions(const std::vector<std::string> &configured) {
  std::vector<std::string> out;
  for (const char *r : kOverseasRegions) {
    bool present = false;
    for (const auto &x : configured) present = present || x == r;
    if (!present) out.push_back(r);
  }
  return out;
}

// ---- Windows: the matcher in linear time ----------------------------------
//
// PhoneNumberMatcher re-reads the rest of its text for every candidate (it
// converts text_.substr(index) to UTF-16 for each Find and back to UTF-8 for
// each candidate's offset): ~0.45 ms a candidate on a 600 KB line, 17 s for
// the line. So it is handed windows of at most kWindow bytes, one after the
// other, and its cost stays proportional to the text.
//
// A window ends on a "hard" character, one that no candidate of the
// matcher's pattern can hold (libphonenumber's PhoneNumberMatcherRegExps:
// digits, its punctuation, lead characters and the extension labels "ext",
// "anexo", "int", "x", "#", "~", ";ext=" can; an accented Latin letter, most
// ASCII letters and symbols, a newline, an emoji cannot), and the next window
// starts on that same character. No candidate crosses it, its neighbours see
// the same character on each side, and the matcher's scan restarts there
// exactly as it would in one pass: the matches are those of one pass over
// the whole text (only the matcher's try budget is counted per window).
// Texts up to kWindow bytes are one window, as before.
//
// A run longer than kWindow without a hard character (a list of numbers
// separated by ", ", digit junk) is cut after the last match that starts
// in the first kWindow - kOverlap bytes: the matcher resumes after a match
// too, so the scan is still exact. Without such a match the cut falls at
// kWindow - kOverlap, on a token boundary; only there may a number be read
// differently from one pass. kOverlap keeps whole every candidate that
// starts before the cut: one of ASCII text is under 600 bytes (21 blocks of
// at most 20 digits), unless an extension follows hundreds of spaces.
constexpr size_t kWindow = 2048;
constexpr size_t kOverlap = 768;

// Work of the last find() on this thread, for the unit test that guards
// linearity (webox_phones_work_v1): the bytes of each window handed to a
// matcher times the digit runs in it (every candidate starts one, and the
// matcher re-reads the rest of its window for each candidate), summed over
// regions. One pass over the whole text would cost text size × digit runs.
thread_local size_t t_work = 0;

bool is_ascii_hard(unsigned char c) {
  if (c < 0x20) return c != '\t'; // '\t' may separate an extension
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    // Letters of the extension labels (ext, extension, anexo, int, x); any
    // case: the pattern's extension part is case-insensitive.
    char lower = static_cast<char>(c | 0x20);
    return std::string_view("aeinostx").find(lower) == std::string_view::npos;
  }
  return std::string_view("!\"$%&'*<>?@\\^_`{|}").find(static_cast<char>(c)) != std::string_view::npos;
}

// Code points that no candidate can hold; anything not listed is taken as
// possibly part of one (safe: it only makes a window end elsewhere).
bool is_hard_code_point(char32_t c) {
  if (c >= 0xA1 && c <= 0xBF) return c != 0xAD;                       // ¡..¿ but the soft hyphen
  if (c >= 0xC0 && c <= 0x24F)                                         // accented Latin letters, but the ó of
    return c != 0xF3 && c != 0xD3 && c != 0x130 && c != 0x131 && c != 0x17F; // "extensión" and what folds to a label letter
  if (c >= 0x2016 && c <= 0x2052) return true;                         // quotes, dashes' neighbours, bullets, ‰
  if (c >= 0x20A0 && c <= 0x20CF) return true;                         // currency signs
  if (c >= 0x2600 && c <= 0x27BF) return true;                         // symbols, dingbats
  return c >= 0x1F300 && c <= 0x1FAFF;                                 // emoji
}

// hard[i] is true when a hard character starts at byte i of `t`.
std::vector<bool> hard_characters(const std::string &t) {
  std::vector<bool> hard(t.size(), false);
  for (size_t i = 0; i < t.size();) {
    unsigned char c = static_cast<unsigned char>(t[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (i + len > t.size()) len = 1;
    if (len == 1) {
      hard[i] = c < 0x80 && is_ascii_hard(c);
    } else {
      char32_t cp = c & (0x7F >> len);
      for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(t[i + k]) & 0x3F);
      hard[i] = is_hard_code_point(cp);
    }
    i += len;
  }
  return hard;
}

size_t digit_runs(std::string_view w) {
  size_t runs = 0;
  for (size_t i = 0; i < w.size(); ++i)
    if (is_digit(w[i]) && (i == 0 || !is_digit(w[i - 1]))) ++runs;
  return runs;
}

bool may_hold_digits(std::string_view w) {
  for (char c : w)
    if (is_digit(c) || static_cast<unsigned char>(c) >= 0x80) return true; // other scripts' digits are non-ASCII
  return false;
}

bool is_continuation_byte(const std::string &t, size_t i) {
  return i < t.size() && (static_cast<unsigned char>(t[i]) & 0xC0) == 0x80;
}

// Runs the matcher over [from, to) of `t` and calls on_match(start, end,
// number), in whole-text offsets and in order, for each match that starts
// before `accept_before`. Returns the end of the last one, 0 if none. (The
// number is used while the matcher holds it: copying a protobuf message
// here would need libprotobuf's type information, which the sanitizer
// build of this module does not link.)
template <class OnMatch>
size_t match_window(const PhoneNumberUtil &util, const std::string &t, size_t from, size_t to, const std::string &region,
                    size_t accept_before, OnMatch &on_match) {
  std::string_view view = std::string_view(t).substr(from, to - from);
  if (!may_hold_digits(view)) return 0;
  // The whole text (the common case: a comment is one window) is not copied.
  const bool whole = from == 0 && to == t.size();
  std::string copy = whole ? std::string() : std::string(view);
  const std::string &window = whole ? t : copy;
  t_work += window.size() * std::max<size_t>(1, digit_runs(view));
  PhoneNumberMatcher matcher(util, window, region, PhoneNumberMatcher::VALID, 65535);
  PhoneNumberMatch m;
  size_t last_end = 0;
  while (matcher.HasNext() && matcher.Next(&m)) {
    size_t start = from + static_cast<size_t>(m.start());
    if (start >= accept_before) break;
    last_end = start + m.raw_string().size();
    on_match(start, last_end, m.number());
  }
  return last_end;
}

// One pass of the matcher for `region` over `t`, window by window (see
// above); calls on_match(start, end, number) in text order.
template <class OnMatch>
void scan(const PhoneNumberUtil &util, const std::string &t, const std::vector<bool> &hard, const std::string &region,
          OnMatch on_match) {
  constexpr size_t kAll = std::numeric_limits<size_t>::max();
  size_t pos = 0;
  while (pos < t.size()) {
    if (t.size() - pos <= kWindow) {
      match_window(util, t, pos, t.size(), region, kAll, on_match);
      return;
    }
    size_t cut = pos + kWindow;
    while (cut > pos + 1 && !hard[cut - 1]) --cut;
    if (cut > pos + 1) {
      // A hard character starts at cut - 1: the window ends with it (whole:
      // the matcher refuses a text that is not valid UTF-8), the next one
      // starts on it.
      const size_t hard_at = cut - 1;
      size_t to = hard_at + 1;
      while (is_continuation_byte(t, to)) ++to;
      match_window(util, t, pos, to, region, kAll, on_match);
      pos = hard_at;
      continue;
    }
    size_t end = pos + kWindow;
    while (is_continuation_byte(t, end)) --end;
    const size_t keep_before = pos + kWindow - kOverlap;
    if (size_t resume = match_window(util, t, pos, end, region, keep_before, on_match); resume > pos) {
      pos = resume;
      continue;
    }
    // No match to resume after: cut where a token starts.
    size_t next = keep_before;
    while (next < end && (is_continuation_byte(t, next) || is_digit(t[next - 1]) ||
                          !(is_digit(t[next]) || t[next] == '+' || t[next] == '(')))
      ++next;
    pos = next < end ? next : keep_before;
    while (is_continuation_byte(t, pos)) ++pos;
  }
}

json find(std::string_view input, const char *regions) {
  const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
  t_work = 0;
  Normalized n = normalize(input);
  // Only a text longer than a window is cut (see scan).
  const std::vector<bool> hard = n.text.size() > kWindow ? hard_characters(n.text) : std::vector<bool>();
  json found = json::array();
  std::map<size_t, size_t> taken; // normalized [start, end) already claimed, by start
  auto overlaps = [&](size_t start, size_t end) {
    auto next = taken.lower_bound(start);
    if (next != taken.end() && next->first < end) return true;
    return next != taken.begin() && std::prev(next)->second > start;
  };
  const std::vector<std::string> configured = split_regions(regions);
  std::vector<std::string> order = configured;
  const size_t configured_count = order.size();
  for (auto &r : overseas_regions(configured)) order.push_back(r);
  for (size_t ri = 0; ri < order.size(); ++ri) {
    const std::string &region = order[ri];
    if (ri == configured_count && !found.empty()) break;
    scan(util, n.text, hard, region, [&](size_t start, size_t end, const PhoneNumber &number) {
      if (overlaps(start, end)) return;
      const char *type = type_name(util.GetNumberType(number));
      std::string raw(input.substr(n.origin[start], n.origin[end] - n.origin[start]));
      if (!type || touches_more_digits(n.text, start, end) || preceded_by_decoy_word(n.text, start) ||
          is_price(n.text, start, end) || looks_like_date(raw))
        return;
      // A French mobile with a digit missing ("06 12 34 56 7") is valid in
      // some other numbering plans; written nationally, it is not theirs.
      std::string digits;
      for (char c : std::string_view(n.text).substr(start, end - start))
        if (is_digit(c)) digits += c;
      if (region != "FR" && (digits.starts_with("06") || digits.starts_with("07")) && digits.size() != 10) return;
      taken.emplace(start, end);
      std::string e164, number_region;
      util.Format(number, PhoneNumberUtil::E164, &e164);
      util.GetRegionCodeForNumber(number, &number_region);
      found.push_back({{"e164", e164}, {"raw", raw}, {"offset", n.origin[start]}, {"region", number_region}, {"type", type}});
    });
  }
  return found;
}

char *copy_out(const std::string &s, size_t *size) {
  char *p = static_cast<char *>(std::malloc(s.size() + 1));
  if (!p) return nullptr;
  std::memcpy(p, s.data(), s.size() + 1);
  *size = s.size();
  return p;
}

} // namespace

extern "C" __attribute__((visibility("default"))) int webox_phones_find_v1(const char *text, size_t size, const char *regions,
                                                                            char **out_json, size_t *out_size) {
  try {
    std::string doc = find(std::string_view(text, size), regions).dump(-1, ' ', false, json::error_handler_t::replace);
    *out_json = copy_out(doc, out_size);
    return *out_json ? 0 : -1;
  } catch (const std::exception &e) {
    *out_json = copy_out(json{{"message", e.what()}}.dump(-1, ' ', false, json::error_handler_t::replace), out_size);
    return -1;
  }
}

extern "C" __attribute__((visibility("default"))) void webox_phones_free_v1(char *json_text) { std::free(json_text); }

// The work of this thread's last webox_phones_find_v1 (see t_work): lets
// the unit tests check that detection stays linear without timing it.
extern "C" __attribute__((visibility("default"))) size_t webox_phones_work_v1(void) { return t_work; }
