#include <catch2/catch.hpp>

#include "lib/core/logging.hpp"

using namespace webox;

TEST_CASE("registered secrets are redacted everywhere in a line", "[core][logging]") {
  logging::register_secret("sk-test-AAAABBBBCCCC");
  CHECK(logging::redact("Authorization: Bearer sk-test-AAAABBBBCCCC and again sk-test-AAAABBBBCCCC") ==
        "Authorization: Bearer [REDACTED] and again [REDACTED]");
  CHECK(logging::redact("nothing secret") == "nothing secret");
}

TEST_CASE("very short values are not registered", "[core][logging]") {
  logging::register_secret("ab");
  CHECK(logging::redact("abc ab") == "abc ab");
}
