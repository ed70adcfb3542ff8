// The JSONL import's fast path (simdjson) against the reference parser
// (nlohmann + interaction_from_json), and the LLM phone fallback's checks.
#include <catch2/catch.hpp>

#include "lib/leads/contacts/contacts.hpp"
#include "lib/leads/contacts/phone_fallback.hpp"
#include "lib/leads/collect/record.hpp"
#include "lib/leads/collect/record_fast.hpp"

using namespace webox::leads;

namespace {

// The fast path must either decline or agree with the reference parser.
void check_agrees(std::string line) {
  INFO(line);
  FastRecordReader fast;
  Interaction got;
  bool taken = fast.read(line, got);
  auto doc = nlohmann::json::parse(line, nullptr, false);
  std::optional<Interaction> want;
  if (!doc.is_discarded()) {
    try {
      want = interaction_from_json(doc);
    } catch (const RecordError &) {
    }
  }
  if (!taken) return; // declined: the reference parser decides
  REQUIRE(want.has_value());
  CHECK(got.platform == want->platform);
  CHECK(got.platform_id == want->platform_id);
  CHECK(got.kind == want->kind);
  CHECK(got.person.id == want->person.id);
  CHECK(got.person.username == want->person.username);
  CHECK(got.person.name == want->person.name);
  CHECK(got.text == want->text);
  CHECK(got.timestamp == want->timestamp);
  CHECK(got.post.has_value() == want->post.has_value());
  if (got.post && want->post) CHECK(got.post->id == want->post->id);
}

bool fast_takes(std::string line) {
  FastRecordReader fast;
  Interaction it;
  return fast.read(line, it);
}

} // namespace

TEST_CASE("the fast path reads the plain record like the reference parser", "[leads][import]") {
  const std::string plain =
      R"({"platform":"instagram","platform_id":"c1","kind":"comment","person":{"id":"9","username":"marie.dupont","name":"Marie"},)"
      R"("text":"Dispo ? \u00e9t\u00e9 \ud83d\ude00 06 12 34 56 78","timestamp":"2026-11-01T10:00:00+0000","post":"p1"})";
  CHECK(fast_takes(plain));
  check_agrees(plain);
  for (const char *line : {
           R"({"platform":"x","platform_id":"t1","kind":"dm","person":{"username":"bob"},"timestamp":1795000000})",
           R"({"platform":"x","platform_id":"t2","kind":"like","person":{"id":"9"},"timestamp":1795000000123})",
           R"({"platform":"x","platform_id":"t3","kind":"reply","person":{"id":"9"},"timestamp":"1795000000"})",
           R"({"platform":"x","platform_id":"t4","kind":"mention","person":{"id":"9"},"timestamp":"2026-11-01"})",
           R"({"platform":"","platform_id":"t5","kind":"mention","person":{"id":"9"},"timestamp":-5})",
           // Users' files: the username alone, other tools' kinds (issue 21).
           R"({"platform":"linkedin","platform_id":"r1","kind":"reaction","person":"marie.dupont","timestamp":1795000000})",
           R"({"platform":"linkedin","platform_id":"s1","kind":"share","person":"@marie.dupont","timestamp":1795000000})",
           R"({"platform":"x","platform_id":"rp1","kind":"repost","person":"jean","timestamp":1795000000})",
       }) {
    CHECK(fast_takes(line));
    check_agrees(line);
  }
}

TEST_CASE("the fast path declines what is not plain, and never disagrees", "[leads][import]") {
  for (const char *line : {
           "not json at all",
           "",
           "[1, 2]",
           R"({"platform":"x","platform_id":"t1","kind":"poke","person":{"id":"9"},"timestamp":1})",
           R"({"platform":"x","platform_id":"t1","kind":"like","person":{"id":"9"}})",
           R"({"platform":"x","platform_id":"","kind":"like","person":{"id":"9"},"timestamp":1})",
           R"({"platform":"x","platform_id":7,"kind":"like","person":{"id":9},"timestamp":1})",
           R"({"platform":"x","platform_id":"t1","kind":"like","person":{},"timestamp":1})",
           R"({"platform":"x","platform_id":"t1","kind":"like","person":{"id":"9"},"timestamp":1.5})",
           R"({"platform":"x","platform_id":"t1","kind":"like","person":{"id":"9"},"timestamp":"yesterday"})",
           R"({"platform":"x","platform_id":"t1","kind":"like","person":{"id":"9"},"timestamp":1,"text":null})",
           R"({"platform":"x","platform_id":"t1","kind":"like","person":{"id":"9"},"timestamp":1,"post":{"id":"p","like_count":3}})",
           R"({"platform":"x","platform_id":"t1","kind":"like","person":{"id":"9"},"timestamp":1,"extra":true})",
           R"({"platform":"x","platform_id":"t1","platform_id":"t2","kind":"like","person":{"id":"9"},"timestamp":1})",
           R"({"platform":"x","platform_id":"t1","kind":"like","person":{"id":"9"},"timestamp":1} trailing)",
           R"({"platform":"x","platform_id":"t1","kind":"like","person":{"id":"9"},"timestamp":1})"
           R"({"platform":"x","platform_id":"t2","kind":"like","person":{"id":"9"},"timestamp":1})",
       }) {
    check_agrees(line);
  }
  CHECK_FALSE(fast_takes(R"({"platform":"x","platform_id":"t1","kind":"like","person":{"id":"9"},"timestamp":1} x)"));
  CHECK_FALSE(fast_takes(R"({"platform":"x","platform_id":"t1","kind":"like","person":{"id":9},"timestamp":1})"));
}

TEST_CASE("hidden phone numbers: what is worth a model call", "[leads][phones][fallback]") {
  CHECK(looks_like_hidden_phone("06.12.34.56.78svp"));
  CHECK(looks_like_hidden_phone("mon num 06 123 456 78"));
  CHECK(looks_like_hidden_phone("+33 6 12 34 56 78"));
  CHECK_FALSE(looks_like_hidden_phone("Bravo !"));
  CHECK_FALSE(looks_like_hidden_phone("taille 38, 2 pièces, 14h30"));
  CHECK_FALSE(looks_like_hidden_phone("FR76 3000 6000 0112 3456 7890 189")); // an IBAN: too many digits together
}

TEST_CASE("a model's answer is checked against the text and libphonenumber", "[leads][phones][fallback]") {
  PhoneDetector phones({"FR"});
  const std::string text = "Appelez 06.12.34.56.78svp ou le 01 23";
  std::vector<std::string> refused;

  auto ok = accept_fallback_answer(R"(Sure! {"phones": ["06.12.34.56.78"]})", text, phones, refused);
  REQUIRE(ok.size() == 1);
  CHECK(ok[0].value == "+33612345678");
  CHECK(ok[0].raw == "06.12.34.56.78");
  CHECK(ok[0].offset == text.find("06.12"));
  CHECK(refused.empty());

  refused.clear();
  CHECK(accept_fallback_answer(R"({"phones": ["07 98 76 54 32"]})", text, phones, refused).empty()); // invented
  CHECK(refused.size() == 1);
  refused.clear();
  CHECK(accept_fallback_answer(R"({"phones": ["06 12 34 56 79"]})", text, phones, refused).empty()); // "corrected"
  refused.clear();
  CHECK(accept_fallback_answer(R"({"phones": ["+33 6 12 34 56 78"]})", text, phones, refused).empty()); // digits added
  refused.clear();
  CHECK(accept_fallback_answer(R"({"phones": ["0612"]})", text, phones, refused).empty());
  refused.clear();
  CHECK(accept_fallback_answer("no JSON here", text, phones, refused).empty());
  CHECK(refused.size() == 1);
  refused.clear();
  CHECK(accept_fallback_answer(R"({"numbers": ["0612345678"]})", text, phones, refused).empty());
  CHECK(refused.size() == 1);
  refused.clear();
  CHECK(accept_fallback_answer(R"({"phones": [612345678, null]})", text, phones, refused).empty());
  CHECK(refused.size() == 2);
  refused.clear();
  CHECK(accept_fallback_answer(R"({"phones": []})", text, phones, refused).empty());
  CHECK(refused.empty());
  // Digits present but no valid number: libphonenumber has the last word.
  refused.clear();
  CHECK(accept_fallback_answer(R"({"phones": ["00.00.00.00.00"]})", "00.00.00.00.00svp", phones, refused).empty());
  CHECK(refused.size() == 1);
}
