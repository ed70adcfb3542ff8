// Logging: spdlog to stderr, with every secret the program has seen redacted.
//
// Secrets (API keys, tokens) are registered the moment they are read from the
// environment or the key store; the stderr sink replaces each registered
// value by "[REDACTED]" in every line it writes, whoever logged it (host or
// plugin); so are the credentials inside URLs (lib/core/url_redact.hpp),
// which no one registers. Verbosity: -q errors only, default warnings, -v info, -vv debug,
// -vvv trace.
#pragma once

#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace webox::logging {

// `verbosity`: -1 quiet, 0 default, 1 -v, 2 -vv, 3 -vvv.
void init(int verbosity);

// Registers `secret` so that it never appears in a log line. Values shorter
// than 4 characters are ignored: redacting "a" would garble every line.
void register_secret(std::string_view secret);

// `text` with every registered secret replaced by "[REDACTED]", and the
// credentials of every URL in it too (userinfo, secret-looking parameters:
// lib/core/url_redact.hpp).
std::string redact(std::string_view text);

} // namespace webox::logging
