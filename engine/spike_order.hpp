#pragma once
// spike_order: the one order in which evsnn lists spikes: time, then population, then neuron (its global
// index). Spike files write each instant's spikes in it (tools/run_output) and a partitioned run merges its
// ranks' spikes into it (engine/partitioned_run), so a spike file does not depend on the order in which
// spikes of one instant were emitted, nor on the rank that emitted them. A strict weak order.
#include <tuple>

#include "engine/simulator.hpp"

namespace evsnn {

inline bool spike_order(const spike_record& a, const spike_record& b) {
  return std::tie(a.time_ms, a.population, a.neuron) < std::tie(b.time_ms, b.population, b.neuron);
}

}  // namespace evsnn
