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

namespace {

// Every count, once: add() and sum_over_ranks() walk these lists.
constexpr std::uint64_t population_counters::*pop_fields[] = {
    &population_counters::spikes,        &population_counters::neuron_updates,
    &population_counters::crossing_predictions, &population_counters::wakeups_scheduled,
    &population_counters::stale_wakeups, &population_counters::dropped_inputs};
constexpr std::uint64_t projection_counters::*proj_fields[] = {
    &projection_counters::spikes_in,     &projection_counters::synaptic_events, &projection_counters::graded_events,
    &projection_counters::trace_updates, &projection_counters::weight_updates,  &projection_counters::rule_ops};
constexpr std::uint64_t run_counters::*run_fields[] = {&run_counters::events, &run_counters::queue_pushes,
                                                       &run_counters::queue_pops, &run_counters::ticks};

}  // namespace

void run_counters::add(const run_counters& other) {
  if (populations.empty() && projections.empty()) {
    populations.resize(other.populations.size());
    projections.resize(other.projections.size());
  }
  if (populations.size() != other.populations.size() || projections.size() != other.projections.size())
    throw std::invalid_argument("run_counters::add: counters of another network");
  for (std::size_t p = 0; p < populations.size(); ++p)
    for (auto f : pop_fields) populations[p].*f += other.populations[p].*f;
  for (std::size_t p = 0; p < projections.size(); ++p)
    for (auto f : proj_fields) projections[p].*f += other.projections[p].*f;
  for (auto f : run_fields) this->*f += other.*f;
}

void run_counters::sum_over_ranks(communicator& comm, std::size_t populations_count, std::size_t projections_count) {
  if (populations.empty() && projections.empty()) {
    populations.resize(populations_count);
    projections.resize(projections_count);
  }
  if (populations.size() != populations_count || projections.size() != projections_count)
    throw std::invalid_argument("run_counters::sum_over_ranks: counters of another network");
  std::vector<std::uint64_t> flat;
  for (auto f : run_fields) flat.push_back(this->*f);
  for (const auto& p : populations)
    for (auto f : pop_fields) flat.push_back(p.*f);
  for (const auto& p : projections)
    for (auto f : proj_fields) flat.push_back(p.*f);
  comm.sum(flat);
  std::size_t i = 0;
  for (auto f : run_fields) this->*f = flat[i++];
  for (auto& p : populations)
    for (auto f : pop_fields) p.*f = flat[i++];
  for (auto& p : projections)
    for (auto f : proj_fields) p.*f = flat[i++];
}

}  // namespace evsnn
