// PKCE (RFC 7636), the sign-in state and the redirect's query (lib/auth).
#include <catch2/catch.hpp>

#include <set>

#include "lib/auth/pkce.hpp"
#include "lib/auth/redirect_listener.hpp"


TEST_CASE("the S256 challenge of RFC 7636 Appendix B's verifier", "[auth]") {
  CHECK(webox::auth::s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST_CASE("a code verifier is 43 unreserved characters, fresh each time", "[auth]") {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string v = webox::auth::make_code_verifier();
    REQUIRE(v.size() == 43); // RFC 7636 §4.1: 43 to 128
    for (char c : v) {
      const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                              c == '.' || c == '_' || c == '~';
      REQUIRE(unreserved);
    }
    seen.insert(v);
  }
  CHECK(seen.size() == 50);
}

TEST_CASE("base64url has no padding and no '+' or '/'", "[auth]") {
  CHECK(webox::auth::base64url(std::string("\xfb\xff\xfe", 3)) == "-__-");
  CHECK(webox::auth::base64url("a") == "YQ");
}

TEST_CASE("the state matches only itself", "[auth]") {
  const std::string state = webox::auth::make_state();
  CHECK(state.size() == 43);
  CHECK(webox::auth::state_matches(state, state));
  CHECK_FALSE(webox::auth::state_matches(state, state.substr(0, 42)));
  CHECK_FALSE(webox::auth::state_matches(state, state + "x"));
  std::string flipped = state;
  flipped[20] = flipped[20] == 'A' ? 'B' : 'A';
  CHECK_FALSE(webox::auth::state_matches(state, flipped));
  CHECK_FALSE(webox::auth::state_matches("", ""));
  CHECK(webox::auth::make_state() != state);
}

TEST_CASE("the redirect's query is decoded; the first of repeated keys wins", "[auth]") {
  auto q = webox::auth::parse_query("code=ab%2Fc%3D&state=s+1&error_description=The%20user%20denied&state=other&bad=%zz&flag");
  CHECK(q["code"] == "ab/c=");
  CHECK(q["state"] == "s 1");
  CHECK(q["error_description"] == "The user denied");
  CHECK(q["bad"] == "%zz");
  CHECK(q.count("flag") == 1);
  CHECK(webox::auth::parse_query("").empty());
  CHECK(webox::auth::parse_query("%").count("%") == 1);
}
