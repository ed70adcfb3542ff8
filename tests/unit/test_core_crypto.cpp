#include <catch2/catch.hpp>

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"

using namespace webox;

namespace {
const std::string kKey(32, '\x42');
}

TEST_CASE("crypto: AES-256-GCM round trip", "[crypto]") {
  for (std::string plaintext : {std::string(), std::string("x"), std::string("sk-secret-value"),
                                std::string(1000, 'a'), std::string("\0\x01\xff", 3)}) {
    std::string sealed = crypto::aes256gcm_encrypt(kKey, plaintext, "openai");
    CHECK(sealed.size() == 12 + plaintext.size() + 16);
    CHECK(crypto::aes256gcm_decrypt(kKey, sealed, "openai") == plaintext);
  }
}

TEST_CASE("crypto: AES-256-GCM uses a fresh nonce every time", "[crypto]") {
  std::string a = crypto::aes256gcm_encrypt(kKey, "same", "n");
  std::string b = crypto::aes256gcm_encrypt(kKey, "same", "n");
  CHECK(a != b);
  CHECK(a.substr(0, 12) != b.substr(0, 12));
}

TEST_CASE("crypto: AES-256-GCM rejects tampering, another AAD and another key", "[crypto]") {
  std::string sealed = crypto::aes256gcm_encrypt(kKey, "sk-secret-value", "openai");

  SECTION("flipped ciphertext bit") {
    std::string bad = sealed;
    bad[14] = static_cast<char>(bad[14] ^ 1);
    CHECK_THROWS_AS(crypto::aes256gcm_decrypt(kKey, bad, "openai"), Error);
  }
  SECTION("flipped tag bit") {
    std::string bad = sealed;
    bad.back() = static_cast<char>(bad.back() ^ 0x80);
    CHECK_THROWS_AS(crypto::aes256gcm_decrypt(kKey, bad, "openai"), Error);
  }
  SECTION("flipped nonce bit") {
    std::string bad = sealed;
    bad[0] = static_cast<char>(bad[0] ^ 1);
    CHECK_THROWS_AS(crypto::aes256gcm_decrypt(kKey, bad, "openai"), Error);
  }
  SECTION("AAD mismatch") {
    CHECK_THROWS_AS(crypto::aes256gcm_decrypt(kKey, sealed, "anthropic"), Error);
    CHECK_THROWS_AS(crypto::aes256gcm_decrypt(kKey, sealed, ""), Error);
  }
  SECTION("wrong key") {
    CHECK_THROWS_AS(crypto::aes256gcm_decrypt(std::string(32, '\x43'), sealed, "openai"), Error);
  }
  SECTION("truncated") {
    CHECK_THROWS_AS(crypto::aes256gcm_decrypt(kKey, sealed.substr(0, 27), "openai"), Error);
    CHECK_THROWS_AS(crypto::aes256gcm_decrypt(kKey, "", "openai"), Error);
  }
  SECTION("key of the wrong size") {
    CHECK_THROWS_AS(crypto::aes256gcm_encrypt(std::string(16, 'k'), "x", ""), Error);
    CHECK_THROWS_AS(crypto::aes256gcm_decrypt(std::string(31, 'k'), sealed, "openai"), Error);
  }
}

TEST_CASE("crypto: SHA-256 known vectors", "[crypto]") {
  CHECK(crypto::hex_encode(crypto::sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(crypto::hex_encode(crypto::sha256("")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("crypto: HMAC-SHA256 RFC 4231 vectors", "[crypto]") {
  // Test case 1.
  CHECK(crypto::hex_encode(crypto::hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the block.
  CHECK(crypto::hex_encode(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block is hashed first.
  CHECK(crypto::hex_encode(crypto::hmac_sha256(
            std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // An empty key is a valid HMAC key.
  CHECK(crypto::hmac_sha256("", "data").size() == 32);
}

TEST_CASE("crypto: random_bytes", "[crypto]") {
  CHECK(crypto::random_bytes(0).empty());
  CHECK(crypto::random_bytes(32).size() == 32);
  CHECK(crypto::random_bytes(32) != crypto::random_bytes(32));
}

TEST_CASE("crypto: hex encode and decode", "[crypto]") {
  CHECK(crypto::hex_encode("") == "");
  CHECK(crypto::hex_encode(std::string("\x00\x01\xab\xff", 4)) == "0001abff");
  CHECK(crypto::hex_decode("0001abff") == std::string("\x00\x01\xab\xff", 4));
  CHECK(crypto::hex_decode("ABFF") == "\xab\xff");
  CHECK(crypto::hex_decode("") == "");
  CHECK_THROWS_AS(crypto::hex_decode("abc"), Error);
  CHECK_THROWS_AS(crypto::hex_decode("zz"), Error);
  CHECK_THROWS_AS(crypto::hex_decode("0x00"), Error);
  CHECK_THROWS_AS(crypto::hex_decode("a "), Error);
}

TEST_CASE("crypto: base64 encode and decode", "[crypto]") {
  // RFC 4648 section 10 vectors cover every padding case.
  const std::pair<const char *, const char *> vectors[] = {
      {"", ""},          {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, encoded] : vectors) {
    CHECK(crypto::base64_encode(plain) == encoded);
    CHECK(crypto::base64_decode(encoded) == plain);
  }
  SECTION("binary with zero bytes round-trips exactly") {
    std::string bin("\x00\x00\xff\x00", 4);
    CHECK(crypto::base64_decode(crypto::base64_encode(bin)) == bin);
    std::string random = crypto::random_bytes(32);
    CHECK(crypto::base64_decode(crypto::base64_encode(random)) == random);
  }
  SECTION("unpadded input is accepted") {
    CHECK(crypto::base64_decode("Zg") == "f");
    CHECK(crypto::base64_decode("Zm8") == "fo");
  }
  SECTION("bad input is rejected") {
    CHECK_THROWS_AS(crypto::base64_decode("Z"), Error);        // one char cannot carry a byte
    CHECK_THROWS_AS(crypto::base64_decode("Zm9v!"), Error);    // bad character
    CHECK_THROWS_AS(crypto::base64_decode("Zm 9v"), Error);    // whitespace
    CHECK_THROWS_AS(crypto::base64_decode("Zg==="), Error);    // too much padding
    CHECK_THROWS_AS(crypto::base64_decode("Zm=9v"), Error);    // padding in the middle
    CHECK_THROWS_AS(crypto::base64_decode("Zm9v="), Error);    // padding that does not fit
    CHECK_THROWS_AS(crypto::base64_decode("===="), Error);
  }
}
