#pragma once
// tp: traces propagation (seed 001; ../shared/docs/rules-spec-additions.md §A.1 and §A.4), rule type "tp",
// as the authors' code runs it, on a chain of discrete-tick layers (lif_tick: delta synapses, soft reset
// by subtraction, no bias) whose last layer is the readout.
// - Data stream: the network itself, event-driven. Each hidden layer l keeps one activity trace per neuron,
//   ε_l ← λ_t ε_l + s_l per tick, and the surrogate ψ = scale / (1 + (π(Ũ − θ))²) of its potential Ũ.
// - Label stream (training only): the one-hot label c enters, every tick, a frozen random layer S (C → H₁,
//   U(±1/√C), drawn from the rule's seed) with the first hidden layer's constants, then runs through the
//   same W_l as the data above it; the rule computes it tick-synchronously on the current weights and counts
//   its synaptic operations as the layer's rule operations. Its traces ε̃_l; ε̃_0 = λ_t-filtered one-hot.
// - Every tick, per hidden layer, the B×B contrast of tp_contrast between the lanes' ε_l and ε̃_l with
//   targets from ε̃_{l−1}; ∂L_l/∂W_l = Σ_b (GẼ)_b ⊙ ψ_b ⊗ x_b(t) + Σ_b (GᵀE)_b ⊙ ψ̃_b ⊗ x̃_b(t) (the second
//   term for l ≥ 2 only: S, not W₁, carries the first layer's label stream), x the instantaneous input of
//   the tick (no presynaptic traces).
// - Readout: the output layer's spikes are not used; m ← m + W_outᵀ s_L (a leak-free integrator of the
//   last hidden layer's spikes), ∂W_out = ε_L ⊗ (softmax(m) − y) per tick; prediction argmax m at the end
//   (ties to the lowest index); the logged loss is the mean over ticks of −log softmax(m)_y.
// - Online only: the trainer runs the batch in lockstep lanes and takes an optimizer step (Adam in the
//   authors' code) after every tick on the batch mean (lr schedule: the optimizer's cosine lr_decay).
// - Recurrent hidden layers (the SHD recurrent set-up, §A.1): a layer's projection onto itself with delay
//   tick_ms feeds the spikes of the tick before (data stream: the network; label stream: the same R from
//   layer 2 on, S's own frozen random matrix U(±1/√H₁) for layer 1); R's update is the layer's δ with those
//   spikes as the input.
// Spec: {"type": "tp", "trace_leak": λ_t (default: each layer's membrane leak), "surrogate_scale": 1,
//        "label_init": 1/√C (S ~ U(±label_init))}; the config's loss is "tick_ce"; batch_size >= 2.
// Invariants: the chain is all lif_tick with one tick, ≥ 1 hidden layer, zero delays above the input
// projection; sums.sums[l] has one value per synapse of layer l.
#include <cstdint>
#include <memory>
#include <vector>

#include "rules/learning_rule.hpp"
#include "rules/tick_chain.hpp"
#include "rules/tp_contrast.hpp"

namespace evsnn::rules {

class tp_rule final : public learning_rule {
 public:
  tp_rule(const layer_chain& chain, tick_chain_info info, std::vector<double> trace_leak, double surrogate_scale,
          double label_init,
          std::uint64_t seed);
  const char* name() const override { return "tp"; }
  bool computes_loss() const override { return true; }
  double online_step_ms() const override { return info_.tick_ms; }
  std::size_t min_batch_size() const override { return 2; }
  void couple_lanes(std::span<rule_worker* const> lanes, const parallel_rows& par) override;
  bool couples_lanes() const override { return true; }
  fixed_sum_set make_sums() const override { return sums_; }
  std::unique_ptr<rule_worker> make_worker(simulator& sim, const layer_chain& chain) override;
  void end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) override;
  nlohmann::json describe() const override;

  const tick_chain_info& info() const { return info_; }
  const std::vector<double>& trace_leak() const { return trace_leak_; }
  double surrogate_scale() const { return scale_; }
  // S, C × H₁ row-major (row = class).
  const std::vector<double>& label_weights() const { return label_w_; }
  // S's frozen recurrent matrix (H₁ × H₁, pre-major) when the first hidden layer is recurrent; else empty.
  const std::vector<double>& label_recurrent_weights() const { return label_rec_; }
  std::uint32_t classes() const { return classes_; }

 private:
  tick_chain_info info_;
  std::vector<double> trace_leak_;
  double scale_, label_init_;
  std::uint32_t classes_;
  std::vector<double> label_w_, label_rec_;
  fixed_sum_set sums_;
  // couple_lanes' buffers.
  std::vector<rule_worker*> live_;
  std::vector<double> e_, et_, t_, coef_, coef_t_;
  tp_contrast_buffers contrast_;
};

std::unique_ptr<learning_rule> make_tp_rule(const json_node& spec, const layer_chain& chain, std::uint64_t seed);

}  // namespace evsnn::rules
