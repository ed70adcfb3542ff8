#include "lib/core/temp_registry.hpp"

#include <atomic>
#include <cstring>

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

namespace webox::temp_registry {
namespace {

// A slot goes free -> filling -> live -> free. The handler only touches live
// slots, so it never reads a half-copied name.
enum SlotState : int { kFree = 0, kFilling = 1, kLive = 2 };

struct Slot {
  std::atomic<int> state{kFree};
  int dirfd = -1;
  char name[NAME_MAX + 1] = {};
};

// Writers run on a few threads at most (workflow jobs); 64 is plenty, and a
// writer that finds no slot still cleans up in its destructor.
constexpr int kSlots = 64;
Slot g_slots[kSlots];

static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");

} // namespace

int add(int dirfd, const char *name) {
  size_t len = std::strlen(name);
  if (len > NAME_MAX) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kFilling)) continue;
    g_slots[i].dirfd = dirfd;
    std::memcpy(g_slots[i].name, name, len + 1);
    g_slots[i].state.store(kLive);
    return i;
  }
  return -1;
}

void remove(int slot) {
  if (slot < 0 || slot >= kSlots) return;
  g_slots[slot].state.store(kFree);
}

void unlink_all_from_signal_handler() {
  for (auto &slot : g_slots) {
    int expected = kLive;
    // Claimed so that a concurrent second handler does not unlink twice.
    if (slot.state.compare_exchange_strong(expected, kFilling)) ::unlinkat(slot.dirfd, slot.name, 0);
  }
}

} // namespace webox::temp_registry
