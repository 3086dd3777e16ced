#pragma once
// counters: what a run did, kept per population and per projection, always on.
// Populations add their own neuron updates and crossing predictions; the simulator adds spikes,
// synaptic events and queue operations; learning rules add trace/weight/other updates through
// the contexts the simulator hands them. All counts are exact integers.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/communicator.hpp"

namespace evsnn {

struct population_counters {
  std::uint64_t spikes = 0;                // spikes emitted
  std::uint64_t neuron_updates = 0;        // times a neuron's state was advanced or changed
  std::uint64_t crossing_predictions = 0;  // next-threshold-crossing computations
  std::uint64_t wakeups_scheduled = 0;     // predicted crossings pushed to the queue
  std::uint64_t stale_wakeups = 0;         // predicted crossings dropped because input changed them
  std::uint64_t dropped_inputs = 0;        // inputs ignored (refractory lif_delta)
};

struct projection_counters {
  std::uint64_t spikes_in = 0;        // presynaptic spikes delivered through this projection
  std::uint64_t synaptic_events = 0;  // synapses reached by ungraded spikes (accumulates, AC)
  std::uint64_t graded_events = 0;    // synapses reached by graded spikes (multiply-accumulates, MAC)
  std::uint64_t trace_updates = 0;    // reported by rules
  std::uint64_t weight_updates = 0;   // reported by rules
  std::uint64_t rule_ops = 0;         // other learning-rule operations, reported by rules
};

struct run_counters {
  std::vector<population_counters> populations;
  std::vector<projection_counters> projections;
  std::uint64_t events = 0;         // events processed (queue pops)
  std::uint64_t queue_pushes = 0;
  std::uint64_t queue_pops = 0;
  std::uint64_t ticks = 0;          // learning-clock ticks delivered

  std::uint64_t total_spikes() const;
  std::uint64_t total_synaptic_events() const;  // AC + MAC
  std::uint64_t total_neuron_updates() const;
  void reset();
  // Adds other's counts (a run of the same network: same populations and projections; an empty
  // *this takes other's shape).
  void add(const run_counters& other);
  // Sums these counts over the ranks of comm, in place on every rank (counters of a network with `populations`
  // and `projections`; an empty *this takes that shape first).
  void sum_over_ranks(communicator& comm, std::size_t populations_count, std::size_t projections_count);
};

}  // namespace evsnn
