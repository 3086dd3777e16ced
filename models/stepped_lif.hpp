#pragma once
// stepped_lif: the time-stepped twin of the LIF family (lif_alpha, cuba_lif, lif_delta, li) on a clock
// of step dt, with the exact per-step propagator of each model's linear dynamics:
//  - current synapses (inv_tau_syn > 0): state (v, J), J the synaptic current in weight units
//    (an input w adds w to J; dv/dt = (J - v)/tau_mem, dJ/dt = -J/tau_syn), advanced over dt by the
//    2x2 propagator  v' = e_m v + kappa(dt) J,  J' = e_s J  (e_m = e^{-dt/tau_mem},
//    e_s = e^{-dt/tau_syn}, kappa(dt) = norm (e_m - e_s), norm = tau_syn/(tau_mem - tau_syn), evaluated
//    without cancellation by psp_kernel::value, so any gap, tau_mem == tau_syn included, is exact), so a
//    lone input gives exactly the event-driven kernel w kappa(s) sampled at step ends;
//  - delta synapses (inv_tau_syn == 0): v jumps by the input, v' = e_m v.
// Inputs binned to step k (arrivals in [k dt, (k+1) dt)) are applied at the step's START. Current-based
// neurons test the threshold at the step's END (after propagation); delta neurons test it right after
// the step's input is applied (they can cross only at an input) — either way the spike is reported at
// the step's end, (k+1) dt. Reset "subtract" (v -= threshold) or "zero" (v = 0), J continues.
// Refractory period r: a neuron that spiked at the end of step k may spike again only at a step end
// >= (k+1) dt + r (counted in steps, ceil(r/dt)); with "zero" its v is held at 0 until then; delta
// neurons drop inputs that arrive before it. With a null spiking_params the population is a
// non-spiking readout (li). A neuron that has emitted spiking->max_spikes spikes (when > 0) spikes no more
// until reset.
// Invariants: v_, j_, in_, release_step_, touched_ have size() entries (n_spikes_ too with a spike cap, else
// none); in_ is all zero between steps;
// no allocation after construction.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/stepped_population.hpp"
#include "models/spiking_params.hpp"

namespace evsnn {

class stepped_lif final : public stepped_population {
 public:
  // norm is not used: kappa(dt) is evaluated from the time constants (psp_kernel), delta synapses add w.
  stepped_lif(std::string name, std::string model, std::uint32_t size, double dt_ms, double inv_tau_mem,
              double inv_tau_syn, double norm, std::optional<spiking_params> spiking);

  bool spiking() const override { return spiking_.has_value(); }
  void reset() override;
  void add_dense(std::span<const double> weights, float scale) override;
  void add_sparse(std::span<const std::uint32_t> post, std::span<const double> weights, float scale) override;
  step_counts step(std::uint64_t k, std::vector<stepped_spike>& out) override;
  double value(std::uint32_t neuron) const override { return v_[neuron]; }
  std::size_t state_bytes() const override;

  // Per-step propagator entries (for tests).
  double decay_mem() const { return em_; }
  double decay_syn() const { return es_; }
  double current_to_voltage() const { return p21_; }

 private:
  step_counts step_current(std::uint64_t k, std::vector<stepped_spike>& out);
  step_counts step_delta(std::uint64_t k, std::vector<stepped_spike>& out);
  void fire(std::uint32_t i, std::uint64_t k, std::vector<stepped_spike>& out, double& v);

  bool current_;                          // exponential-current synapses (else delta)
  double em_, es_, p21_;                  // propagator
  std::optional<spiking_params> spiking_;
  std::uint64_t refractory_steps_ = 0;
  bool hold_at_zero_ = false;             // reset "zero" with a refractory period
  std::vector<double> v_, j_, in_;
  std::vector<std::uint64_t> release_step_;  // may spike at emission step >= this
  std::vector<std::uint8_t> touched_;        // got input this step
  std::vector<std::uint32_t> n_spikes_;      // spikes since reset (only with max_spikes)
};

}  // namespace evsnn
