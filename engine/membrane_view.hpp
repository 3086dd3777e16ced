#pragma once
// membrane_view: what a neuron model tells learning rules about its membrane, so that rules never
// name a model (rules/ never includes models/). A population offers it through
// population::membrane(); models without a continuous membrane (spike sources) return null.
// Everything is read-only and valid at any t_ms >= the last event the population saw.
//  - kernel(): the PSP of one unit input (tau_mem du/dt = -u + I, I filtered by tau_syn).
//  - thresholds(): one per neuron, empty for non-spiking readouts.
//  - spike_reset(): what a spike does to the potential; refractory_ms(): how long a neuron cannot spike.
//  - membrane_potential(i, t), synaptic_current(i, t): the exact state (I in the units of the
//    equation above, so du/dt = (I - u)/tau_mem).
//  - tick(): the discrete-tick view of models that update on a clock (lif_tick), else null.
#include <cstdint>
#include <span>

#include "engine/psp_kernel.hpp"
#include "engine/tick_membrane.hpp"

namespace evsnn {

enum class reset_kind { subtract, zero, none };

class membrane_view {
 public:
  virtual ~membrane_view() = default;
  virtual psp_kernel kernel() const = 0;
  virtual std::span<const double> thresholds() const = 0;
  virtual reset_kind spike_reset() const = 0;
  virtual double refractory_ms() const = 0;
  virtual double membrane_potential(std::uint32_t neuron, double t_ms) const = 0;
  virtual double synaptic_current(std::uint32_t neuron, double t_ms) const = 0;
  // Discrete-tick models (engine/tick_membrane.hpp); null for continuous-time membranes.
  virtual const tick_membrane* tick() const { return nullptr; }
};

}  // namespace evsnn
