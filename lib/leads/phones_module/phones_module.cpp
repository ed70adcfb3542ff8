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
#include <cstdlib>
#include <cstring>
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

json find(std::string_view input, const char *regions) {
  const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
  Normalized n = normalize(input);
  json found = json::array();
  std::vector<std::pair<size_t, size_t>> taken; // normalized [start, end) already claimed
  const std::vector<std::string> configured = split_regions(regions);
  std::vector<std::string> order = configured;
  const size_t configured_count = order.size();
  for (auto &r : overseas_regions(configured)) order.push_back(r);
  for (size_t ri = 0; ri < order.size(); ++ri) {
    const std::string &region = order[ri];
    if (ri == configured_count && !found.empty()) break;
    PhoneNumberMatcher matcher(util, n.text, region, PhoneNumberMatcher::VALID, 65535);
    PhoneNumberMatch m;
    while (matcher.HasNext() && matcher.Next(&m)) {
      size_t start = static_cast<size_t>(m.start());
      size_t end = start + m.raw_string().size();
      bool overlaps = false;
      for (auto [a, b] : taken) overlaps = overlaps || (start < b && a < end);
      if (overlaps) continue;
      const char *type = type_name(util.GetNumberType(m.number()));
      std::string raw(input.substr(n.origin[start], n.origin[end] - n.origin[start]));
      if (!type || touches_more_digits(n.text, start, end) || preceded_by_decoy_word(n.text, start) ||
          is_price(n.text, start, end) || looks_like_date(raw))
        continue;
      // A French mobile with a digit missing ("06 12 34 56 7") is valid in
      // some other numbering plans; written nationally, it is not theirs.
      std::string digits;
      for (char c : n.text.substr(start, end - start)) if (is_digit(c)) digits += c;
      if (region != "FR" && (digits.starts_with("06") || digits.starts_with("07")) && digits.size() != 10) continue;
      taken.emplace_back(start, end);
      std::string e164, number_region;
      util.Format(m.number(), PhoneNumberUtil::E164, &e164);
      util.GetRegionCodeForNumber(m.number(), &number_region);
      found.push_back({{"e164", e164}, {"raw", raw}, {"offset", n.origin[start]}, {"region", number_region}, {"type", type}});
    }
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
