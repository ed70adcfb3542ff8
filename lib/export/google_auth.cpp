#include "lib/export/google_auth.hpp"

#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lib/core/cancel.hpp"
#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::exporting {

using nlohmann::json;

std::string base64url(std::string_view bytes) {
  std::string s = crypto::base64_encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char &c : s) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return s;
}

std::string rs256_sign(std::string_view pem, std::string_view data) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr, EVP_PKEY_free);
  if (!key) throw Error("the service account's private_key is not a PEM private key", ExitCode::config);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char *>(data.data()), data.size()) != 1)
    throw Error("cannot sign with the service account's key", ExitCode::config);
  std::string sig(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(sig.data()), &size,
                     reinterpret_cast<const unsigned char *>(data.data()), data.size()) != 1)
    throw Error("cannot sign with the service account's key", ExitCode::config);
  sig.resize(size);
  return sig;
}

ServiceAccount ServiceAccount::from_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read the service account key " + path + " (GOOGLE_APPLICATION_CREDENTIALS)", ExitCode::config);
  std::stringstream ss;
  ss << in.rdbuf();
  json j = parse_json_or_discarded(ss.str());
  auto text = [&](const char *k) { return j.is_object() && j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : ""; };
  if (!j.is_object() || text("type") != "service_account")
    throw Error(path + " is not a service account key file (\"type\": \"service_account\")", ExitCode::config);
  ServiceAccount a;
  a.m_email = text("client_email");
  a.m_key_id = text("private_key_id");
  a.m_private_key = text("private_key");
  a.m_token_uri = text("token_uri");
  if (a.m_token_uri.empty()) a.m_token_uri = "https://oauth2.googleapis.com/token";
  if (a.m_email.empty() || a.m_private_key.empty())
    throw Error(path + ": client_email or private_key missing", ExitCode::config);
  return a;
}

std::string ServiceAccount::assertion(const std::string &scope, int64_t now) const {
  json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!m_key_id.empty()) header["kid"] = m_key_id;
  json claims = {{"iss", m_email}, {"scope", scope}, {"aud", m_token_uri}, {"iat", now}, {"exp", now + 3600}};
  std::string signing_input = base64url(header.dump()) + "." + base64url(claims.dump());
  return signing_input + "." + base64url(rs256_sign(m_private_key, signing_input));
}

TokenSource::TokenSource(ServiceAccount account, std::string scope, const net::HttpClient &http)
    : m_account(std::move(account)), m_scope(std::move(scope)), m_http(http) {}

std::string TokenSource::token() {
  if (!m_token.empty() && cancel::monotonic_ms() < m_expires_ms - 60'000) return m_token;
  // A JWT is made of base64url and dots: nothing to percent-encode.
  std::string body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" +
                     m_account.assertion(m_scope, static_cast<int64_t>(std::time(nullptr)));
  net::Request req;
  req.method = "POST";
  req.url = m_account.token_uri();
  req.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
  req.body = body;
  net::Outcome o = m_http.send(req);
  if (o.failure == net::Failure::cancelled) throw Interrupted();
  if (!o.ok()) throw Error("Google token endpoint " + req.url + ": " + o.message, ExitCode::temporary);
  json j = parse_json_or_discarded(o.response.body);
  if (o.response.status != 200 || !j.is_object() || !j.contains("access_token") || !j["access_token"].is_string()) {
    std::string why = j.is_object() ? j.value("error", "") + (j.contains("error_description") ? ": " + j.value("error_description", "") : "")
                                    : "";
    if (why.empty()) why = "HTTP " + std::to_string(o.response.status);
    ExitCode code = o.response.status >= 500 || o.response.status == 429 ? ExitCode::temporary : ExitCode::config;
    throw Error("Google refused the service account " + m_account.client_email() + " (" + why + ")", code);
  }
  m_token = j["access_token"].get<std::string>();
  int64_t expires_in = j.value("expires_in", int64_t{3600});
  m_expires_ms = cancel::monotonic_ms() + expires_in * 1000;
  ++m_exchanges;
  return m_token;
}

} // namespace webox::exporting
