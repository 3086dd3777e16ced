#pragma once
// bp_exact: the exact gradient of the loss through the spike times (event-based backpropagation as in
// BATS, the SFDFA paper's BP baseline), for networks of exact current-based LIF layers with any number
// of spikes per neuron. It is offline: the worker records, per layer, the arrivals (presynaptic spike
// times at the layer) and its own spikes with the synaptic current at each, and at the end of the sample
// propagates errors backward:
//  - spike k of neuron i crosses threshold at t_k with du/dt = (I_k - theta)/tau_mem, so for any
//    parameter x of u: dt_k/dx = -(du(t_k)/dx) tau_mem / (I_k - theta) (implicit function theorem);
//  - u(t) = sum_z w_ij kappa(t - t_z) - theta sum_{m} e^{-(t - t_m)/tau_mem} (reset by subtraction), so
//    dt_k/dw_ij = -q kappa(t_k - t_z) summed over arrivals z of j before t_k, dt_k/dt_z = q w_ij kappa'(.),
//    dt_k/dt_m = q theta e^{-(t_k - t_m)/tau_mem} / tau_mem for earlier own spikes m (q = tau_mem/(I_k - theta));
//  - total errors dL/dt_k run backward over each neuron's spikes (reset coupling), then to the arrivals
//    of the layer, which are the spikes of the layer below (same order), down to the input.
// Output errors: count losses give dL/dt_k = -dL/dn_o for every spike (an earlier spike stands for one
// more spike, as in the paper); first-spike losses give dL/dt of the first spike; an li readout's value
// at the sample end is differentiated exactly. Exact means exact for the loss as written, holding the
// number of spikes fixed (spike counts are piecewise constant in the weights).
// Invariants: recorded arrivals and spikes are in time order; the gradient of layer l is in its dense
// projection's synapse order (j * n_post + i).
#include <memory>

#include "rules/learning_rule.hpp"

namespace evsnn::rules {

class bp_exact final : public learning_rule {
 public:
  bp_exact(const layer_chain& chain, loss_input input);
  const char* name() const override { return "bp_exact"; }
  fixed_sum_set make_sums() const override;
  std::unique_ptr<rule_worker> make_worker(simulator& sim, const layer_chain& chain) override;
  void end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) override;
  nlohmann::json describe() const override { return {{"type", "bp_exact"}}; }

 private:
  layer_chain chain_;
  loss_input input_;
};

// spec: no keys of its own ("type" belongs to make_rule, which reads it before calling this factory).
std::unique_ptr<learning_rule> make_bp_exact(const json_node& spec, const layer_chain& chain, loss_input input);

}  // namespace evsnn::rules
