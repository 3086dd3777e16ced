#pragma once
// ottt: Online Training Through Time (Xiao et al. 2022) as a tick_learner (rules-spec §3.2): one
// presynaptic trace â_j ← λ â_j + x_j; weight gradient (g⊙ψ) âᵀ; message factor g⊙ψ. O(n_in) state. A bias
// input (tick_layer_shape::bias_input) has no trace: its gradient is g⊙ψ, as the seed code.
#include "rules/tick_learner.hpp"

namespace evsnn::rules {

class ottt_learner final : public tick_learner {
 public:
  explicit ottt_learner(const tick_layer_shape& shape);
  const char* name() const override { return "ottt"; }
  void reset() override;
  std::uint64_t step(const tick_step& s, std::span<double> grad, std::span<double> factor) override;
  std::size_t state_bytes() const override { return a_.size() * sizeof(double); }

 private:
  tick_layer_shape shape_;
  std::vector<double> a_;  // â, n_in
  active_set active_;
};

}  // namespace evsnn::rules
