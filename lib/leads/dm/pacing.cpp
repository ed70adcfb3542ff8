#include "lib/leads/dm/pacing.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"

namespace webox::leads {

Pacer::Pacer(int64_t min_ms, int64_t max_ms, uint64_t seed)
    : m_min(std::max<int64_t>(0, min_ms)), m_max(std::max(m_min, max_ms)), m_rng(seed) {}

int64_t Pacer::next_delay_ms() {
  if (m_max == m_min) return m_min;
  return std::uniform_int_distribution<int64_t>(m_min, m_max)(m_rng);
}

void Pacer::wait() { sleep_interruptibly(next_delay_ms()); }

void sleep_interruptibly(int64_t ms) {
  const int64_t end = cancel::monotonic_ms() + ms;
  for (;;) {
    if (cancel::requested()) throw Interrupted();
    int64_t left = end - cancel::monotonic_ms();
    if (left <= 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(left, 100)));
  }
}

} // namespace webox::leads
