// Google service-account authentication (OAuth 2.0 "two-legged" JWT bearer
// grant, RFC 7523), for the Sheets destination.
//
// Wire: the key file (GOOGLE_APPLICATION_CREDENTIALS) is JSON with
// `type: "service_account"`, `client_email`, `private_key` (PEM, PKCS#8),
// `private_key_id` and `token_uri`. We build a JWT
//   base64url({"alg":"RS256","typ":"JWT","kid":private_key_id}) "."
//   base64url({"iss":client_email,"scope":SCOPE,"aud":token_uri,"iat":now,"exp":now+3600})
// sign it with RSASSA-PKCS1-v1_5 over SHA-256 (OpenSSL EVP_DigestSign),
// append "." base64url(signature), and POST it form-encoded to token_uri as
//   grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT
// The answer is {"access_token","expires_in":3599,"token_type":"Bearer"}, or
// 400 {"error":"invalid_grant","error_description":"Invalid JWT Signature."}.
// Quirks: base64url has no padding; exp may be at most one hour after iat;
// Google rejects iat in the future, so clock skew matters.
//
// The token is kept in memory until 60 s before it expires and never
// written anywhere (a run lasts minutes; persisting it would only add a
// secret on disk). The private key never leaves this object.
//
// Sources: developers.google.com/identity/protocols/oauth2/service-account,
// RFC 7515/7519 (JWS/JWT), RFC 7523.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/net/http_client.hpp"

namespace webox::exporting {

std::string base64url(std::string_view bytes);

// RS256 over `data` with a PEM private key; throws Error (exit 4) for a key
// OpenSSL cannot read.
std::string rs256_sign(std::string_view pem_private_key, std::string_view data);

class ServiceAccount {
public:
  // Reads the key file; throws Error (exit 4) when missing, unreadable or
  // not a service-account key.
  static ServiceAccount from_file(const std::string &path);

  // A JWT assertion for `scope`, issued at `now` (Unix seconds).
  std::string assertion(const std::string &scope, int64_t now) const;

  const std::string &client_email() const { return m_email; }
  const std::string &token_uri() const { return m_token_uri; }

private:
  std::string m_email, m_key_id, m_private_key, m_token_uri;
};

class TokenSource {
public:
  TokenSource(ServiceAccount account, std::string scope, const net::HttpClient &http);

  // A valid access token, exchanged when none is cached or it expires
  // within 60 s. Throws Error: exit 4 when Google refuses the grant, 75 when
  // the token endpoint is unreachable or fails.
  std::string token();
  // Drops the cached token (after a 401 from the API).
  void invalidate() { m_token.clear(); }
  // The account's address: the one a spreadsheet must be shared with.
  const std::string &client_email() const { return m_account.client_email(); }
  int exchanges() const { return m_exchanges; }

private:
  ServiceAccount m_account;
  std::string m_scope;
  const net::HttpClient &m_http;
  std::string m_token;
  int64_t m_expires_ms = 0; // monotonic
  int m_exchanges = 0;
};

} // namespace webox::exporting
