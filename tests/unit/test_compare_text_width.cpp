#include <catch2/catch.hpp>

#include "lib/compare/text_width.hpp"

using namespace webox::compare;

TEST_CASE("display width counts terminal cells, not bytes", "[compare][width]") {
  CHECK(display_width("abc") == 3);
  CHECK(display_width("é") == 1);                       // precomposed
  CHECK(display_width("e\xcc\x81") == 1);               // e + combining acute
  CHECK(display_width("日本語") == 6);                   // CJK: two cells each
  CHECK(display_width("🚀") == 2);
  CHECK(display_width("👩‍👩‍👧") == 2);                  // one ZWJ family grapheme
  CHECK(display_width("🇫🇷") == 2);                      // a flag: two regional indicators
  CHECK(display_width("\xff") == 1);                    // invalid byte shown as U+FFFD
}

TEST_CASE("wrap breaks at spaces and never inside a grapheme", "[compare][width]") {
  CHECK(wrap("le chat dort sur le canapé", 10) == std::vector<std::string>{"le chat", "dort sur", "le canapé"});
  CHECK(wrap("日本語のテキスト", 5) == std::vector<std::string>{"日本", "語の", "テキ", "スト"});
  CHECK(wrap("abcdefghij", 4) == std::vector<std::string>{"abcd", "efgh", "ij"});
  CHECK(wrap("ligne un\nligne deux", 40) == std::vector<std::string>{"ligne un", "ligne deux"});
  for (const auto &line : wrap("e\xcc\x81t\xc3\xa9 🚀🚀🚀 👩‍👩‍👧 fin", 3)) CHECK(display_width(line) <= 3);
  CHECK(wrap("", 5) == std::vector<std::string>{""});
}

TEST_CASE("pad_to pads by cells", "[compare][width]") {
  CHECK(pad_to("日本", 6) == "日本  ");
  CHECK(pad_to("é", 3) == "é  ");
  CHECK(pad_to("toolong", 3) == "toolong");
}
