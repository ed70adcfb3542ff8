// The one error model of webox.
//
// Expected failures (a missing key, an HTTP 429 after retries, a bad flag)
// are thrown as webox::Error carrying the exit code they map to; the single
// top-level catch in cli/app.cpp prints "webox: error: <message>" on stderr
// and exits with that code. Nothing else in the program prints errors or
// calls exit().
#pragma once

#include <stdexcept>
#include <string>

namespace webox {

// Exit codes, documented in webox(1) and docs/ARCHITECTURE.md.
enum class ExitCode : int {
  ok = 0,
  failure = 1,
  usage = 2,
  partial = 3,
  config = 4,      // missing key or configuration
  quota = 5,       // budget or quota reached
  temporary = 75,  // EX_TEMPFAIL: rate limit, network, timeout, 5xx after retries
  interrupted = 130,
};

class Error : public std::runtime_error {
public:
  explicit Error(const std::string &message, ExitCode code = ExitCode::failure)
      : std::runtime_error(message), m_code(code) {}
  ExitCode code() const { return m_code; }

private:
  ExitCode m_code;
};

// A usage error: bad flag value, unknown model, unreadable input.
class UsageError : public Error {
public:
  explicit UsageError(const std::string &message) : Error(message, ExitCode::usage) {}
};

// Thrown when the user pressed Ctrl-C; maps to exit 130.
class Interrupted : public Error {
public:
  Interrupted() : Error("interrupted", ExitCode::interrupted) {}
};

} // namespace webox
