#pragma once
// simulator: runs a network event by event. It pops events in total order (time, kind, sequence),
// dispatches them to populations (arrivals, wakeups) and hooks (ticks, sample boundaries), turns
// every emitted spike into one arrival per fan-out group of its population, and counts what it did.
// Invariants: time never decreases within a sample; same network + same seed + same input gives
// bit-identical spikes and counters; after the first sample of a given size, running does not allocate
// (queue FIFOs and the spike record keep their capacity). The network's own plastic rules
// (network::plastic) are hooks of every simulator of it, added first, in declaration order.
#include <cstdint>
#include <vector>

#include "engine/counters.hpp"
#include "engine/event_queue.hpp"
#include "engine/hook.hpp"
#include "engine/network.hpp"
#include "engine/spike_port.hpp"

namespace evsnn {

struct spike_record {
  double time_ms;
  std::uint32_t population;
  std::uint32_t neuron;
};

class simulator final : public spike_port {
 public:
  simulator(network& net, std::uint64_t seed);

  // The hook must outlive the simulator. Ticks start at the next begin_sample.
  void add_hook(hook& h, const hook_subscription& sub);
  void record_spikes(bool on) { record_spikes_ = on; }

  // Starts a sample at t_ms. reset_state: clear pending events and put every neuron at rest at t_ms
  // (t_ms may then be any time); otherwise state and pending events carry over (t_ms >= now()).
  void begin_sample(double t_ms, bool reset_state = true);
  // Processes every event with time <= t_ms.
  void run_until(double t_ms);
  // Runs to t_ms and ends the sample there (hooks see on_sample_end after every event at t_ms).
  void end_sample(double t_ms);
  // One sample from 0 to duration_ms with a reset.
  void run(double duration_ms);
  // Lets the network's plastic rules apply every update the spikes so far determine (end of a run,
  // before weights are read).
  void settle();
  // Tells the hooks what is known of the sample that just ended (label, loss).
  void report_outcome(const sample_outcome& outcome);

  double now() const { return queue_.now(); }
  // Counters accumulate over every sample this simulator runs (totals for a data set pass);
  // counters().reset() starts them afresh.
  const std::vector<spike_record>& spikes() const { return spikes_; }
  void clear_spikes() { spikes_.clear(); }
  run_counters& counters() { return counters_; }
  const run_counters& counters() const { return counters_; }
  network& net() { return net_; }
  std::uint64_t sample_index() const { return sample_index_; }
  // Names the next sample (its random streams and the index hooks see derive from it). Parallel
  // trainers give each sample its data set identity, so results do not depend on which worker ran it.
  void set_sample_index(std::uint64_t index) { sample_index_ = index; }

  void emit_spike(std::uint32_t population, std::uint32_t neuron, double t_ms, float grade) override;
  void schedule_wakeup(std::uint32_t population, std::uint32_t neuron, double t_ms, std::uint32_t version) override;

 private:
  struct post_hook {
    hook* h;
    std::uint32_t projection;
  };
  struct hook_entry {
    hook* h;
    hook_subscription sub;
  };
  void dispatch(const event& e);
  void deliver_arrival(const event& e);

  network& net_;
  std::uint64_t seed_;
  event_queue queue_;
  run_counters counters_;
  std::vector<hook_entry> hooks_;
  std::vector<std::vector<hook*>> pre_hooks_;        // per projection
  std::vector<std::vector<post_hook>> post_hooks_;   // per postsynaptic population
  std::vector<spike_record> spikes_;
  bool record_spikes_ = true;
  std::uint64_t sample_index_ = 0;
  std::uint64_t pushes_at_sync_ = 0;
  std::uint64_t pops_at_sync_ = 0;
};

}  // namespace evsnn
