#include "engine/counters.hpp"

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

}  // namespace evsnn
