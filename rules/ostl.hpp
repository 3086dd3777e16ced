#pragma once
// ostl: Online Spatio-Temporal Learning (Bohnstingl et al. 2022) as a tick_learner (rules-spec §3.2): the
// per-synapse influence E_ji = ∂U_i/∂W_ji, with ∂s_t/∂W = ψ_t (λE + x_t) and E ← r_t (λE + x_t) (the reset
// path r = 1 − θψ); weight gradient g ⊙ ∂s_t/∂W; message factor g⊙ψ. Exact (equal to BPTT) for a network
// without hidden layers. O(n_in n) state.
#include "rules/tick_learner.hpp"

namespace evsnn::rules {

class ostl_learner final : public tick_learner {
 public:
  explicit ostl_learner(const tick_layer_shape& shape);
  const char* name() const override { return "ostl"; }
  void reset() override;
  std::uint64_t step(const tick_step& s, std::span<double> grad, std::span<double> factor) override;
  std::size_t state_bytes() const override { return e_.size() * sizeof(double); }

 private:
  tick_layer_shape shape_;
  std::vector<double> e_;  // E, n_in x n
  active_set active_;
};

}  // namespace evsnn::rules
