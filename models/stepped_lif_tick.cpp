#include "models/stepped_lif_tick.hpp"

#include <algorithm>

namespace evsnn {

stepped_lif_tick::stepped_lif_tick(std::string name, std::uint32_t size, double dt_ms, double leak,
                                   std::vector<double> bias, spiking_params spiking, double adapt_beta,
                                   double adapt_decay)
    : stepped_population(std::move(name), "lif_tick", size, dt_ms),
      leak_(leak),
      bias_(std::move(bias)),
      spiking_(std::move(spiking)),
      beta_(adapt_beta),
      rho_(adapt_decay),
      u_(size),
      pre_(size),
      in_(size),
      a_(adapt_beta > 0.0 ? size : 0),
      touched_(size) {
  reset();
}

void stepped_lif_tick::reset() {
  std::fill(u_.begin(), u_.end(), 0.0);
  std::fill(pre_.begin(), pre_.end(), 0.0);
  std::fill(in_.begin(), in_.end(), 0.0);
  std::fill(a_.begin(), a_.end(), 0.0);
  std::fill(touched_.begin(), touched_.end(), 0);
}

void stepped_lif_tick::add_dense(std::span<const double> w, float scale) {
  const double s = static_cast<double>(scale);
  for (std::size_t i = 0; i < w.size(); ++i) in_[i] += static_cast<double>(w[i]) * s;
  std::fill(touched_.begin(), touched_.begin() + static_cast<std::ptrdiff_t>(w.size()), 1);
}

void stepped_lif_tick::add_sparse(std::span<const std::uint32_t> post, std::span<const double> w, float scale) {
  const double s = static_cast<double>(scale);
  for (std::size_t k = 0; k < post.size(); ++k) in_[post[k]] += static_cast<double>(w[k]) * s;
  for (std::uint32_t i : post) touched_[i] = 1;
}

step_counts stepped_lif_tick::step(std::uint64_t k, std::vector<stepped_spike>& out) {
  std::uint64_t changed = 0, active = 0;
  const std::uint32_t n = size();
  const bool subtract = spiking_.reset == reset_mode::subtract;
  for (std::uint32_t i = 0; i < n; ++i) {
    const double u0 = u_[i];
    const double v = leak_ * u0 + in_[i] + bias_[i];  // lif_tick::evaluate's arithmetic
    in_[i] = 0.0;
    pre_[i] = v;
    double u = v;
    bool act = touched_[i] != 0;
    touched_[i] = 0;
    const double theta = spiking_.threshold[i];
    const bool fire = a_.empty() ? v >= theta : v >= theta + beta_ * a_[i];
    if (!a_.empty()) a_[i] = rho_ * a_[i] + (fire ? 1.0 : 0.0);
    if (fire) {
      u = subtract ? v - theta : 0.0;
      out.push_back({i, 1.0f, static_cast<double>(k) * dt_ms(), k});
      act = true;
    }
    active += act;
    changed += u != u0;
    u_[i] = u;
  }
  return {changed, active};
}

std::size_t stepped_lif_tick::state_bytes() const {
  // U, bias and threshold per neuron (and a for ALIF).
  return size() * (a_.empty() ? 3 : 4) * sizeof(double);
}

}  // namespace evsnn
