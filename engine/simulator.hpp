#pragma once
// simulator: runs a network event by event. It pops events in total order (time, kind, sequence),
// dispatches them to populations (arrivals, wakeups, settles) and hooks (ticks, sample boundaries), turns
// every emitted spike into one arrival per fan-out group of its population, and counts what it did.
// Invariants: time never decreases within a sample; same network + same seed + same input gives
// bit-identical spikes and counters; after the first sample of a given size, running does not allocate
// (queue FIFOs keep their capacity; the in-memory spike record grows with the spikes unless it is off,
// and a spike_sink sees each spike as it is emitted instead). The network's own plastic rules
// (network::plastic) are hooks of every simulator of it, added first, in declaration order.
// Stopping: a stop poll (asked every N events) and the event/spike limits stop a run at an event
// boundary; the simulator then stays stopped (every run call returns at once, the queue keeps its
// pending events) until clear_stop(). The engine knows nothing of signals: the poll is the caller's.
// Memory is bounded by the network, not by the run's length: the events pending in the queue (spikes in
// flight, wakeups) may not exceed a limit, by default default_pending_limit() (64 per neuron and fan-out
// group, at least 2^20; an event takes 40 bytes, twice that at most in a grown buffer). A network whose
// activity outruns its delays (a runaway: recurrent excitation with no refractory period firing ever
// faster) stops with stop_reason::max_pending instead of filling the machine's memory.
// Partitioned networks (network::part(), issue 17): only the populations this rank simulates are reset and
// started, spikes carry global neuron indices, and a projection's spikes_in (and its rules' per-spike
// work) count on one rank only — the one holding both ends, else rank 0 (every rank applies every spike's
// arrival to its own synapses) — so the ranks' counters sum to one process's. Another rank's spike
// (receive_spike) makes the arrivals of the fan-out groups at least a window slow; faster ones hold only
// projections within that rank.
// Discrete-tick populations (population::settles()): settles at one time run in rank order, the ranks
// of engine/zero_delay_order.hpp over zero-delay projections whose both ends settle, computed at
// construction (a zero-delay loop among them is an input_error).
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "engine/counters.hpp"
#include "engine/event_queue.hpp"
#include "engine/hook.hpp"
#include "engine/network.hpp"
#include "engine/rng.hpp"
#include "engine/spike_port.hpp"

namespace evsnn {

struct spike_record {
  double time_ms;
  std::uint32_t population;
  std::uint32_t neuron;  // the global index (over all ranks of a partitioned network)
  float grade = 1.0f;
};

// Receives every spike the moment it is emitted (time order within a sample), e.g. a file writer.
class spike_sink {
 public:
  virtual ~spike_sink() = default;
  virtual void on_spike(const spike_record& s) = 0;
};

// Why a run ended before the time it was asked to reach (none: it did not).
enum class stop_reason { none, requested, max_events, max_spikes, max_pending };

class simulator final : public spike_port {
 public:
  simulator(network& net, std::uint64_t seed);

  // The hook must outlive the simulator. Ticks start at the next begin_sample.
  void add_hook(hook& h, const hook_subscription& sub);
  void record_spikes(bool on) { record_spikes_ = on; }
  // Every spike also goes to sink (nullptr: none); the sink must outlive its use.
  void set_spike_sink(spike_sink* sink) { sink_ = sink; }

  // Stop hook: poll() is asked at an event boundary every every_events events; true stops the run.
  void set_stop_poll(std::function<bool()> poll, std::uint64_t every_events = 1024);
  // Guards, counted from this call (0: no limit): the run stops before processing event max_events + 1,
  // and at the first event boundary after more than max_spikes spikes were emitted.
  void set_limits(std::uint64_t max_events, std::uint64_t max_spikes);
  // The most events that may be pending (0: no limit); the run stops at the first spike or wakeup that
  // leaves more pending.
  void set_pending_limit(std::uint64_t max_pending) { pending_limit_ = max_pending == 0 ? no_limit : max_pending; }
  std::uint64_t pending_limit() const { return pending_limit_; }
  // 64 per neuron and fan-out group of every population (the spikes one neuron may have in flight through
  // one group's delay), at least 2^20 events.
  std::uint64_t default_pending_limit() const;
  std::size_t pending() const { return queue_.size(); }
  // Why a max_pending stop happened, for messages: "N events pending at t = T ms, more than the limit of L:
  // the network's activity outruns its delays (...)". Front ends add how to set the limit.
  std::string pending_stop_text() const;
  // The cause every max_pending message names (pending_stop_text's, and the sum over MPI ranks).
  static std::string_view runaway_cause();
  stop_reason stopped() const { return stop_; }
  // Lets a stopped simulator run again (limits count on from where they were).
  void clear_stop() { stop_ = stop_reason::none; }
  // Events processed and spikes emitted since the simulator was made (not reset with the counters).
  std::uint64_t events_processed() const { return events_processed_; }
  std::uint64_t spikes_emitted() const { return spikes_emitted_; }

  // The seed population p draws its sample sample_index from (stochastic inputs, noise), for a network seed: the
  // one derivation the simulator and its stepped twin share, so that both see the same draws.
  static std::uint64_t population_seed(std::uint64_t seed, std::uint64_t sample_index, std::uint32_t p) {
    return rng::derive(rng::derive(seed, 0x5a17e, sample_index), p);
  }

  // Starts a sample at t_ms. reset_state: clear pending events and put every neuron at rest at t_ms
  // (t_ms may then be any time); otherwise state and pending events carry over (t_ms >= now()).
  void begin_sample(double t_ms, bool reset_state = true);
  // Processes every event with time <= t_ms (t_ms = infinity: until no event is pending).
  void run_until(double t_ms);
  // Processes every event with time < t_ms (a window of a partitioned run).
  void run_before(double t_ms);
  // A spike another rank emitted (partitioned run): its arrivals here, as this rank's own spikes make them.
  // Its time plus the least delay must be > now() (the window guarantees it).
  void receive_spike(const spike_record& s);
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
  void schedule_settle(std::uint32_t population, double t_ms) override;
  // The settle rank of each population (0 for populations that do not settle).
  const std::vector<std::uint32_t>& settle_ranks() const { return settle_rank_; }

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
  bool check_stop();
  void update_check_point();

  static constexpr std::uint64_t no_limit = std::numeric_limits<std::uint64_t>::max();

  network& net_;
  std::uint64_t seed_;
  event_queue queue_;
  run_counters counters_;
  // After a push: a queue over the pending limit stops the run at the next event boundary.
  void note_pending() {
    if (queue_.size() > pending_limit_) check_at_ = 0;
  }

  std::vector<hook_entry> hooks_;
  std::vector<std::vector<hook*>> pre_hooks_;        // per projection
  std::vector<std::vector<post_hook>> post_hooks_;   // per postsynaptic population
  std::vector<std::uint32_t> settle_rank_;           // per population
  std::vector<spike_record> spikes_;
  bool record_spikes_ = true;
  spike_sink* sink_ = nullptr;
  std::function<bool()> stop_poll_;
  std::uint64_t poll_every_ = 0;
  std::uint64_t next_poll_ = no_limit;     // events_processed_ at which stop_poll_ is asked next
  std::uint64_t event_limit_ = no_limit;   // events_processed_ that may not be exceeded
  std::uint64_t spike_limit_ = no_limit;   // spikes_emitted_ that may not be exceeded
  std::uint64_t pending_limit_ = no_limit; // queue_.size() that may not be exceeded
  std::uint64_t check_at_ = no_limit;      // min(next_poll_, event_limit_), 0 after the spike or pending limit was passed
  std::uint64_t events_processed_ = 0;
  std::uint64_t spikes_emitted_ = 0;
  stop_reason stop_ = stop_reason::none;
  std::uint64_t sample_index_ = 0;
  std::vector<std::uint32_t> counts_arrivals_;  // per projection: 1 when this rank counts its spikes_in
  std::vector<std::uint32_t> stream_base_;      // per population: the queue's arrival stream of its group 0
  // Per arrival stream (fan-out group): the one population all its projections go to, where that population
  // defers_predictions(), else no_target. held_: the population told to defer_predictions(), or no_target.
  static constexpr std::uint32_t no_target = 0xffffffffu;
  std::vector<std::uint32_t> sole_target_;
  std::uint32_t held_ = no_target;
  void finish_held();
  std::uint64_t pushes_at_sync_ = 0;
  std::uint64_t pops_at_sync_ = 0;
};

}  // namespace evsnn
