#pragma once
// neurobench_metrics: the NeuroBench workload and static metrics (github.com/NeuroBench/neurobench,
// definitions restated in the report) computed on a time-stepped run — NeuroBench counts per model
// timestep, so the stepped twin at dt is the execution they describe — for one sample:
//  - activation_sparsity: 1 - spikes / (spiking non-source neurons x steps) (0: every neuron fires
//    every step; 1: silent);
//  - dense_synops: every (pre, post) pair of every projection every step (inputs and weights set to 1);
//  - effective_macs / effective_acs: synaptic events through a nonzero weight, MAC for graded
//    projections, AC for binary spikes;
//  - membrane_updates: every stepped neuron once in the first step, then (neuron, step) pairs whose
//    membrane potential changed;
//  - footprint_bytes: parameters and buffers as evsnn stores them: float64 weights, CSR indices
//    (uint32 per synapse and per row), per-neuron parameters and state of the stepped model;
//  - connection_sparsity: zero weights / all weights of the dense matrices (n_pre x n_post per
//    projection; absent synapses are zeros), as NeuroBench's code computes it (not its .rst).
// Invariants: 0 <= activation_sparsity, connection_sparsity <= 1; effective_* <= the stepped synaptic events.
#include <cstdint>

#include <nlohmann/json.hpp>

#include "engine/stepped_simulator.hpp"

namespace evsnn {

struct neurobench_metrics {
  double activation_sparsity = 0.0;
  std::uint64_t dense_synops = 0;
  std::uint64_t effective_macs = 0;
  std::uint64_t effective_acs = 0;
  std::uint64_t membrane_updates = 0;
  std::uint64_t footprint_bytes = 0;
  std::uint64_t weight_bytes = 0, index_bytes = 0, neuron_state_bytes = 0;
  double connection_sparsity = 0.0;
  std::uint64_t steps = 0;

  static neurobench_metrics of(const stepped_simulator& sim);
  // The metrics with their definitions, for reports.
  nlohmann::json to_json() const;
};

}  // namespace evsnn
