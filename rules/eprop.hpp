#pragma once
// eprop: e-prop (Bellec et al. 2020; ../shared/docs/rules-spec.md §6 with the constants of
// rules-spec-additions.md §D), rule type "eprop", on a chain of discrete-tick hidden layers (lif_tick, LIF or
// ALIF with "adapt_beta" > 0), each with an optional recurrent projection onto itself (dense or sparse, any
// delay > 0), ending in a leaky readout (li with tau_syn_ms 0, fed with delay 0). Trains every block: input,
// hidden-to-hidden, recurrent and readout weights.
// At step k of a hidden layer (λ its leak, θ_i the base threshold, A_k = θ + β a_k the adaptive threshold,
// a_k = ρ a_{k−1} + s_{k−1}; tick_membrane):
//   ψ_k = (γ/θ) max(0, 1 − |Ũ_k − A_k|/θ)  ("surrogate": "piecewise_linear", γ = "gamma")
//         or 1/(slope |Ũ_k − A_k| + 1)^2    ("fast_sigmoid", "surrogate_slope");
//   x̄_k = λ x̄_{k−1} + x_k per presynaptic neuron (x_k: its inputs of step k through the block);
//   e_k = ψ_k (x̄_k − β ε_k),  ε_{k+1} = ψ_k x̄_k + (ρ − β ψ_k) ε_k  (the ALIF trace; β = 0: e_k = ψ_k x̄_k);
//   readout y_k = κ y_{k−1} + W_out s_k (the li potential at the step's time t0 + k tick, κ = e^{−tick/τ});
//   err_k = (softmax(y_k) − onehot)/W on the loss window (the last W = loss_window_ms/tick steps of the
//   sample, or all T), 0 before it; the loss is the mean over the window of −log softmax(y_k)_label, the
//   prediction the argmax of Σ_window y_k (ties to the lowest index);
//   L_k = B err_k (the learning signal; B per hidden layer, n × n_out: "feedback": "random" (fixed,
//   N(0, feedback_scale²)), "symmetric" (W_outᵀ as it is; the last hidden layer only) or "adaptive"
//   (starts random, B ← B − feedback_lr (∂L/∂W_out)ᵀ after every batch));
//   ∂L/∂W_ji = Σ_k L_{k,i} ē_{k,ji} + 2 c_reg (f̄_i − f₀)/T Σ_k e_{k,ji},  ē_k = κ ē_{k−1} + e_k
//   (the firing-rate regulariser c_reg Σ_i (f̄_i − f₀)², f̄_i = spikes/T, f₀ = target_rate_hz per tick);
//   ∂L/∂W_out,jc = Σ_k err_{k,c} z̃_{k,j}, z̃_k = κ z̃_{k−1} + s_k.
// Two formulations give the same numbers (to rounding):
//  - "event" (default): the sample keeps its per-neuron ψ and the readout's error (T × neurons), and at its
//    end per-neuron backward recursions L̃_k = L_k + κ L̃_{k+1}, ω = L̃ + reg, P_k = β ω_{k+1} ψ_{k+1} +
//    (ρ − β ψ_{k+1}) P_{k+1}, Q_k = ψ_k (ω_k − P_k) + λ Q_{k+1} (readout: E_k = err_k + κ E_{k+1}) turn the
//    gradient into a sum over the sample's input events: ∂L/∂W_ji = Σ_{inputs (k, j, x)} x Q_{k,i}. A
//    synapse is visited once per presynaptic spike, never per tick: the cost follows spikes (plus T × neurons
//    × n_out for the learning signal), the memory grows with T like BPTT's unroll, without per-synapse state.
//  - "tick": the forward recursions as written, every tick, over the synapses of presynaptic neurons active
//    in the sample (x̄ ≠ 0): per-synapse ē, Σe and ε (ALIF); memory independent of T.
// Updates: summed over the sample, mean over the batch, one optimizer step per batch (offline, as the paper).
// Spec: {"type": "eprop", "formulation": "event" | "tick", "feedback": "random" | "symmetric" | "adaptive",
//   "feedback_scale": 1, "feedback_lr": 0.001, "surrogate": "piecewise_linear" | "fast_sigmoid", "gamma": 0.3,
//   "surrogate_slope": 25, "loss_window_ms": 0 (the whole sample), "reg_rate": 0, "target_rate_hz": 10}; the
// config's loss is "tick_ce".
// Invariants: sums.sums[b] has one value per synapse of chain block b, in its projection's synapse order;
// feedback_[h] has n_h × n_out values (row = hidden neuron).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rules/learning_rule.hpp"

namespace evsnn::rules {

struct eprop_params {
  bool event = true;
  std::string feedback = "random";
  double feedback_scale = 1.0;
  double feedback_lr = 1e-3;
  bool piecewise = true;
  double gamma = 0.3;
  double slope = 25.0;
  double loss_window_ms = 0.0;
  double reg_rate = 0.0;
  double target_rate_hz = 10.0;
};

class eprop_rule final : public learning_rule {
 public:
  eprop_rule(eprop_params params, const layer_chain& chain, std::uint64_t seed);
  const char* name() const override { return "eprop"; }
  bool shares_sample_rows() const override { return params_.event; }  // the backward recursions and the scatter
  bool computes_loss() const override { return true; }
  fixed_sum_set make_sums() const override;
  std::unique_ptr<rule_worker> make_worker(simulator& sim, const layer_chain& chain) override;
  void end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) override;
  std::vector<std::span<const float>> state() const override;
  void load_state(const std::vector<std::vector<float>>& blocks) override;
  nlohmann::json describe() const override;

  const eprop_params& params() const { return params_; }
  double tick_ms() const { return tick_ms_; }
  double readout_decay() const { return kappa_; }
  // B of hidden layer h (n_h × n_out); for "symmetric" the caller reads W_out instead.
  const std::vector<float>& feedback_matrix(std::size_t h) const { return feedback_[h]; }

 private:
  eprop_params params_;
  double tick_ms_ = 1.0;
  double kappa_ = 0.0;
  std::size_t readout_block_ = 0;
  std::uint32_t n_out_ = 0;
  std::vector<std::vector<float>> feedback_;
  fixed_sum_set sums_;
};

std::unique_ptr<learning_rule> make_eprop(const json_node& spec, const layer_chain& chain, std::uint64_t seed);

}  // namespace evsnn::rules
