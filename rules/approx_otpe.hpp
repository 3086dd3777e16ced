#pragma once
// approx_otpe: approximate OTPE (seed 004, eq 5) as a tick_learner (rules-spec §3.2): OTTT's â ← λâ + x,
// its leaky sum ẑ ← λ'ẑ + â and OTPE's mean surrogate ḡ; weight gradient (g⊙ḡ) ẑᵀ; message factor g⊙ḡ.
// O(n_in + n) state.
#include "rules/tick_learner.hpp"

namespace evsnn::rules {

class approx_otpe_learner final : public tick_learner {
 public:
  explicit approx_otpe_learner(const tick_layer_shape& shape);
  const char* name() const override { return "approx_otpe"; }
  void reset() override;
  std::uint64_t step(const tick_step& s, std::span<double> grad, std::span<double> factor) override;
  std::size_t state_bytes() const override { return (a_.size() + z_.size()) * sizeof(double) + gbar_.bytes(); }

 private:
  tick_layer_shape shape_;
  std::vector<double> a_, z_;  // â and ẑ, n_in
  mean_surrogate gbar_;        // ḡ, n
  active_set active_;
};

}  // namespace evsnn::rules
