// Phone detection runs through webox-phones.so (found next to the test
// binary, as for webox itself) and e-mail detection through the scanner.
#include <catch2/catch.hpp>

#include "lib/leads/contacts.hpp"

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
