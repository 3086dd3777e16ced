#pragma once
// li: non-spiking leaky-integrator readout. With tau_syn_ms > 0 it has cuba_lif's input kernel and
// normalisation, kappa(s) = tau_syn/(tau_mem - tau_syn) (e^{-s/tau_mem} - e^{-s/tau_syn}) (the limit
// (s/tau_mem) e^{-s/tau_mem} when tau_syn_ms == tau_mem_ms), and keeps the same state as cuba_lif (potential
// and synaptic current carried back to the reference time T, exp_kernel.hpp), accurate for any gap between
// the time constants; with tau_syn_ms = 0 inputs jump u by w (u = p e^{-(t-T)/tau_mem}). The value is exact
// and readable at any time (potential()).
// Invariants: tau_mem_ms > 0; tau_syn_ms >= 0, syn_ set iff tau_syn_ms > 0; (t-T)/tau <= 30 after advancing.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/membrane_view.hpp"
#include "engine/population.hpp"
#include "models/exp_kernel.hpp"
#include "engine/rebase_grid.hpp"

namespace evsnn {

class li final : public population, public membrane_view {
 public:
  li(std::string name, std::uint32_t size, double tau_mem_ms, double tau_syn_ms);

  const char* model() const override { return "li"; }
  bool spiking() const override { return false; }
  void reset(double t_ms) override;
  void deliver_dense(double t_ms, std::span<const double> w, float scale) override;
  void deliver_sparse(double t_ms, std::span<const std::uint32_t> post, std::span<const double> w,
                      float scale) override;
  void wakeup(double t_ms, std::uint32_t neuron, std::uint32_t version) override;
  double potential(std::uint32_t neuron, double t_ms) const override;
  std::unique_ptr<stepped_population> make_stepped(double dt_ms) const override;
  // membrane_view: a readout has no threshold and no reset; its synaptic current is 0 without a filter.
  const membrane_view* membrane() const override { return this; }
  psp_kernel kernel() const override { return {inv_tau_mem_, inv_tau_syn_, norm_}; }
  std::span<const double> thresholds() const override { return {}; }
  reset_kind spike_reset() const override { return reset_kind::none; }
  double refractory_ms() const override { return 0.0; }
  double membrane_potential(std::uint32_t neuron, double t_ms) const override { return potential(neuron, t_ms); }
  double synaptic_current(std::uint32_t neuron, double t_ms) const override;
  double tau_mem_ms() const { return tau_mem_ms_; }
  double tau_syn_ms() const { return tau_syn_ms_; }  // 0: inputs jump the value

 private:
  // Rebases if needed; cp, cq: what a unit input now adds to p and q.
  void advance_to(double t_ms, double& cp, double& cq);

  double tau_mem_ms_, tau_syn_ms_, inv_tau_mem_, inv_tau_syn_, norm_;
  std::optional<exp_kernel> syn_;  // the current-synapse kernel (tau_syn_ms > 0)
  std::vector<double> p_, q_;      // q_ stays 0 without a synaptic filter
  rebase_grid grid_;               // the reference time T of p_, q_ (engine/rebase_grid.hpp)
};

}  // namespace evsnn
