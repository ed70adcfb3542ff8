#include "lib/core/cancel.hpp"

#include <atomic>
#include <csignal>
#include <ctime>
#include <unistd.h>

#include "lib/core/child_registry.hpp"
#include "lib/core/temp_registry.hpp"

namespace webox::cancel {
namespace {

std::atomic<int> g_signals{0};

extern "C" void on_signal(int) {
  // Only async-signal-safe work here: an atomic increment, unlinkat, kill
  // and _exit. No destructor runs after a second signal, so the temporary
  // files of writers in progress are removed here (lib/core/temp_registry.hpp)
  // and the child processes still running are killed
  // (lib/core/child_registry.hpp).
  if (g_signals.fetch_add(1) >= 1) {
    temp_registry::unlink_all_from_signal_handler();
    child_registry::kill_all_from_signal_handler();
    _exit(130);
  }
}

} // namespace

void install_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; // no SA_RESTART: blocking reads return EINTR and see the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A closed terminal sends SIGHUP: stop cleanly as for SIGTERM, unless the
  // process was started to ignore it (nohup).
  struct sigaction hup {};
  if (sigaction(SIGHUP, nullptr, &hup) == 0 && hup.sa_handler != SIG_IGN) sigaction(SIGHUP, &sa, nullptr);
  // A closed pipe (webox chat ... | head -1) must not kill us mid-write of the
  // store; writes to stdout then fail with EPIPE and are handled.
  signal(SIGPIPE, SIG_IGN);
}

bool requested() { return g_signals.load(std::memory_order_relaxed) > 0; }

void request() { g_signals.store(1); }

void reset() { g_signals.store(0); }

int64_t monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

} // namespace webox::cancel
