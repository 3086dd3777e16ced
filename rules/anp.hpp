#pragma once
// anp: activity-based node perturbation with layer-local critics (rules-spec §5, additions §C) on
// continuous-time spiking chains (lif_alpha / cuba_lif layers, spiking output).
// Each training sample runs twice on the worker's simulator (passes_per_sample() == 2, same input and
// weights, state reset between): first the noisy pass, where on the rule's learning clock (every
// noise_dt_ms) every neuron of every trained layer gets u += sigma theta_i xi, xi ~ N(0, 1), through
// engine/membrane_kick.hpp (the threshold is re-tested at once), then the clean pass, which the trainer
// scores. The noise stream is seeded by (seed, sample uid), so results do not depend on the thread count.
// The two passes may run on different workers (splits_passes): each exports its counts and loss, and the
// worker that finishes a sample's second pass accumulates it.
// Activity r_l = spike counts of layer l (clean), r~_l (noisy), dr_l = r~_l - r_l; x_{l-1} = clean
// presynaptic counts (input spike counts for layer 0).
// Hidden layer l: critic p_l = softmax(U_l r_l + c_l), dL_l = CE(p~_l, y) - CE(p_l, y); output layer:
// dL = the trainer's loss of the noisy pass minus that of the clean pass. Gradient handed to the optimizer
// dL/dW_l ~ s dL_l dr_l x_{l-1}^T / (|dr|^2 + eps), |dr|^2 = |dr_l|^2 ("layer", default) or the sum over
// all layers ("global", ANP's original); s = N ("n", default: unbiased for isotropic directions), sqrt(N)
// or 1, N = nodes of the layer (or of all layers with the global norm). Under Adam s does not matter.
// Critics learn by the delta rule on the clean pass, dz = p - onehot(y), plus the agreement term
// kappa g_l (p_{l+1} - p_l) for critic l+1 (anp_math.hpp: gate and alternation by batch parity), summed
// in fixed point and applied as U -= critic_lr * batch mean in end_batch.
// Invariants: critics_[h] exist for hidden layers h < L-1, U classes x n_h row-major, classes = output
// size; state() = [U_0, c_0, U_1, c_1, ..., {batches mod 2}]; the sums: per layer its gradient (synapse
// order j * n + i), then per critic dU and dc.
#include <cstdint>
#include <memory>
#include <vector>

#include "rules/anp_math.hpp"
#include "rules/learning_rule.hpp"

namespace evsnn::rules {

struct anp_params {
  double sigma = 0.05;        // noise per tick, in units of each neuron's threshold
  double noise_dt_ms = 1.0;   // the learning clock
  double critic_lr = 1e-3;
  bool global_norm = false;
  anp_math::scale_kind scale = anp_math::scale_kind::n;
  double eps = 1e-8;
  double agreement = 0.1;     // kappa (0: off)
  double agreement_confidence = 0.8;
  bool agreement_requires_correct = false;
};

class anp final : public learning_rule {
 public:
  anp(anp_params params, const layer_chain& chain, std::uint64_t seed);
  const char* name() const override { return "anp"; }
  unsigned passes_per_sample() const override { return 2; }
  bool splits_passes() const override { return true; }  // the passes meet in accumulate only (export_pass)
  fixed_sum_set make_sums() const override;
  std::unique_ptr<rule_worker> make_worker(simulator& sim, const layer_chain& chain) override;
  void end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) override;
  std::vector<std::span<const float>> state() const override;
  void load_state(const std::vector<std::vector<float>>& blocks) override;
  nlohmann::json describe() const override;

  const anp_params& params() const { return params_; }
  struct critic {
    std::vector<float> U, c;
  };
  const std::vector<critic>& critics() const { return critics_; }
  std::uint64_t batches() const { return batches_; }  // end_batch calls (only its parity is checkpointed)

 private:
  friend class anp_worker;
  anp_params params_;
  layer_chain chain_;
  std::uint64_t seed_;
  std::uint32_t classes_;
  std::vector<critic> critics_;
  std::uint64_t batches_ = 0;
  std::vector<float> parity_block_;  // {batches_ % 2} for state()
};

// spec keys (all optional): "sigma" (> 0), "noise_dt_ms" (> 0), "critic_lr" (>= 0), "norm": "layer" | "global",
// "scale": "n" | "sqrt_n" | "none", "eps" (>= 0), "agreement" (>= 0), "agreement_confidence" (in [0, 1)),
// "agreement_requires_correct" (bool).
std::unique_ptr<learning_rule> make_anp(const json_node& spec, const layer_chain& chain, std::uint64_t seed);

}  // namespace evsnn::rules
