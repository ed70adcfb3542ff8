// Credentials inside URLs: "https://user:pass@host/hook?token=abc" must not
// reach a log line, an error message, a summary or a database key.
//
// Userinfo (everything before '@' in the authority) is always a credential;
// so is the value of a query or fragment parameter whose name looks secret:
// token, key, secret, sig, signature, password, pass, pwd, auth,
// credential, session, code, or a name containing one of token, secret,
// passw, signature, apikey, api_key, auth, credential or ending in _key /
// -key (case-insensitive). Every other part of the URL stays, so a message
// still says which host and path failed.
#pragma once

#include <string>
#include <string_view>

namespace webox::url {

// `url` with its userinfo and secret-looking parameter values replaced by
// "[REDACTED]": "https://[REDACTED]@host/hook?token=[REDACTED]&page=2".
std::string redact(std::string_view url);

// Every "scheme://..." inside `text` redacted as above; the rest unchanged.
std::string redact_in_text(std::string_view text);

// `url` without userinfo, query and fragment: "https://host/hook" — a
// stable, credential-free name for keys (add a hash of the full URL to keep
// URLs that differ only there apart).
std::string without_credentials(std::string_view url);

// True for a parameter name that looks like it carries a secret.
bool is_secret_parameter(std::string_view name);

} // namespace webox::url
