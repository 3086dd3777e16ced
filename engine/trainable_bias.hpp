#pragma once
// trainable_bias: how a trainer may change a model's per-neuron bias without naming the model (the
// seed-004 rules train the Dense biases of discrete-tick layers). A population offers it through
// population::trainable_bias(); models without a bias a trainer may change return null there.
// Contract of set_bias(b, t_ms): b.size() == the population's size, finite values; t_ms >= the last event
// the population saw (between samples, or inside a hook's on_tick). Everything the neurons did up to t_ms
// stands as computed with the old bias (neurons that ran free are brought up to t_ms with it); from the
// model's next evaluation after t_ms on, the new bias applies, and every crossing the new bias makes
// possible (or impossible) is predicted afresh: none is missed, none is invented.
#include <span>

namespace evsnn {

class trainable_bias {
 public:
  virtual ~trainable_bias() = default;
  virtual std::span<const double> bias_values() const = 0;
  virtual void set_bias(std::span<const double> b, double t_ms) = 0;
};

}  // namespace evsnn
