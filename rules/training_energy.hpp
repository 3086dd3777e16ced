#pragma once
// training_energy: what a training pass costs per training sample, priced twice: as an event-driven
// chip runs it (the simulator's counters: synaptic events, neuron updates, spikes, queue operations,
// crossing predictions, neuron steps at the energy clock, plus the rule's own trace updates, weight
// updates and rule operations) and as a time-stepped accelerator runs the same work (every synapse of
// every projection a dense MAC every step, every trained neuron updated every step, plus the same
// learning operations — a lower bound for the clocked rule, which cannot skip silent synapses).
// Every pass of a multi-pass rule counts (ANP's noisy pass, TP's label stream as rule operations), and so
// do the optimizer's steps (one weight update per trained value per step: per batch, or per tick online).
// Invariants: counts are totals over `samples` training samples; a null profile gives NaN for its figure.
#include <cstdint>

#include "engine/counters.hpp"
#include "engine/energy_profile.hpp"
#include "engine/network.hpp"

namespace evsnn::rules {

struct training_cost {
  double learning_ops_per_sample = 0.0;  // trace updates + weight updates + rule operations
  double event_driven_uj = 0.0;          // per sample, NaN without an event-driven profile
  double time_stepped_uj = 0.0;          // per sample, NaN without a time-stepped profile
};

// c: the training pass's counters summed over its samples; steps: energy-clock steps summed over every
// pass of every sample; trained_neurons: neurons of the chain's layers; net: for the dense MAC count;
// optimizer_updates: the parameters the optimizer wrote (every trained value, every step), weight updates.
training_cost price_training(const run_counters& c, const network& net, std::uint64_t steps,
                             std::uint64_t trained_neurons, std::uint64_t samples, std::uint64_t optimizer_updates,
                             const energy_profile* event_driven, const energy_profile* time_stepped);

}  // namespace evsnn::rules
