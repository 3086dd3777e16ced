#pragma once
// tick_membrane: what a discrete-tick neuron model tells learning rules (rules/ never names a model;
// a population offers it through membrane_view::tick()). The model (seed 004, OTTT/OSTL/OTPE):
//   at step k (time t0 + k tick_ms, t0 = the last reset):  Ũ_k = λ U_{k-1} + Σ inputs of step k + b,
//   s_k = H(Ũ_k − θ),  U_k = Ũ_k − θ s_k  (subtractive reset; θ from membrane_view::thresholds()).
// Inputs of one step, including zero-delay spikes of populations emitted in that same step, are
// summed before the threshold test; spikes of step k are emitted at t0 + k tick_ms.
// Adaptive threshold (ALIF, e-prop): with adapt_beta() β > 0 a neuron spikes when Ũ_k >= A_k = θ + β a_k,
// a_k = ρ a_{k−1} + s_{k−1} (ρ = adapt_decay(), a = 0 at rest); the reset still subtracts θ. β = 0: plain LIF.
// Invariants: leak() in (0, 1); adapt_beta() >= 0; adapt_decay() in [0, 1); bias() has one entry per neuron; pre_reset_potential(i, k) is valid
// for k >= the last step at which neuron i was evaluated (i.e. any step whose inputs have all
// arrived), and equals Ũ_k exactly as the time-stepped twin computes it (to rounding). For a step after
// the neuron's last evaluation it is the free run (no input, bias only); earlier steps are not kept.
#include <cstdint>
#include <span>

namespace evsnn {

class tick_membrane {
 public:
  virtual ~tick_membrane() = default;
  virtual double tick_ms() const = 0;
  virtual double leak() const = 0;
  virtual std::span<const double> bias() const = 0;
  // Ũ_k of neuron i: the potential after step k's inputs and bias, before the reset.
  virtual double pre_reset_potential(std::uint32_t neuron, std::uint64_t step) const = 0;
  // True when neuron i spiked at step k (k >= its last evaluated step, as above).
  virtual bool spiked_at(std::uint32_t neuron, std::uint64_t step) const = 0;
  // ALIF: β, ρ and a_k of neuron i (valid for the steps pre_reset_potential is); 0 for a plain LIF.
  virtual double adapt_beta() const { return 0.0; }
  virtual double adapt_decay() const { return 0.0; }
  virtual double adaptation(std::uint32_t /*neuron*/, std::uint64_t /*step*/) const { return 0.0; }
};

}  // namespace evsnn
