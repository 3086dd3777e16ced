#pragma once
// presenter: feeds a sequence of samples (sorted input events + a duration) into a network's input
// population (one that accepts_input(), e.g. spike_source with "external": true) through the
// simulator's sample hooks: sample_begin, the sample's events, sample_end.
//  - state_policy::reset: every sample starts at time 0 from rest with an empty queue (spike times
//    are relative to the sample; samples are independent, as in batch training and evaluation);
//  - state_policy::carry: a continuous stream — sample k starts where sample k-1 ended plus gap_ms,
//    neuron state and pending events carry over (online learning on a stream).
// A sample lasts a fixed duration (present) or drains (present_drained): it runs to at least a minimum
// duration and then on until no event is pending, so spikes still in flight when the input ends
// (delays, rising membranes) are delivered; it ends at the later of the two. A network that never
// falls quiet (Poisson sources, ticking hooks, self-sustained activity) never drains: give a duration.
// A stopped simulator (simulator::stopped()) ends the sample where it stopped; it does not count.
// Invariants: samples are validated before they run (times finite, >= 0, sorted; channels < input
// size; duration > 0 and >= the last event), errors are input_error naming the sample index; the
// presenter never copies events (the span must stay valid until present() returns).
#include <cstdint>
#include <span>

#include "engine/input_event.hpp"
#include "engine/simulator.hpp"

namespace evsnn {

enum class state_policy { reset, carry };

class presenter {
 public:
  presenter(simulator& sim, std::uint32_t input_population, state_policy policy, double gap_ms = 0.0);

  // Runs one sample for duration_ms; returns the time at which it began.
  double present(std::span<const input_event> events, double duration_ms);
  // Runs one sample for at least min_duration_ms, then until no event is pending; returns the time
  // at which it began (last_duration_ms() is how long it lasted).
  double present_drained(std::span<const input_event> events, double min_duration_ms);

  // The same sample run in steps (lockstep training, where every step of a batch's samples waits for the
  // others): begin() starts it as present() would and returns its begin time, advance_to(t) processes every
  // event up to begin + t (t <= duration), finish() ends it at begin + duration. The span must stay valid
  // until finish().
  double begin(std::span<const input_event> events, double duration_ms);
  void advance_to(double t_ms);
  void finish();

  // Length of the last sample run (up to the stop, if the simulator stopped during it).
  double last_duration_ms() const { return last_duration_ms_; }

  std::uint64_t samples_presented() const { return presented_; }
  // Time at which the next sample begins.
  double next_begin_ms() const { return next_begin_ms_; }

 private:
  simulator& sim_;
  std::uint32_t input_;
  state_policy policy_;
  double gap_ms_;
  double run(std::span<const input_event> events, double duration_ms, bool drain);
  void validate(std::span<const input_event> events, double duration_ms) const;

  double next_begin_ms_ = 0.0;
  double begin_ms_ = 0.0, end_ms_ = 0.0;  // the sample begun by begin()
  double last_duration_ms_ = 0.0;
  std::uint64_t presented_ = 0;
};

}  // namespace evsnn
