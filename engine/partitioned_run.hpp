#pragma once
// partitioned_run: one run of a network dealt over the ranks of a communicator (`mpirun -np N evsnn run`,
// issue 17), in conservative windows as NEST runs them. With W the partition's window (the least delay
// of a projection whose spikes may cross ranks, engine/partition.hpp), every rank simulates [T, T + W)
// alone: a spike another rank emits in that window arrives at T + W or later. At the window's end the
// ranks swap the window's spikes (one gather_varied, 20 bytes a spike), each rank pushes the arrivals of
// the others' spikes, and rank 0 hands every spike of the window, in (time, population, neuron) order, to
// its output sink. Arrivals at one time are applied in their spikes' order (engine/event.hpp) and
// population reference times move on a fixed grid (engine/rebase_grid.hpp), so each rank computes for
// its neurons the bits one process computes: the same spikes at the same times.
// A stop on any rank (its simulator's stop poll: a signal) stops every rank at the end of that window.
// Invariants: every rank calls run() with the same duration; memory: the spikes of one window.
#include <cstdint>
#include <vector>

#include "engine/communicator.hpp"
#include "engine/simulator.hpp"

namespace evsnn {

class partitioned_run {
 public:
  struct stats {
    std::uint64_t windows = 0;
    std::uint64_t spikes_sent = 0;  // this rank's spikes
    std::uint64_t bytes_received = 0;
    double exchange_s = 0.0;        // in the swaps, waiting for the slowest rank included
  };

  partitioned_run(simulator& sim, communicator& comm) : sim_(sim), comm_(comm) {}
  // One sample from 0 to duration_ms with a reset (the simulator's spike sink is the run's own meanwhile,
  // and none after). output: rank 0's sink for every spike of every rank
  // (null: none; other ranks' output is ignored). Returns false when a rank was stopped (the run ends at
  // the end of that window, sim.now() on each rank, without the sample's end).
  bool run(double duration_ms, spike_sink* output);
  const stats& traffic() const { return stats_; }

 private:
  class outbox final : public spike_sink {
   public:
    void on_spike(const spike_record& s) override { spikes.push_back(s); }
    std::vector<spike_record> spikes;
  };
  // Swaps the window's spikes; true when any rank stopped.
  bool exchange(spike_sink* output);

  simulator& sim_;
  communicator& comm_;
  outbox outbox_;
  std::vector<std::byte> mine_, all_;
  std::vector<std::size_t> counts_;
  std::vector<spike_record> window_;
  stats stats_;
};

}  // namespace evsnn
