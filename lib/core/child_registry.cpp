#include "lib/core/child_registry.hpp"

#include <atomic>
#include <csignal>

namespace webox::child_registry {
namespace {

constexpr int kChildSlots = 64;
std::atomic<pid_t> g_child_groups[kChildSlots]; // 0 = free

} // namespace

int add(pid_t pgid) {
  if (pgid <= 0) return -1;
  for (int i = 0; i < kChildSlots; ++i) {
    pid_t expected = 0;
    if (g_child_groups[i].compare_exchange_strong(expected, pgid)) return i;
  }
  return -1;
}

void remove(int slot) {
  if (slot >= 0 && slot < kChildSlots) g_child_groups[slot].store(0);
}

void kill_all_from_signal_handler() {
  for (auto &group : g_child_groups) {
    const pid_t pgid = group.load();
    if (pgid > 0) ::kill(-pgid, SIGKILL);
  }
}

} // namespace webox::child_registry
