// The one clock of the features that compare times with what the store
// holds (scores' recency, sequences' delays, tokens' expiry).
#pragma once

#include <cstdint>
#include <string>

namespace webox::clock {

// Unix seconds now, or WEBOX_NOW when it holds a whole number: recency
// decay, follow-up delays and token expiry depend on when they are
// computed, so tests, audits and a CI replay pin "now". Another value of
// WEBOX_NOW is ignored.
int64_t unix_now();

// Unix seconds `t` written in UTC with strftime's `format`
// ("%Y-%m-%dT%H:%M:%SZ": ISO 8601, as the store keeps times).
std::string utc_text(int64_t t, const char *format);

} // namespace webox::clock
