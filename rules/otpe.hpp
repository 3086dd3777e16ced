#pragma once
// otpe: Online Training with Postsynaptic Estimates (seed 004) as a tick_learner (rules-spec §3.2): OSTL's
// E and ∂s_t/∂W = ψ_t (λE + x_t), plus R̂ ← λ' R̂ + ∂s_t/∂W (how the weights moved this layer's spikes as
// the next membrane accumulates them) and the leak-weighted mean surrogate ḡ (c ← λ'c + 1,
// ḡ ← (λ' c_prev ḡ + ψ_t)/c); weight gradient g ⊙ R̂; message factor g⊙ḡ. As an output layer whose loss
// reads the leaky output trace (F-OTPE) the gradient g ⊙ R̂ is exact. O(n_in n) state (two per synapse).
#include "rules/tick_learner.hpp"

namespace evsnn::rules {

class otpe_learner final : public tick_learner {
 public:
  explicit otpe_learner(const tick_layer_shape& shape);
  const char* name() const override { return "otpe"; }
  void reset() override;
  std::uint64_t step(const tick_step& s, std::span<double> grad, std::span<double> factor) override;
  std::size_t state_bytes() const override { return (e_.size() + r_.size()) * sizeof(double) + gbar_.bytes(); }

 private:
  tick_layer_shape shape_;
  std::vector<double> e_, r_;  // E and R̂, n_in x n
  mean_surrogate gbar_;        // ḡ, n
  active_set active_;
};

}  // namespace evsnn::rules
