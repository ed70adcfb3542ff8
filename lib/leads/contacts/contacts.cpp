// Phone and e-mail detection; see contacts.hpp for the why.
#include "lib/leads/contacts/contacts.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <dlfcn.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "lib/core/paths.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::leads {
namespace {

namespace fs = std::filesystem;

using FindFn = int (*)(const char *, size_t, const char *, char **, size_t *);
using FreeFn = void (*)(char *);
using WorkFn = size_t (*)();

bool is_local_char(unsigned char c) {
  return std::isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool is_domain_char(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; }

// Checks a domain: at least two labels, each 1-63 of [A-Za-z0-9-] not
// starting or ending with '-', the last one alphabetic and 2+ long.
bool valid_domain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  size_t labels = 0, start = 0;
  std::string_view last;
  for (;;) {
    size_t dot = d.find('.', start);
    std::string_view label = d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels < 2 || last.size() < 2) return false;
  return std::all_of(last.begin(), last.end(), [](unsigned char c) { return std::isalpha(c); });
}

// The fallback when webox-phones.so is missing: French numbers only,
// 0[1-9] or +33 / 0033 (optionally "(0)"), then four pairs, separators
// space . - allowed between pairs; no digit may touch either end.
std::vector<ContactMatch> french_pattern(std::string_view t) {
  std::vector<ContactMatch> out;
  auto digit = [&](size_t i) { return i < t.size() && t[i] >= '0' && t[i] <= '9'; };
  auto sep = [&](size_t i) { return i < t.size() && (t[i] == ' ' || t[i] == '.' || t[i] == '-'); };
  for (size_t i = 0; i < t.size(); ++i) {
    if (i > 0 && (digit(i - 1) || t[i - 1] == '+')) continue;
    size_t p = i;
    if (t.substr(p).starts_with("+33")) p += 3;
    else if (t.substr(p).starts_with("0033")) p += 4;
    else if (t[p] == '0' && digit(p + 1) && t[p + 1] != '0') p += 1;
    else continue;
    bool international = p != i + 1;
    if (international) {
      if (sep(p)) ++p;
      if (t.substr(p).starts_with("(0)")) p += 3;
      if (sep(p)) ++p;
      if (!digit(p) || t[p] == '0') continue;
    }
    std::string national = "0";
    national += t[p++];
    bool ok = true;
    for (int pair = 0; pair < 4 && ok; ++pair) {
      if (sep(p)) ++p;
      ok = digit(p) && digit(p + 1);
      if (ok) {
        national += t.substr(p, 2);
        p += 2;
      }
    }
    if (!ok || digit(p) || (sep(p) && digit(p + 1))) continue;
    out.push_back({"phone", "+33" + national.substr(1), std::string(t.substr(i, p - i)), i, "FR",
                   national[1] == '6' || national[1] == '7' ? "mobile" : "fixed_line"});
    i = p - 1;
  }
  return out;
}

fs::path find_module() {
  std::string env = paths::env("WEBOX_PHONES_MODULE");
  if (!env.empty()) return env;
  std::error_code ec;
  fs::path beside = paths::exe_dir().parent_path() / "lib" / "webox" / "modules" / "webox-phones.so";
  if (fs::exists(beside, ec)) return beside;
#ifdef WEBOX_INSTALL_PLUGIN_DIR
  fs::path installed = fs::path(WEBOX_INSTALL_PLUGIN_DIR).parent_path() / "modules" / "webox-phones.so";
  if (fs::exists(installed, ec)) return installed;
#endif
  return {};
}

} // namespace

struct PhoneDetector::Module {
  void *handle = nullptr;
  FindFn find = nullptr;
  FreeFn release = nullptr;
  WorkFn work = nullptr; // optional: modules before it lack it
  ~Module() {
    if (handle) ::dlclose(handle);
  }
};

bool may_hold_phone(std::string_view text) {
  int digits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= '0' && c <= '9') ++digits;
    // Full-width digits U+FF10..U+FF19 are EF BC 90..99.
    else if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBC &&
             static_cast<unsigned char>(text[i + 2]) >= 0x90 && static_cast<unsigned char>(text[i + 2]) <= 0x99)
      ++digits;
    if (digits >= 8) return true;
  }
  return false;
}

std::vector<ContactMatch> find_emails(std::string_view t) {
  std::vector<ContactMatch> out;
  size_t resume = 0;
  for (size_t at = t.find('@'); at != std::string_view::npos; at = t.find('@', at + 1)) {
    if (at < resume) continue;
    size_t start = at;
    while (start > resume && is_local_char(static_cast<unsigned char>(t[start - 1]))) --start;
    while (start < at && (t[start] == '.' || t[start] == '-' || t[start] == '+')) ++start; // punctuation before a word is not part of it
    size_t end = at + 1;
    while (end < t.size() && is_domain_char(static_cast<unsigned char>(t[end]))) ++end;
    while (end > at + 1 && (t[end - 1] == '.' || t[end - 1] == '-')) --end; // "écris à a@b.fr." ends the sentence
    std::string_view local = t.substr(start, at - start);
    std::string_view domain = t.substr(at + 1, end - at - 1);
    if (local.empty() || local.size() > 64 || local.back() == '.' || local.find("..") != std::string_view::npos) continue;
    if (!valid_domain(domain)) continue;
    std::string value(local);
    value += '@';
    for (char c : domain) value += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back({"email", value, std::string(t.substr(start, end - start)), start, "", ""});
    resume = end;
  }
  return out;
}

PhoneDetector::PhoneDetector(std::vector<std::string> regions) {
  if (std::find(regions.begin(), regions.end(), "FR") == regions.end()) regions.insert(regions.begin(), "FR");
  for (const auto &r : regions) m_regions += (m_regions.empty() ? "" : ",") + r;
}

PhoneDetector::~PhoneDetector() = default;

void PhoneDetector::load() {
  std::call_once(m_loaded, [this] { load_once(); });
}

void PhoneDetector::load_once() {
  fs::path path = find_module();
  if (path.empty()) {
    spdlog::warn("webox-phones.so not found: phone numbers are detected with the built-in French pattern only");
    return;
  }
  auto module = std::make_unique<Module>();
  module->handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!module->handle) {
    spdlog::warn("cannot load {}: {}; phone numbers are detected with the built-in French pattern only", path.string(),
                 ::dlerror());
    return;
  }
  module->find = reinterpret_cast<FindFn>(::dlsym(module->handle, "webox_phones_find_v1"));
  module->release = reinterpret_cast<FreeFn>(::dlsym(module->handle, "webox_phones_free_v1"));
  module->work = reinterpret_cast<WorkFn>(::dlsym(module->handle, "webox_phones_work_v1"));
  if (!module->find || !module->release) {
    spdlog::warn("{} is not a webox phones module; using the built-in French pattern", path.string());
    return;
  }
  m_module = std::move(module);
}

std::string PhoneDetector::engine() {
  load();
  return m_module ? "libphonenumber" : "built-in French pattern";
}

size_t PhoneDetector::last_matcher_work() {
  load();
  return m_module && m_module->work ? m_module->work() : 0;
}

std::vector<ContactMatch> PhoneDetector::find(std::string_view text) {
  if (!may_hold_phone(text)) return {};
  load();
  if (!m_module) return french_pattern(text);
  char *out = nullptr;
  size_t size = 0;
  int rc = m_module->find(text.data(), text.size(), m_regions.c_str(), &out, &size);
  std::string doc(out ? out : "", out ? size : 0);
  if (out) m_module->release(out);
  auto parsed = parse_json_or_discarded(doc);
  if (rc != 0 || !parsed.is_array()) {
    spdlog::warn("phone detection failed: {}", parsed.is_object() ? parsed.value("message", doc) : doc);
    return french_pattern(text);
  }
  std::vector<ContactMatch> matches;
  for (const auto &m : parsed)
    matches.push_back({"phone", m.value("e164", ""), m.value("raw", ""), m.value("offset", size_t{0}), m.value("region", ""),
                       m.value("type", "")});
  return matches;
}

std::vector<ContactMatch> find_contacts(PhoneDetector &phones, std::string_view text) {
  std::vector<ContactMatch> all = phones.find(text);
  if (text.find('@') != std::string_view::npos) {
    auto emails = find_emails(text);
    all.insert(all.end(), emails.begin(), emails.end());
  }
  std::sort(all.begin(), all.end(), [](const ContactMatch &a, const ContactMatch &b) { return a.offset < b.offset; });
  return all;
}

std::string digits_of(std::string_view s) {
  std::string d;
  for (char c : s)
    if (c >= '0' && c <= '9') d += c;
  return d;
}

} // namespace webox::leads
