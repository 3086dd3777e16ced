#pragma once
// bptt_readout: rule type "bptt" on chains that end in a leaky readout (the e-prop architecture: lif_tick
// hidden layers, LIF or ALIF, with optional recurrent projections, and an li readout): exact
// backpropagation through time on the unrolled twin (rules/readout_unroll.hpp) with the e-prop loss (the
// readout's softmax cross-entropy averaged over the loss window). The reference e-prop is compared with,
// and a trainer in its own right for recurrent networks. The worker records the input of each step and
// unrolls at the sample's end; memory grows with T (the whole unroll is kept). Offline: one optimizer step
// per batch.
// Optionally e-prop's firing-rate regulariser as a loss term, reg_rate Σ_i (f̄_i − target)², differentiated
// exactly as well (the logged loss is the task's only, as e-prop's).
// Spec: {"type": "bptt", "surrogate": "piecewise_linear" | "fast_sigmoid", "gamma": 0.3,
//        "surrogate_slope": 25, "loss_window_ms": 0, "reg_rate": 0, "target_rate_hz": 10}; the config's loss
// is "tick_ce".
// Invariants: sums.sums[b] has one value per synapse of chain block b.
#include <memory>

#include "rules/learning_rule.hpp"
#include "rules/readout_unroll.hpp"

namespace evsnn::rules {

class bptt_readout final : public learning_rule {
 public:
  bptt_readout(tick_surrogate surrogate, double loss_window_ms, double reg_rate, double target_rate_hz,
               const layer_chain& chain);
  const char* name() const override { return "bptt"; }
  bool computes_loss() const override { return true; }
  fixed_sum_set make_sums() const override { return sums_; }
  std::unique_ptr<rule_worker> make_worker(simulator& sim, const layer_chain& chain) override;
  void end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) override;
  nlohmann::json describe() const override;

  const tick_surrogate& surrogate() const { return surrogate_; }
  double loss_window_ms() const { return loss_window_ms_; }
  double tick_ms() const { return tick_ms_; }
  double reg_rate() const { return reg_rate_; }
  double target_rate_hz() const { return target_rate_hz_; }

 private:
  tick_surrogate surrogate_;
  double loss_window_ms_;
  double reg_rate_, target_rate_hz_;
  double tick_ms_;
  fixed_sum_set sums_;
};

std::unique_ptr<learning_rule> make_bptt_readout(const json_node& spec, const layer_chain& chain);

}  // namespace evsnn::rules
