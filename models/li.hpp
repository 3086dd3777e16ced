#pragma once
// li: non-spiking leaky-integrator readout. With tau_syn_ms > 0 (!= tau_mem_ms) its value is
//     u_i(t) = b_i e^{-(t-T)/tau_mem} - a_i e^{-(t-T)/tau_syn}
// with the same input kernel and normalisation as cuba_lif; with tau_syn_ms = 0 inputs jump u by w
// (u = b e^{-(t-T)/tau_mem}). The value is exact and readable at any time (potential()).
// Invariants: tau_mem_ms > 0; tau_syn_ms == 0 or (> 0 and != tau_mem_ms); (t-T)/tau <= 30 after advancing.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/membrane_view.hpp"
#include "engine/population.hpp"

namespace evsnn {

class li final : public population, public membrane_view {
 public:
  li(std::string name, std::uint32_t size, double tau_mem_ms, double tau_syn_ms);

  const char* model() const override { return "li"; }
  bool spiking() const override { return false; }
  void reset(double t_ms) override;
  void deliver_dense(double t_ms, std::span<const float> w, float scale) override;
  void deliver_sparse(double t_ms, std::span<const std::uint32_t> post, std::span<const float> w,
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
  void advance_to(double t_ms, double& cm, double& cs);

  double tau_mem_ms_, tau_syn_ms_, inv_tau_mem_, inv_tau_syn_, norm_;
  double t_ref_ms_ = 0.0;
  std::vector<double> a_, b_;
};

}  // namespace evsnn
