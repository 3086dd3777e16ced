#pragma once
// tick_chain: what the online rules and BPTT read of a discrete-tick layer chain (all lif_tick layers,
// one tick for all), and the pieces they share: the sample's step grid (step k at t0 + k tick_ms; an input
// at time t belongs to step ceil((t − t0)/tick − 1e-9), as lif_tick integrates it), the surrogate
// ψ = 1/(slope |Ũ − θ| + 1)^2, the per-tick loss (softmax cross-entropy of the output spikes, or of their
// leaky trace o_t = λ o_{t−1} + s_t for the F- rules) and the prediction (argmax of the output spike
// counts over the sample, ties to the lowest index, an output that never spiked counted wrong).
// Invariants: every layer of the chain is a tick layer with the same tick_ms (checked by make_tick_chain).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rules/fixed_sum.hpp"
#include "rules/layer_chain.hpp"
#include "rules/loss.hpp"

namespace evsnn::rules {

enum class tick_loss_on { spikes, trace };

struct tick_chain_info {
  double tick_ms = 1.0;
  std::vector<double> leak;       // λ per layer
  std::vector<double> leak_next;  // λ' per layer (the layer above; the output's own)
  std::vector<std::vector<double>> threshold;  // θ per layer and neuron
};

// Checks the chain (tick layers, one tick, subtractive reset) and reads its constants; rule names the
// caller in errors.
tick_chain_info make_tick_chain(const layer_chain& chain, const char* rule);

// One fixed-point sum per synapse of each layer (the layout the family's workers write; the batch mean of
// merged sums is learning_rule::mean_gradients).
fixed_sum_set layer_sums(const layer_chain& chain);

// The step of an input at t_ms in a sample that began at t0_ms.
std::uint64_t step_of(double t_ms, double t0_ms, double tick_ms);

inline double fast_sigmoid_surrogate(double u_tilde, double theta, double slope) {
  const double d = slope * (u_tilde > theta ? u_tilde - theta : theta - u_tilde) + 1.0;
  return 1.0 / (d * d);
}

// The per-tick loss and the running prediction of one sample.
class tick_loss {
 public:
  void configure(std::uint32_t outputs, tick_loss_on on, double leak) {
    on_ = on;
    leak_ = leak;
    o_.assign(outputs, 0.0);
    counts_.assign(outputs, 0);
    logits_.assign(outputs, 0.0);
  }
  void begin(std::uint32_t label);
  // One tick: the output spikes s (0/1 per neuron); writes dℓ_t/ds_t (the F- trace: dℓ_t/do_t, which the
  // learners treat as the error of the trace) into g; returns ℓ_t.
  double tick(std::span<const double> s, std::span<double> g);
  std::uint64_t ticks() const { return ticks_; }
  // The sample's loss (mean over its ticks) and prediction.
  loss_value result() const;

 private:
  tick_loss_on on_ = tick_loss_on::spikes;
  double leak_ = 0.0;
  std::uint32_t label_ = 0;
  std::vector<double> o_, logits_;
  std::vector<std::uint64_t> counts_;
  double sum_ = 0.0;
  std::uint64_t ticks_ = 0;
};

}  // namespace evsnn::rules
