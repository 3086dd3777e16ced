#pragma once
// lif_delta: LIF neurons with instantaneous (delta) synapses, u_i(t) = b_i e^{-(t-T)/tau_mem}; an
// input of weight w jumps u by w, so a neuron can cross threshold only at an input time, where it
// spikes at once (the OTTT/OSTL/OTPE model). Reset "subtract" or "zero"; inputs that arrive during
// the refractory period are dropped (counted as dropped_inputs). A neuron spikes at most once per
// instant: this bounds zero-delay excitatory loops; input left above threshold at that instant fires
// at the neuron's next input. Spikes of one row are emitted after the whole row is delivered.
// tau_mem_ms = infinity is the integrate-and-fire neuron without leak (model "if_delta": u jumps by w
// and stays).
// Invariants: between events every neuron not in its spiking instant is below threshold;
// T (grid_, on the fixed grid of engine/rebase_grid.hpp) <= the latest event time, with (t-T)/tau_mem <= 30
// after advancing.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/population.hpp"
#include "engine/rebase_grid.hpp"
#include "models/spiking_params.hpp"

namespace evsnn {

class lif_delta final : public population {
 public:
  lif_delta(std::string name, std::uint32_t size, double tau_mem_ms, spiking_params params);

  const char* model() const override { return inv_tau_mem_ == 0.0 ? "if_delta" : "lif_delta"; }
  void reset(double t_ms) override;
  void deliver_dense(double t_ms, std::span<const double> w, float scale) override;
  void deliver_sparse(double t_ms, std::span<const std::uint32_t> post, std::span<const double> w,
                      float scale) override;
  void wakeup(double t_ms, std::uint32_t neuron, std::uint32_t version) override;
  double potential(std::uint32_t neuron, double t_ms) const override;
  std::unique_ptr<stepped_population> make_stepped(double dt_ms) const override;

 private:
  double advance_to(double t_ms);  // returns e^{(t-T)/tau_mem}
  void input(std::uint32_t j, double t_ms, double dw_scaled);
  void fire_pending(double t_ms, double em);

  double tau_mem_ms_, inv_tau_mem_;
  spiking_params params_;
  rebase_grid grid_;         // the reference time T of b_
  double grid_decay_ = 0.0;  // e^{-P/tau_mem} for the grid step P
  std::vector<double> b_, release_, last_spike_;
  std::vector<std::uint32_t> pending_;  // neurons that crossed during the current row
  double em_ = 1.0;
};

}  // namespace evsnn
