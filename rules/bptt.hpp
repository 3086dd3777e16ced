#pragma once
// bptt: backpropagation through time on the time-stepped twin of a discrete-tick (lif_tick) chain — the
// reference the online family (online_rule) is measured against (rules-spec §3.3). The worker records
// the input of each step (on_pre of the first projection) and, at the sample's end, unrolls the twin
// itself (Ũ_k = λU_{k−1} + W x_k + b, s_k = H(Ũ_k − θ), U_k = Ũ_k − θ s_k, layers in sequence within a
// step, as lif_tick runs on either engine), then propagates exactly backward with the fast-sigmoid
// surrogate ψ = 1/(slope |Ũ − θ| + 1)^2 for ds/dŨ and the reset path not detached:
//   dL/dŨ_k = ψ_k (e_k − θ λ dL/dŨ_{k+1}) + λ dL/dŨ_{k+1},
//   e_k = dL/ds_k = the loss term (output) or Σ_i W^{l+1}_{·i} dL/dŨ^{l+1}_{k,i} (hidden),
//   dL/dW_ji = Σ_k x_{k,j} dL/dŨ_{k,i},  dL/db_i = Σ_k dL/dŨ_{k,i} (a chain's bias blocks, train_bias).
// The loss is the family's: the mean over the T steps of the softmax cross-entropy of the output spikes
// (or, "loss_on": "trace", of o_k = λ o_{k−1} + s_k). Memory grows with T (the whole unroll is kept),
// unlike the online rules. A layer's recurrent projection onto itself (dense or sparse, delay >= one tick)
// is unrolled and trained too (tick_unroll.hpp). Spec: {"type": "bptt", "loss_on": "spikes" | "trace", "surrogate_slope": 25};
// the config's loss is "tick_ce".
// Invariants: sums.sums[b] has one value per entry of the chain's block b (a dense projection's order, a
// sparse one's synapse order, a bias block's neurons).
#include <memory>
#include <vector>

#include "rules/learning_rule.hpp"
#include "rules/tick_chain.hpp"

namespace evsnn::rules {

class bptt final : public learning_rule {
 public:
  bptt(tick_loss_on loss_on, double slope, const layer_chain& chain);
  const char* name() const override { return "bptt"; }
  bool computes_loss() const override { return true; }
  fixed_sum_set make_sums() const override;
  std::unique_ptr<rule_worker> make_worker(simulator& sim, const layer_chain& chain) override;
  void end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) override;
  nlohmann::json describe() const override;

  tick_loss_on loss_on() const { return loss_on_; }
  double surrogate_slope() const { return slope_; }
  const tick_chain_info& info() const { return info_; }

 private:
  tick_loss_on loss_on_;
  double slope_;
  tick_chain_info info_;
  fixed_sum_set sums_;  // the layout of every worker's sums
};

std::unique_ptr<learning_rule> make_bptt(const json_node& spec, const layer_chain& chain);

}  // namespace evsnn::rules
