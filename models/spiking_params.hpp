#pragma once
// spiking_params: the options every spiking LIF model shares, read from a population's "params":
//   "threshold": number (shared) or array of `size` numbers (per neuron), each > 0; default 1.
//   "reset": "subtract" (default; u -= threshold) or "zero" (u = 0).
//   "refractory_ms": >= 0, default 0. What happens during it is the model's to define and document.
//   "max_spikes": a positive integer, only for the models that read it (read_max_spikes: lif_alpha, cuba_lif):
//   each neuron emits at most this many spikes per sample (the spike buffers of the BATS and SFDFA code,
//   which drop later spikes); 0 (absent): no limit.
// Invariants: threshold.size() == size, every threshold finite and > 0, refractory_ms finite >= 0.
#include <cstdint>
#include <vector>

#include "engine/json_node.hpp"

namespace evsnn {

enum class reset_mode { subtract, zero };

struct spiking_params {
  std::vector<double> threshold;
  reset_mode reset = reset_mode::subtract;
  double refractory_ms = 0.0;
  std::uint32_t max_spikes = 0;  // 0: no limit
};

// Reads the shared keys from params (marking them used); the caller reads its own and calls finish().
spiking_params read_spiking_params(const json_node& params, std::uint32_t size);
// Reads "max_spikes" into p (for the models that support it).
void read_max_spikes(const json_node& params, spiking_params& p);

}  // namespace evsnn
