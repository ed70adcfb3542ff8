#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/export/destination.hpp"
#include "lib/export/google_auth.hpp"
#include "lib/export/notion_client.hpp"
#include "lib/export/sheets_client.hpp"
#include "lib/export/webhook_sender.hpp"

using namespace webox;
using namespace webox::exporting;

TEST_CASE("export destinations: schemes and targets", "[export]") {
  auto s = parse_destination("sheets:1AbCdEfGhIjKlMnOp_-9/Leads!A1");
  CHECK(s.kind == DestinationKind::sheets);
  CHECK(s.target == "1AbCdEfGhIjKlMnOp_-9");
  CHECK(s.range == "Leads!A1");
  auto n = parse_destination("notion:0123456789abcdef0123456789abcdef");
  CHECK(n.kind == DestinationKind::notion);
  auto w = parse_destination("webhook:https://crm.example/hooks/leads?token=s3cret");
  CHECK(w.kind == DestinationKind::webhook);
  CHECK(w.target == "https://crm.example/hooks/leads?token=s3cret");
  // The state key never holds the query (it may carry a token).
  CHECK(w.state_key.find("s3cret") == std::string::npos);
  CHECK(w.state_key != parse_destination("webhook:https://crm.example/hooks/leads?token=other").state_key);
  // Nor the userinfo; URLs differing only there still have separate states.
  auto u = parse_destination("webhook:https://crm:hunter22@crm.example/hooks/leads");
  CHECK(u.state_key.rfind("webhook:https://crm.example/hooks/leads#", 0) == 0);
  CHECK(u.state_key.find("hunter22") == std::string::npos);
  CHECK(u.state_key != parse_destination("webhook:https://crm:other@crm.example/hooks/leads").state_key);
  // Keys of URLs without credentials are those earlier versions stored.
  CHECK(parse_destination("webhook:https://crm.example/hooks/leads").state_key.rfind(
            "webhook:https://crm.example/hooks/leads#", 0) == 0);

  CHECK_THROWS_AS(parse_destination("ftp:x"), UsageError);
  CHECK_THROWS_AS(parse_destination("sheets"), UsageError);
  CHECK_THROWS_AS(parse_destination("sheets:short/A1"), UsageError);
  CHECK_THROWS_AS(parse_destination("sheets:1AbCdEfGhIjKlMnOp/"), UsageError);
  CHECK_THROWS_AS(parse_destination("notion:xyz"), UsageError);
  CHECK_THROWS_AS(parse_destination("webhook:file:///etc/passwd"), UsageError);
}

TEST_CASE("export destinations: A1 ranges", "[export]") {
  for (const char *ok : {"Leads", "Leads!A1", "Leads!A1:F", "Leads!A:F", "'My leads'!A1", "'Bob''s'!B2:C9", "A1", "Sheet1!1:5"})
    CHECK(is_a1_range(ok));
  for (const char *bad : {"", "Leads!", "!A1", "Leads!1A", "Leads!A0", "Leads!AAAA1", "'open!A1", "Leads!A1:"})
    CHECK_FALSE(is_a1_range(bad));
}

TEST_CASE("export webhook: Standard Webhooks signature test vector", "[export]") {
  // From the reference notes (standardwebhooks.com libraries agree).
  std::string key = webhook_key("whsec_d2Vib3gtdGVzdC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2Q=");
  CHECK(webhook_signature(key, "msg_1", 1700000000, R"({"type":"lead.created"})") ==
        "v1,pVFRu6bd5x7gZMDY29t7q0Zib9vRWiISGBwbkYGUg44=");
  CHECK_THROWS_AS(webhook_key("d2Vib3g="), Error);
  CHECK_THROWS_AS(webhook_key("whsec_!!!"), Error);
  // Same URL and body, same id (a rerun is deduplicated); otherwise different.
  CHECK(webhook_message_id("https://a/h", "{}") == webhook_message_id("https://a/h", "{}"));
  CHECK(webhook_message_id("https://a/h", "{}") != webhook_message_id("https://a/h", "[]"));
  CHECK(webhook_message_id("https://a/h", "{}").rfind("msg_", 0) == 0);
}

TEST_CASE("export sheets: JWT assertion is RS256 over base64url header.claims", "[export]") {
  // A throwaway key made here: no private key is committed.
  EVP_PKEY *raw = EVP_RSA_gen(2048);
  REQUIRE(raw);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  char *data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<size_t>(len));

  std::string jwt_input = base64url(R"({"alg":"RS256"})") + "." + base64url(R"({"iss":"a"})");
  std::string sig = rs256_sign(pem, jwt_input);
  CHECK(sig.size() == 256);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  REQUIRE(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1);
  CHECK(EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char *>(jwt_input.data()), jwt_input.size()) == 1);
  CHECK_THROWS_AS(rs256_sign("not a key", "x"), Error);

  CHECK(base64url("\xfb\xff") == "-_8");
  CHECK(base64url("a") == "YQ"); // no padding
  CHECK(percent_encode("'My leads'!A1:F") == "%27My%20leads%27%21A1%3AF");
}

TEST_CASE("export notion: property map and values by type", "[export]") {
  auto map = parse_property_map("username=Name,score=Score,phone=Téléphone,status=Statut,email=Mail:rich_text");
  REQUIRE(map.size() == 5);
  CHECK(map[0].type == "title");
  CHECK(map[1].type == "number");
  CHECK(map[2].type == "phone_number");
  CHECK(map[2].property == "Téléphone");
  CHECK(map[3].type == "select");
  CHECK(map[4].type == "rich_text");
  CHECK_THROWS_AS(parse_property_map("shoe=Size"), UsageError);
  CHECK_THROWS_AS(parse_property_map("username"), UsageError);
  CHECK_THROWS_AS(parse_property_map(""), UsageError);

  auto fields = parse_fields("username,score,phone,status,email");
  std::string long_name(2500, 'a');
  std::vector<Cell> cells = {{long_name, false}, {"42", false}, {"+33612345678", false}, {"new", false}, {{}, true}};
  auto props = notion_properties(map, fields, cells);
  CHECK(props["Name"]["title"][0]["text"]["content"].get<std::string>().size() == 2000);
  CHECK(props["Score"] == nlohmann::json{{"number", 42}});
  CHECK(props["Téléphone"] == nlohmann::json{{"phone_number", "+33612345678"}});
  CHECK(props["Statut"] == nlohmann::json{{"select", {{"name", "new"}}}});
  CHECK_FALSE(props.contains("Mail")); // empty cells are left out
}
