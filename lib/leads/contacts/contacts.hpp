// Contact details written in an interaction's text: phone numbers and
// e-mail addresses.
//
// Phones: libphonenumber lives in a separate module, webox-phones.so, opened
// with dlopen the first time a text holds at least 8 digits (so most texts
// never pay for it, and `webox --version` never does). Search order:
// WEBOX_PHONES_MODULE, <exe>/../lib/webox/modules, the install prefix. When
// the module is missing, a built-in pattern for French numbers (0X or
// +33/0033, then four pairs) stands in and a warning says so once.
//
// E-mails: a hand-written scanner. No Debian library does just "find e-mail
// addresses in text" (the validators check a whole string, and a regex
// engine would be a heavier dependency than these fifty lines).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace webox::leads {

struct ContactMatch {
  std::string kind;   // "phone" or "email"
  std::string value;  // E.164 ("+33612345678") or the address, domain lower-cased
  std::string raw;    // as written in the text
  size_t offset = 0;  // UTF-8 byte offset of `raw` in the text
  std::string region; // phones: "FR", "GP", ...
  std::string type;   // phones: "mobile", "fixed_line", ...
};

// True when `text` holds at least 8 ASCII or full-width digits: the cheap
// filter before the matcher.
bool may_hold_phone(std::string_view text);

// The ASCII digits of `s`, in order: what search compares phones by
// ("06 12" finds 06.12.34...).
std::string digits_of(std::string_view s);

std::vector<ContactMatch> find_emails(std::string_view text);

// find() may be called from several threads at once (the JSONL import scans
// texts on worker threads): the module is loaded once, under a once_flag,
// and libphonenumber's matcher is thread-safe.
class PhoneDetector {
public:
  // `regions` are tried in order; FR is put first when absent.
  explicit PhoneDetector(std::vector<std::string> regions = {"FR"});
  ~PhoneDetector();
  PhoneDetector(const PhoneDetector &) = delete;
  PhoneDetector &operator=(const PhoneDetector &) = delete;

  std::vector<ContactMatch> find(std::string_view text);
  // "libphonenumber" or "built-in French pattern"; loads the module.
  std::string engine();
  // The module's measure of the work of its last find() on this thread
  // (bytes handed to libphonenumber's matcher times the digit runs in them;
  // see phones_module.cpp), 0 without the module. Lets a unit test check
  // that detection stays linear in the text without timing it.
  size_t last_matcher_work();

private:
  struct Module;
  void load();
  void load_once();
  std::string m_regions;
  std::unique_ptr<Module> m_module;
  std::once_flag m_loaded;
};

// Phones and e-mails together, in text order.
std::vector<ContactMatch> find_contacts(PhoneDetector &phones, std::string_view text);

} // namespace webox::leads
