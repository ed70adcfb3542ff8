// Pacing of a DM campaign: a random wait between two sends, so that
// messages do not leave at machine rhythm (spam filters look for that), and
// an interruptible sleep that Ctrl-C ends at once.
#pragma once

#include <cstdint>
#include <random>

namespace webox::leads {

class Pacer {
public:
  // Waits are drawn uniformly in [min_ms, max_ms]; `seed` for tests.
  Pacer(int64_t min_ms, int64_t max_ms, uint64_t seed = std::random_device{}());
  // The next wait, in milliseconds.
  int64_t next_delay_ms();
  // Sleeps the next wait; throws Interrupted on Ctrl-C.
  void wait();

private:
  int64_t m_min, m_max;
  std::mt19937_64 m_rng;
};

// Sleeps `ms` milliseconds in small steps; throws Interrupted on Ctrl-C.
void sleep_interruptibly(int64_t ms);

} // namespace webox::leads
