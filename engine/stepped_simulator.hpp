#pragma once
// stepped_simulator: the clocked engine — runs the same network as simulator, with step dt, the way a
// time-stepped accelerator would: every non-source neuron is advanced every step with its model's exact
// per-step propagator (population::make_stepped), inputs are binned to steps, spikes are emitted at
// step ends. It counts what such an accelerator does.
// Step k covers [k dt, (k+1) dt): (1) spike sources emit their spikes of step k (the same input as the
// event-driven run: same replay list, Poisson regenerated from the same per-sample seed); (2) the
// arrivals binned to step k are delivered (a spike emitted in step s through a projection of delay d
// lands in step s + floor(d/dt); a neuron's spike at the end of step k is emitted in step k+1, so
// zero-delay spikes reach the next step); (3) every other population advances one step and reports
// its spikes at (k+1) dt. Arrivals in step >= steps() are dropped (the run ends at steps() dt).
// Same-step populations (stepped_population::same_step(), discrete-tick models) report step k's spikes
// at k dt with emission step k; their spikes through a projection of delay d land in step
// k + ceil(d/dt) (within 1e-9 steps of an integer counts as it: the first step that starts at or after
// the arrival, as the event-driven tick model bins it; equal to floor for delays on the step grid), and
// those landing in step k itself (zero delay) are delivered at once, before the populations that come
// later in step (3): non-source populations step in rank order of these zero-delay projections
// (engine/zero_delay_order.hpp; declaration order among equal ranks, so networks without same-step
// populations step as before), and a zero-delay loop among same-step populations is an input_error.
// Counts (counters(): the same run_counters as the event-driven run, queue fields 0): spikes;
// synaptic events per projection (AC, or MAC when graded; one per synapse reached, zero weights
// included); neuron updates = size x steps for every non-source population (sources: 0); and
// stepped-only figures: dense MACs (every (pre, post) pair of every projection every step, as a
// dense layer on a GPU), effective synaptic ops (nonzero weights only, NeuroBench "effective") and
// NeuroBench membrane updates, active neuron-steps (a neuron that got input or spiked in a step: what
// Loihi charges as an "active" neuron update). Learning-rule hooks do not run here.
// Invariants: steps() == the number of steps of the last run; after the first run no allocation in
// the step loop once the pending-arrival slots and spike buffers have reached their peak sizes.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/counters.hpp"
#include "engine/network.hpp"
#include "engine/simulator.hpp"
#include "engine/stepped_population.hpp"

namespace evsnn {

class stepped_simulator {
 public:
  // Throws input_error if dt_ms is not finite and > 0 or a population has no stepped twin.
  stepped_simulator(network& net, double dt_ms, std::uint64_t seed);

  void record_spikes(bool on) { record_spikes_ = on; }
  // Every spike also goes to sink (nullptr: none) as it is emitted; the sink must outlive its use.
  void set_spike_sink(spike_sink* sink) { sink_ = sink; }
  // One sample from 0 to duration_ms (ceil(duration_ms/dt) steps) from rest; sample seeds are derived
  // exactly as simulator derives them, so Poisson input is identical.
  void run(double duration_ms);

  double dt_ms() const { return dt_ms_; }
  std::uint64_t steps() const { return steps_; }
  // Neurons updated every step (all non-source populations).
  std::uint64_t stepped_neurons() const { return stepped_neurons_; }
  const std::vector<spike_record>& spikes() const { return spikes_; }
  const run_counters& counters() const { return counters_; }
  // Per projection: n_pre x n_post x steps.
  std::uint64_t dense_macs(std::uint32_t projection) const;
  std::uint64_t total_dense_macs() const;
  // Per projection: synaptic events through a nonzero weight.
  std::uint64_t effective_ops(std::uint32_t projection) const { return effective_ops_[projection]; }
  // Per population: NeuroBench membrane updates (every neuron in the first step, then the neurons
  // whose membrane changed in the step).
  std::uint64_t membrane_updates(std::uint32_t population) const { return membrane_updates_[population]; }
  // Per population: (neuron, step) pairs in which the neuron received input or spiked.
  std::uint64_t active_neuron_steps(std::uint32_t population) const { return active_neuron_steps_[population]; }
  std::uint64_t total_active_neuron_steps() const;
  stepped_population& pop(std::uint32_t id) { return *pops_[id]; }
  const stepped_population& pop(std::uint32_t id) const { return *pops_[id]; }
  network& net() { return net_; }
  const network& net() const { return net_; }
  std::uint64_t sample_index() const { return sample_index_; }
  // Steps a delay of delay_ms spans: floor(delay_ms/dt) (within 1e-9 steps of an integer counts as it).
  std::uint64_t delay_steps(double delay_ms) const;
  // The order in which non-source populations step (ids).
  const std::vector<std::uint32_t>& step_order() const { return neurons_; }

 private:
  struct pending {
    std::uint32_t population;
    std::uint32_t neuron;
    std::uint32_t group;
    float grade;
  };
  void emit(std::uint32_t population, const stepped_spike& s);
  void deliver(std::uint64_t k);
  void deliver_one(const pending& a);

  network& net_;
  double dt_ms_;
  std::uint64_t seed_;
  std::vector<std::unique_ptr<stepped_population>> pops_;
  std::vector<std::uint32_t> sources_, neurons_;              // population ids
  std::vector<std::vector<std::uint64_t>> group_delay_steps_;  // per population, per fan-out group
  std::vector<std::vector<std::uint32_t>> row_nonzero_;        // per projection, per pre neuron
  std::vector<std::vector<pending>> slots_;                    // ring of arrivals by step
  std::vector<stepped_spike> buffer_;
  run_counters counters_;
  std::vector<std::uint64_t> effective_ops_, membrane_updates_, active_neuron_steps_;
  std::vector<spike_record> spikes_;
  bool record_spikes_ = true;
  spike_sink* sink_ = nullptr;
  std::uint64_t steps_ = 0;
  std::uint64_t delivered_step_ = UINT64_MAX;  // the step whose binned arrivals were delivered (none: max)
  std::uint64_t stepped_neurons_ = 0;
  std::uint64_t sample_index_ = 0;
};

}  // namespace evsnn
