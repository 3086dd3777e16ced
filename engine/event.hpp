#pragma once
// event: one entry of the event queue (40 bytes).
// Order is total and deterministic: (time_ms, kind priority, then for arrivals the canonical key
// (emission time, source population, source neuron, fan-out group, grade), for every other kind the
// insertion sequence). kind and sequence are packed into `order` (kind in the top 8 bits, sequence below;
// arrivals carry no sequence). Arrivals at one time are thus applied in an order that depends only on
// the spikes, not on the order they were pushed in: a network dealt over MPI ranks (issue 17), whose
// ranks learn of each other's spikes at window ends, applies them in the order one process does.
// Two arrivals compare equal only when every field is equal (the same spike twice), so the order of
// what is applied never depends on push order.
// Kinds at the same time run in this order: sample_begin, wakeup, arrival, tick, settle, sample_end — a
// predicted threshold crossing at t fires before inputs that arrive at the same t (the membrane is
// continuous, so those inputs cannot undo it), and sample_end sees every event at its time.
// settle: a discrete-tick population (population::settles()) integrates the inputs of its step at t
// after every arrival and hook tick at t. A hook ticking at t therefore sees the tick populations in the
// state of their previous step, with the step-t inputs that have arrived so far delivered but not yet
// integrated (zero-delay spikes of step t from other tick populations come only after their settle).
// Settle events pack a rank between kind and sequence, order = kind << 56 | rank << 40 | (sequence mod
// 2^40), so that settles at one time run in topological order of the zero-delay projections between
// settling populations (the simulator's ranks), whatever order they were queued in.
#include <cstdint>

namespace evsnn {

// The latest simulated time evsnn accepts (about 31.7 years). Below it a double still resolves 1.2e-4 ms,
// so times stay distinct and finite; durations, gaps and input times beyond it are refused.
inline constexpr double max_time_ms = 1e12;

enum class event_kind : std::uint8_t { sample_begin = 0, wakeup = 1, arrival = 2, tick = 3, settle = 4, sample_end = 5 };
inline constexpr int event_kind_count = 6;
// Settle ranks use bits 40..55 of the order key.
inline constexpr int settle_rank_shift = 40;
inline constexpr std::uint32_t max_settle_rank = (1u << 16) - 1;

struct event {
  double time_ms = 0.0;
  std::uint64_t order = 0;   // (kind << 56) | insertion sequence (settle: kind | rank | sequence; arrival: kind)
  double emit_ms = 0.0;      // arrival: the time its spike was emitted
  std::uint32_t target = 0;  // population (wakeup, settle), source population (arrival), hook (tick)
  std::uint32_t index = 0;   // neuron
  std::uint32_t aux = 0;     // version (wakeup), fan-out group (arrival)
  float grade = 1.0f;        // graded-spike payload (arrival)

  event_kind kind() const { return static_cast<event_kind>(order >> 56); }
  // Below the kind: the insertion sequence (settle events: rank << 40 | sequence mod 2^40).
  std::uint64_t sequence() const { return order & ((std::uint64_t{1} << 56) - 1); }
};

// True when a must be processed before b.
inline bool precedes(const event& a, const event& b) {
  if (a.time_ms != b.time_ms) return a.time_ms < b.time_ms;
  if (a.order != b.order) return a.order < b.order;
  // Equal order keys: two arrivals at one time, in the canonical order.
  if (a.emit_ms != b.emit_ms) return a.emit_ms < b.emit_ms;
  if (a.target != b.target) return a.target < b.target;
  if (a.index != b.index) return a.index < b.index;
  if (a.aux != b.aux) return a.aux < b.aux;
  return a.grade < b.grade;
}

}  // namespace evsnn
