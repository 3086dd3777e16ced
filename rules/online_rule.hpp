#pragma once
// online_rule: the online family of seed 004 on discrete-tick (lif_tick) chains — rule types "ottt",
// "ostl", "otpe", "approx_otpe", "f_otpe", "f_approx_otpe" (../shared/docs/rules-spec.md §3). Each layer
// runs a tick_learner; the type fixes the seed code's layer assignment (§3.1), which "layers" may override
// (one learner name per layer, first hidden layer first, output last):
//   ottt: ottt everywhere            ostl: ostl everywhere
//   otpe: otpe hidden + ostl output  approx_otpe: approx_otpe hidden + ottt output
//   f_otpe: otpe everywhere, loss on the output trace   f_approx_otpe: approx_otpe everywhere, same
// The worker is a hook on the event-driven simulator: on_pre records each layer's inputs with their step;
// the learning clock ticks every tick_ms in the middle of each step, and the tick at t0 + (k + 1/2) tick_ms
// (or the sample's end) handles step k: the loss of step k (softmax cross-entropy of the output spikes, or of the F- trace), then top-down
// per layer ψ from the layer's Ũ_k (tick_membrane), the learner's traces and gradient, and the message to
// the layer below. Offline ("mode": "offline", the default): the gradient is summed over the sample and
// divided by its number of ticks (the seed's mean over T), then added into fixed-point sums, one optimizer
// step per batch. Online ("mode": "online"): the trainer runs the batch's samples in lockstep and takes an
// optimizer step after every tick on the batch mean of that tick's gradients (accumulate_tick), so step
// k + 1 runs with the weights step k updated, as the seed's online mode. Both are bit-identical for any
// thread count.
// Trained biases (the chain's bias blocks, train_bias): a layer's bias is the weight of one more input on at
// every step (tick_inputs' bias input, the learner's last input row), its gradient handed over as the
// layer's bias block.
// Spec: {"type": T, "layers": [...], "loss_on": "spikes" | "trace" (default: trace for the F- types),
//        "surrogate_slope": 25, "mode": "offline" | "online"}; the config's loss is "tick_ce".
// Invariants: sums.sums[b] has one value per entry of the chain's block b (synapses, or the layer's
// neurons for a bias block); a step is handled once, in order.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rules/learning_rule.hpp"
#include "rules/tick_chain.hpp"

namespace evsnn::rules {

class online_rule final : public learning_rule {
 public:
  online_rule(std::string type, std::vector<std::string> layers, tick_loss_on loss_on, double slope, bool online,
              const layer_chain& chain);
  const char* name() const override { return type_.c_str(); }
  bool computes_loss() const override { return true; }
  double online_step_ms() const override { return online_ ? info_.tick_ms : 0.0; }
  bool online() const { return online_; }
  fixed_sum_set make_sums() const override;
  std::unique_ptr<rule_worker> make_worker(simulator& sim, const layer_chain& chain) override;
  void end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) override;
  nlohmann::json describe() const override;

  const std::vector<std::string>& layer_rules() const { return layers_; }
  tick_loss_on loss_on() const { return loss_on_; }
  double surrogate_slope() const { return slope_; }
  const tick_chain_info& info() const { return info_; }

 private:
  std::string type_;
  std::vector<std::string> layers_;
  tick_loss_on loss_on_;
  double slope_;
  bool online_;
  tick_chain_info info_;
  fixed_sum_set sums_;  // the layout of every worker's sums
};

// The rule types this file pair provides.
std::vector<std::string> online_rule_types();
// spec: the rule object (its "type" read by make_rule) or the plain type name.
std::unique_ptr<learning_rule> make_online_rule(const std::string& type, const json_node& spec,
                                                const layer_chain& chain);

}  // namespace evsnn::rules
