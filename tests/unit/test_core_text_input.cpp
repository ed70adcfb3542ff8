#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "lib/core/error.hpp"
#include "lib/core/text_input.hpp"
#include "tests/unit/temp_dir.hpp"

namespace text = webox::text;

TEST_CASE("valid UTF-8 passes, whatever the script", "[core][text]") {
  CHECK_FALSE(text::invalid_utf8_offset(""));
  CHECK_FALSE(text::invalid_utf8_offset("plain ASCII\n\t"));
  CHECK_FALSE(text::invalid_utf8_offset("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac"));
  CHECK_FALSE(text::invalid_utf8_offset("\xf4\x8f\xbf\xbf")); // U+10FFFF, the last code point
  CHECK_FALSE(text::invalid_utf8_offset(std::string("nul\0inside", 10)));
}

TEST_CASE("invalid UTF-8 is found at its first bad byte", "[core][text]") {
  CHECK(text::invalid_utf8_offset("caf\xe9") == 3u);              // Latin-1 e-acute
  CHECK(text::invalid_utf8_offset("ok\xc3") == 2u);               // cut sequence at the end
  CHECK(text::invalid_utf8_offset("a\xc3(") == 1u);               // bad continuation
  CHECK(text::invalid_utf8_offset("ab\x80") == 2u);               // lone continuation byte
  CHECK(text::invalid_utf8_offset("\xc0\xaf") == 0u);             // overlong '/'
  CHECK(text::invalid_utf8_offset("\xe0\x80\xaf") == 0u);         // overlong, three bytes
  CHECK(text::invalid_utf8_offset("x\xed\xa0\x80") == 1u);        // a UTF-16 surrogate
  CHECK(text::invalid_utf8_offset("\xf4\x90\x80\x80") == 0u);     // past U+10FFFF
  CHECK(text::invalid_utf8_offset("\xff\xfe") == 0u);
  CHECK(text::invalid_utf8_offset("\xc3\xa9\xc3\xa9\xff") == 4u); // after valid multi-byte text
}

TEST_CASE("require_utf8 names where and the byte offset", "[core][text]") {
  CHECK_NOTHROW(text::require_utf8("bonjour", "standard input"));
  try {
    text::require_utf8("abc\xff", "standard input");
    FAIL("no error");
  } catch (const webox::UsageError &e) {
    CHECK(std::string(e.what()) == "standard input is not valid UTF-8 (byte 3)");
    CHECK(e.code() == webox::ExitCode::usage);
  }
}

TEST_CASE("line_column counts lines and bytes from 1", "[core][text]") {
  const std::string doc = "a: 1\nbb: \xff\n";
  auto at = text::line_column(doc, 9);
  CHECK(at.line == 2u);
  CHECK(at.column == 5u);
  CHECK(text::line_column(doc, 0).line == 1u);
  CHECK(text::line_column(doc, 0).column == 1u);
}

TEST_CASE("human_size", "[core][text]") {
  CHECK(text::human_size(1) == "1 byte");
  CHECK(text::human_size(100) == "100 bytes");
  CHECK(text::human_size(1536) == "1.5 KiB");
  CHECK(text::human_size(size_t{16} << 20) == "16 MiB");
}

TEST_CASE("a size over the limit names the limit and how to raise it", "[core][text]") {
  text::Limit limit{100, "the prompt limit", "raise it with WEBOX_MAX_PROMPT_BYTES=BYTES"};
  CHECK_NOTHROW(text::require_size(100, limit, "standard input"));
  try {
    text::require_size(101, limit, "standard input");
    FAIL("no error");
  } catch (const webox::UsageError &e) {
    CHECK(std::string(e.what()) ==
          "standard input is larger than the prompt limit of 100 bytes; raise it with "
          "WEBOX_MAX_PROMPT_BYTES=BYTES");
  }
}

TEST_CASE("the prompt limit comes from WEBOX_MAX_PROMPT_BYTES", "[core][text]") {
  ::unsetenv("WEBOX_MAX_PROMPT_BYTES");
  CHECK(text::max_prompt_bytes() == text::kDefaultMaxPromptBytes);
  ::setenv("WEBOX_MAX_PROMPT_BYTES", "1000", 1);
  CHECK(text::max_prompt_bytes() == 1000u);
  ::setenv("WEBOX_MAX_PROMPT_BYTES", "-1", 1);
  CHECK_THROWS_AS(text::max_prompt_bytes(), webox::UsageError);
  ::unsetenv("WEBOX_MAX_PROMPT_BYTES");
}

TEST_CASE("read_file reads a file whole, within its limit", "[core][text]") {
  TempDir dir;
  auto file = dir.write("prompt.txt", std::string(1000, 'x'));
  CHECK(text::read_file(file, {1000, "the limit", ""}, "--file") == std::string(1000, 'x'));
  CHECK_THROWS_WITH(text::read_file(file, {999, "the limit", ""}, "--file"),
                    Catch::Contains("is larger than the limit of 999 bytes"));
}

TEST_CASE("read_file refuses a folder and a missing file, naming them", "[core][text]") {
  TempDir dir;
  CHECK_THROWS_WITH(text::read_file(dir.path, {100, "the limit", ""}, "--from"),
                    Catch::Equals("--from " + dir.path.string() + " is a folder; give a file"));
  CHECK_THROWS_AS(text::read_file(dir.path / "missing", {100, "the limit", ""}, "--from"), webox::UsageError);
  CHECK_THROWS_WITH(text::read_file(dir.path / "missing", {100, "the limit", ""}, "--from"),
                    Catch::Contains("missing") && Catch::Contains("No such file"));
  CHECK_THROWS_WITH(text::require_readable_file(dir.path, "--from"), Catch::Contains("is a folder"));
}
