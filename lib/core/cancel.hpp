// The process-wide cancel token.
//
// Ctrl-C (SIGINT) flips one atomic flag that every long operation polls: the
// HTTP layer checks it from libcurl's progress callback, so a blocked
// transfer aborts within a few milliseconds, and plugins see it through the
// host's is_cancelled service. A second Ctrl-C (or SIGTERM, or SIGHUP)
// exits at once with 130, for the user who does not want to wait for a
// clean stop, after unlinking the temporary files in progress
// (lib/core/temp_registry.hpp).
#pragma once

#include <cstdint>

namespace webox::cancel {

// Installs the SIGINT/SIGTERM/SIGHUP handlers. Call once, early, from main.
void install_handlers();

bool requested();

// Sets the flag as Ctrl-C would (tests, and sinks that want to stop).
void request();

// Clears the flag (tests only).
void reset();

// Milliseconds on CLOCK_MONOTONIC, the clock deadlines use.
int64_t monotonic_ms();

} // namespace webox::cancel
