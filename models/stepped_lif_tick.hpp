#pragma once
// stepped_lif_tick: the time-stepped twin of lif_tick (dt == tick_ms). Step k applies the inputs binned
// to step k (including zero-delay spikes of same-step populations emitted in step k: same_step()),
//     Ũ = λU + in + b,  spike when Ũ >= θ,  U = Ũ − θ (reset "subtract") or 0 ("zero"),
// (ALIF, adapt_beta β > 0: spike when Ũ >= θ + β a, then a = ρ a + s),
// and reports the spikes of step k at time k dt with emission step k (not (k+1) dt as stepped_lif).
// This arithmetic, term for term, is what lif_tick uses, so both give the same spikes on grid input.
// Invariants: u_, pre_, in_, touched_ have size() entries; in_ is all zero between steps; no allocation
// after construction.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/stepped_population.hpp"
#include "models/spiking_params.hpp"

namespace evsnn {

class stepped_lif_tick final : public stepped_population {
 public:
  stepped_lif_tick(std::string name, std::uint32_t size, double dt_ms, double leak, std::vector<double> bias,
                   spiking_params spiking, double adapt_beta = 0.0, double adapt_decay = 0.0);

  bool same_step() const override { return true; }
  void reset() override;
  void add_dense(std::span<const double> weights, float scale) override;
  void add_sparse(std::span<const std::uint32_t> post, std::span<const double> weights, float scale) override;
  step_counts step(std::uint64_t k, std::vector<stepped_spike>& out) override;
  double value(std::uint32_t neuron) const override { return u_[neuron]; }
  std::size_t state_bytes() const override;
  // Ũ of the last step (before the reset), for tests.
  double pre_reset(std::uint32_t neuron) const { return pre_[neuron]; }

 private:
  double leak_;
  std::vector<double> bias_;
  spiking_params spiking_;
  double beta_, rho_;
  std::vector<double> u_, pre_, in_, a_;
  std::vector<std::uint8_t> touched_;
};

}  // namespace evsnn
