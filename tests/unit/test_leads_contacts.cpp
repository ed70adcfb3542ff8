// Phone detection runs through webox-phones.so (found next to the test
// binary, as for webox itself) and e-mail detection through the scanner.
#include <catch2/catch.hpp>

#include <cstdio>
#include <utility>

#include "lib/leads/contacts/contacts.hpp"

using namespace webox::leads;

namespace {

PhoneDetector &detector() {
  static PhoneDetector d({"FR", "BE"});
  return d;
}

std::vector<std::string> phones(const std::string &text) {
  std::vector<std::string> out;
  for (const auto &m : detector().find(text)) out.push_back(m.value);
  return out;
}

using List = std::vector<std::string>;

} // namespace

TEST_CASE("the phones module is found", "[leads][phones]") { CHECK(detector().engine() == "libphonenumber"); }

TEST_CASE("French numbers in every common spelling", "[leads][phones]") {
  const List mobile{"+33612345678"};
  for (const char *text : {"06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "0612345678", "06 1234 5678",
                           "+33 6 12 34 56 78", "+33612345678", "0033 6 12 34 56 78", "+33 (0)6 12 34 56 78",
                           "+33 06 12 34 56 78", "06\u00a012\u00a034\u00a056\u00a078", "06\u202f12\u202f34\u202f56\u202f78",
                           "06/12/34/56/78", "tel:0612345678", "Appelle-moi 😀 06 12 34 56 78 !",
                           "Mon numéro : 06 12 34 56 78", "\uff10\uff16\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18"}) {
    INFO(text);
    CHECK(phones(text) == mobile);
  }
  CHECK(phones("07 98 76 54 32 ou 01 23 45 67 89") == List{"+33798765432", "+33123456789"});
  CHECK(phones("fixe 01.23.45.67.89, fax 0033 1 98 76 54 32") == List{"+33123456789", "+33198765432"});
}

TEST_CASE("international and overseas numbers", "[leads][phones]") {
  CHECK(phones("+32 470 12 34 56") == List{"+32470123456"});
  CHECK(phones("US +1 650-253-0000") == List{"+16502530000"});
  CHECK(phones("010 23 45 67") == List{"+3210234567"});     // BE from leads.phone_regions (9 digits: not French)
  CHECK(phones("0470 12 34 56") == List{"+33470123456"});   // valid in FR too, and FR comes first
  CHECK(phones("0690 12 34 56") == List{"+590690123456"});  // Guadeloupe, not +33
}

TEST_CASE("decoys are rejected", "[leads][phones]") {
  for (const char *text : {"commande n° 0612345678", "Commande 123456789", "facture 01 23 45 67 89", "Réf: 01 23 45 67 89",
                           "suivi colis 0612345678", "#0612345678", "le 12/03/2024 à 14h", "né le 1985-03-12",
                           "prix 0612345678 €", "coût 1 234 567,89 €", "06 12 34 56 78 89", "06 12 34 56 7", "75011 Paris",
                           "code postal 13008", "IBAN FR76 3000 6000 0112 3456 7890 189", "6 12 34 56 78", "Magnifique !"}) {
    INFO(text);
    CHECK(phones(text).empty());
  }
}

TEST_CASE("offsets are UTF-8 bytes into the original text", "[leads][phones]") {
  auto m = detector().find("Appelle-moi à 06\u202f12\u202f34\u202f56\u202f78");
  REQUIRE(m.size() == 1);
  CHECK(m[0].offset == 15);
  CHECK(m[0].raw == "06\u202f12\u202f34\u202f56\u202f78");
  CHECK(m[0].type == "mobile");
}

TEST_CASE("e-mail addresses", "[leads][emails]") {
  auto emails = [](const std::string &text) {
    List out;
    for (const auto &m : find_emails(text)) out.push_back(m.value);
    return out;
  };
  CHECK(emails("écris à Marie.Dupont+shop@Exemple.FR.") == List{"Marie.Dupont+shop@exemple.fr"});
  CHECK(emails("a@b.co, c.d@e-f.example.org") == List{"a@b.co", "c.d@e-f.example.org"});
  CHECK(emails("merci @marie.dupont !").empty());  // a mention, not an address
  CHECK(emails("x@localhost").empty());
  CHECK(emails("x@-bad.fr y@bad-.fr z@a..fr").empty());
  CHECK(emails("a..b@exemple.fr").empty());
  CHECK(emails("prix 10€ @ 2h").empty());
}

TEST_CASE("the cheap digit filter", "[leads][phones]") {
  CHECK(may_hold_phone("06 12 34 56 78"));
  CHECK_FALSE(may_hold_phone("Commande 1234567"));
}

// ---- Long texts: the matcher runs window by window (phones_module.cpp) ----

namespace {

// Every spelling and decoy above, in prose: each part alone is one window,
// so its matches are those of one matcher pass.
const std::vector<std::string> &parts() {
  static const std::vector<std::string> p = {
      "Dispo ? 06 12 34 56 78", "Mon numéro : 06.12.34.56.79 merci", "+33 6 12 34 56 80 ou 07 98 76 54 32",
      "fixe 01.23.45.67.89, fax 0033 1 98 76 54 32", "06\u202f12\u202f34\u202f56\u202f81", "06/12/34/56/82",
      "tel:0612345683", "Appelle-moi 😀 06 12 34 56 84 !", "+32 470 12 34 56", "US +1 650-253-0000",
      "commande n° 0612345678", "le 12/03/2024 à 14h", "prix 0612345678 €", "06 12 34 56 78 89", "75011 Paris",
      "IBAN FR76 3000 6000 0112 3456 7890 189", "Magnifique ! Bravo pour ce travail", "(06) 12 34 56 85",
      "\uff10\uff16\uff11\uff12\uff13\uff14\uff15\uff16\uff18\uff16", "0 6 1 2 3 4 5 6 8 7", "ext 06 12 34 56 88 poste 12",
  };
  return p;
}

struct Joined {
  std::string text;
  std::vector<ContactMatch> expected;
};

// parts() repeated `copies` times, joined by `separator`; `expected` holds
// what each part gives alone, moved to its place in the whole.
Joined join_parts(int copies, const std::string &separator) {
  Joined j;
  for (int c = 0; c < copies; ++c)
    for (const auto &part : parts()) {
      if (!j.text.empty()) j.text += separator;
      for (auto m : detector().find(part)) {
        m.offset += j.text.size();
        j.expected.push_back(m);
      }
      j.text += part;
    }
  return j;
}

void check_same(const std::vector<ContactMatch> &got, const std::vector<ContactMatch> &want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("match " << i << ": " << want[i].raw);
    CHECK(got[i].value == want[i].value);
    CHECK(got[i].raw == want[i].raw);
    CHECK(got[i].offset == want[i].offset);
    CHECK(got[i].type == want[i].type);
  }
}

// "06 12 34 00 00, 06 12 34 00 01, ...": one run of characters that may all
// belong to a number, with no place where the matcher is sure to restart.
std::string number_list(int count) {
  std::string text;
  char buf[32];
  for (int i = 0; i < count; ++i) {
    std::snprintf(buf, sizeof buf, "%s06 %02d %02d %02d %02d", i ? ", " : "", 10 + i / 10000 % 90, i / 100 % 100, i % 100, 42);
    text += buf;
  }
  return text;
}

} // namespace

TEST_CASE("a long text gives what its parts give", "[leads][phones]") {
  // Separators with a character no number holds: each part then reads alone.
  for (const char *separator : {"\nMerci beaucoup pour votre réponse rapide !\n", " | ", ". Puis ", "\n"}) {
    INFO("separator: '" << separator << "'");
    Joined j = join_parts(120, separator);
    REQUIRE(j.text.size() > 4 * 2048);
    check_same(detector().find(j.text), j.expected);
  }
}

TEST_CASE("a long list of numbers gives every number", "[leads][phones]") {
  for (int count : {1, 500, 5000}) {
    std::string text = number_list(count);
    auto found = detector().find(text);
    REQUIRE(found.size() == static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
      INFO(i);
      CHECK(found[static_cast<size_t>(i)].offset == static_cast<size_t>(i) * 16);
      CHECK(found[static_cast<size_t>(i)].raw.size() == 14);
    }
  }
}

// Not a timing test: the module counts its matcher's work (bytes handed to
// it times the candidates they can hold), and twice the text must cost
// about twice the work. One matcher pass over the whole text, as before the
// windows, costs four times as much: it re-reads the rest of the text for
// every candidate.
TEST_CASE("phone detection work grows linearly with the text", "[leads][phones]") {
  auto work = [](const std::string &text) {
    detector().find(text);
    return static_cast<double>(detector().last_matcher_work());
  };
  for (auto [small, large] : {std::pair{number_list(2000), number_list(4000)},
                              std::pair{join_parts(60, " | ").text, join_parts(120, " | ").text},
                              std::pair{std::string(40000, '7'), std::string(80000, '7')},
                              std::pair{join_parts(60, "\n").text, join_parts(120, "\n").text}}) {
    double w_small = work(small), w_large = work(large);
    INFO("work " << w_small << " for " << small.size() << " bytes, " << w_large << " for " << large.size());
    REQUIRE(w_small > 0);
    CHECK(w_large / w_small < 2.5);
    CHECK(w_large / static_cast<double>(large.size()) < 8192);  // one pass: the digit runs of the text
  }
}
