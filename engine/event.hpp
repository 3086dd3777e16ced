#pragma once
// event: one entry of the event queue (32 bytes).
// Order is total and deterministic: (time_ms, kind priority, insertion sequence). kind and sequence
// are packed into `order` (kind in the top 8 bits, sequence below), so two events never compare equal.
// Kinds at the same time run in this order: sample_begin, wakeup, arrival, tick, sample_end — a
// predicted threshold crossing at t fires before inputs that arrive at the same t (the membrane is
// continuous, so those inputs cannot undo it), and sample_end sees every event at its time.
#include <cstdint>

namespace evsnn {

// The latest simulated time evsnn accepts (about 31.7 years). Below it a double still resolves 1.2e-4 ms,
// so times stay distinct and finite; durations, gaps and input times beyond it are refused.
inline constexpr double max_time_ms = 1e12;

enum class event_kind : std::uint8_t { sample_begin = 0, wakeup = 1, arrival = 2, tick = 3, sample_end = 4 };
inline constexpr int event_kind_count = 5;

struct event {
  double time_ms = 0.0;
  std::uint64_t order = 0;   // (kind << 56) | insertion sequence
  std::uint32_t target = 0;  // population (wakeup), source population (arrival), hook (tick)
  std::uint32_t index = 0;   // neuron
  std::uint32_t aux = 0;     // version (wakeup), fan-out group (arrival)
  float grade = 1.0f;        // graded-spike payload (arrival)

  event_kind kind() const { return static_cast<event_kind>(order >> 56); }
  std::uint64_t sequence() const { return order & ((std::uint64_t{1} << 56) - 1); }
};

// True when a must be processed before b.
inline bool precedes(const event& a, const event& b) {
  return a.time_ms < b.time_ms || (a.time_ms == b.time_ms && a.order < b.order);
}

}  // namespace evsnn
