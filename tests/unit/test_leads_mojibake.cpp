#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "plugins/common/shared/mojibake.hpp"

using webox::leads::is_valid_utf8;
using webox::leads::repair_mojibake;

namespace {
// What a JSON parser hands back for an export's escaped bytes.
std::string parsed(const char *json_string) { return nlohmann::json::parse(json_string).get<std::string>(); }
} // namespace

TEST_CASE("export mojibake is repaired", "[leads][mojibake]") {
  CHECK(repair_mojibake(parsed(R"("Caf\u00c3\u00a9 cr\u00c3\u00a8me")")) == "Café crème");
  CHECK(repair_mojibake(parsed(R"("\u00c3\u00a0 bient\u00c3\u00b4t \u00c3\u00a7a \u00c5\u0093uvre")")) == "à bientôt ça œuvre");
  CHECK(repair_mojibake(parsed(R"("\u00f0\u009f\u0098\u0080")")) == "😀");
  // A narrow no-break space (U+202F) split into bytes.
  CHECK(repair_mojibake(parsed(R"("06\u00e2\u0080\u00af12")")) == "06\u202f12");
}

TEST_CASE("text that was fine is kept", "[leads][mojibake]") {
  CHECK(repair_mojibake("plain ascii") == "plain ascii");
  CHECK(repair_mojibake("café") == "café");          // é alone as Latin-1 byte is not UTF-8
  CHECK(repair_mojibake("déjà 😀") == "déjà 😀");    // a code point above U+00FF
  CHECK(repair_mojibake("") == "");
}

TEST_CASE("utf-8 validation", "[leads][mojibake]") {
  CHECK(is_valid_utf8("é😀"));
  CHECK_FALSE(is_valid_utf8("\xC3"));
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));           // overlong
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));       // surrogate
}
