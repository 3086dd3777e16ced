#include "engine/counters.hpp"

#include <stdexcept>

namespace evsnn {

std::uint64_t run_counters::total_spikes() const {
  std::uint64_t n = 0;
  for (const auto& p : populations) n += p.spikes;
  return n;
}

std::uint64_t run_counters::total_synaptic_events() const {
  std::uint64_t n = 0;
  for (const auto& p : projections) n += p.synaptic_events + p.graded_events;
  return n;
}

std::uint64_t run_counters::total_neuron_updates() const {
  std::uint64_t n = 0;
  for (const auto& p : populations) n += p.neuron_updates;
  return n;
}

void run_counters::reset() {
  for (auto& p : populations) p = population_counters{};
  for (auto& p : projections) p = projection_counters{};
  events = queue_pushes = queue_pops = ticks = 0;
}

void run_counters::add(const run_counters& other) {
  if (populations.empty() && projections.empty()) {
    populations.resize(other.populations.size());
    projections.resize(other.projections.size());
  }
  if (populations.size() != other.populations.size() || projections.size() != other.projections.size())
    throw std::invalid_argument("run_counters::add: counters of another network");
  for (std::size_t p = 0; p < populations.size(); ++p) {
    auto& d = populations[p];
    const auto& s = other.populations[p];
    d.spikes += s.spikes;
    d.neuron_updates += s.neuron_updates;
    d.crossing_predictions += s.crossing_predictions;
    d.wakeups_scheduled += s.wakeups_scheduled;
    d.stale_wakeups += s.stale_wakeups;
    d.dropped_inputs += s.dropped_inputs;
  }
  for (std::size_t p = 0; p < projections.size(); ++p) {
    auto& d = projections[p];
    const auto& s = other.projections[p];
    d.spikes_in += s.spikes_in;
    d.synaptic_events += s.synaptic_events;
    d.graded_events += s.graded_events;
    d.trace_updates += s.trace_updates;
    d.weight_updates += s.weight_updates;
    d.rule_ops += s.rule_ops;
  }
  events += other.events;
  queue_pushes += other.queue_pushes;
  queue_pops += other.queue_pops;
  ticks += other.ticks;
}

}  // namespace evsnn
