#pragma once
// layer_chain: the feed-forward structure gradient-based rules train, found in a loaded network:
// one input population (a spike_source with "external": true), then layers 0..L-1, each fed by
// exactly one projection from the layer before (layer 0 from the input). Hidden layers and a spiking
// output are exact current-based LIF populations (lif_alpha or cuba_lif) with reset by subtraction
// and no refractory period (the conditions under which spike times are differentiable as the SFDFA
// paper derives them); the output may instead be an li readout. Projections are dense (synapse id
// = pre * n_post + post) and ungraded (grades ride
// on the spikes for the rules to read, they do not scale the input).
// psp_kernel is the postsynaptic potential of one unit input, kappa(s) = c (e^{-s/tau_mem} - e^{-s/tau_syn})
// (c e^{-s/tau_mem} without synaptic filter), shared by the models and the gradient code.
// Invariants: layers.size() >= 1; layers[l].fan_in == size of layer l-1 (input for l = 0);
// projections are distinct; only the last layer may be a readout.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/network.hpp"

namespace evsnn::rules {

struct psp_kernel {
  double inv_tau_mem = 0.0;
  double inv_tau_syn = 0.0;  // 0: no synaptic filter (li with tau_syn_ms = 0)
  double norm = 1.0;         // c
  double tau_mem_ms() const { return 1.0 / inv_tau_mem; }
  double value(double s) const {
    return inv_tau_syn > 0.0 ? norm * (std::exp(-s * inv_tau_mem) - std::exp(-s * inv_tau_syn))
                             : norm * std::exp(-s * inv_tau_mem);
  }
  // d kappa / ds.
  double slope(double s) const {
    return inv_tau_syn > 0.0
               ? norm * (-inv_tau_mem * std::exp(-s * inv_tau_mem) + inv_tau_syn * std::exp(-s * inv_tau_syn))
               : -norm * inv_tau_mem * std::exp(-s * inv_tau_mem);
  }
};

struct layer_info {
  std::uint32_t population = 0;
  std::uint32_t projection = 0;
  std::uint32_t size = 0;
  std::uint32_t fan_in = 0;
  bool readout = false;  // li output (no spikes)
  psp_kernel kernel;
  std::string name;
  // Spiking layers: thresholds (size entries) and the synaptic current I_i(t) of the population
  // (tau_mem du/dt = -u + I). Valid while the network lives.
  const double* threshold = nullptr;
  const evsnn::population* pop = nullptr;
  double (*current_fn)(const evsnn::population&, std::uint32_t, double) = nullptr;
  double current(std::uint32_t i, double t_ms) const { return current_fn(*pop, i, t_ms); }
};

struct layer_chain {
  std::uint32_t input = 0;
  std::uint32_t input_size = 0;
  std::vector<layer_info> layers;
  const layer_info& output() const { return layers.back(); }
};

// Finds and checks the chain; input_error "<file>: <what is wrong>" otherwise.
layer_chain find_layer_chain(network& net, const std::string& file);

}  // namespace evsnn::rules
