#include "models/stepped_lif.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/psp_kernel.hpp"

namespace evsnn {

stepped_lif::stepped_lif(std::string name, std::string model, std::uint32_t size, double dt_ms, double inv_tau_mem,
                         double inv_tau_syn, double /*norm*/, std::optional<spiking_params> spiking)
    : stepped_population(std::move(name), std::move(model), size, dt_ms),
      current_(inv_tau_syn > 0.0),
      em_(std::exp(-dt_ms * inv_tau_mem)),
      es_(inv_tau_syn > 0.0 ? std::exp(-dt_ms * inv_tau_syn) : 0.0),
      p21_(inv_tau_syn > 0.0 ? psp_kernel{inv_tau_mem, inv_tau_syn, 1.0}.value(dt_ms) : 0.0),
      spiking_(std::move(spiking)),
      v_(size),
      j_(current_ ? size : 0),
      in_(size),
      release_step_(size),
      touched_(size),
      n_spikes_(spiking_ && spiking_->max_spikes > 0 ? size : 0) {
  if (spiking_) {
    // A step end at or past t_spike + refractory_ms (a time within 1e-9 steps of a step end is on it).
    refractory_steps_ = static_cast<std::uint64_t>(std::ceil(spiking_->refractory_ms / dt_ms - 1e-9));
    hold_at_zero_ = spiking_->reset == reset_mode::zero && spiking_->refractory_ms > 0.0;
  }
  reset();
}

void stepped_lif::reset() {
  std::fill(v_.begin(), v_.end(), 0.0);
  std::fill(j_.begin(), j_.end(), 0.0);
  std::fill(in_.begin(), in_.end(), 0.0);
  std::fill(release_step_.begin(), release_step_.end(), 0);
  std::fill(touched_.begin(), touched_.end(), 0);
  std::fill(n_spikes_.begin(), n_spikes_.end(), 0);
}

void stepped_lif::add_dense(std::span<const double> w, float scale) {
  const double s = static_cast<double>(scale);
  for (std::size_t i = 0; i < w.size(); ++i) in_[i] += static_cast<double>(w[i]) * s;
  std::fill(touched_.begin(), touched_.begin() + static_cast<std::ptrdiff_t>(w.size()), 1);
}

void stepped_lif::add_sparse(std::span<const std::uint32_t> post, std::span<const double> w, float scale) {
  const double s = static_cast<double>(scale);
  for (std::size_t k = 0; k < post.size(); ++k) in_[post[k]] += static_cast<double>(w[k]) * s;
  for (std::uint32_t i : post) touched_[i] = 1;
}

step_counts stepped_lif::step(std::uint64_t k, std::vector<stepped_spike>& out) {
  return current_ ? step_current(k, out) : step_delta(k, out);
}

void stepped_lif::fire(std::uint32_t i, std::uint64_t k, std::vector<stepped_spike>& out, double& v) {
  const double theta = spiking_->threshold[i];
  v = spiking_->reset == reset_mode::subtract ? v - theta : 0.0;
  release_step_[i] = k + 1 + refractory_steps_;
  if (!n_spikes_.empty() && ++n_spikes_[i] == spiking_->max_spikes)
    release_step_[i] = std::numeric_limits<std::uint64_t>::max();  // capped: no further spike
  out.push_back({i, 1.0f, static_cast<double>(k + 1) * dt_ms(), k + 1});
}

step_counts stepped_lif::step_current(std::uint64_t k, std::vector<stepped_spike>& out) {
  std::uint64_t changed = 0, active = 0;
  const std::uint32_t n = size();
  for (std::uint32_t i = 0; i < n; ++i) {
    const double v0 = v_[i];
    const bool touched = touched_[i] != 0;
    touched_[i] = 0;
    const double jj = j_[i] + in_[i];
    in_[i] = 0.0;
    double v = em_ * v0 + p21_ * jj;
    j_[i] = es_ * jj;
    if (spiking_) {
      if (hold_at_zero_ && k + 1 <= release_step_[i]) v = 0.0;
      if (k + 1 >= release_step_[i] && v >= spiking_->threshold[i]) {
        fire(i, k, out, v);
        active += !touched;  // counted once below when touched
      }
    }
    active += touched;
    changed += v != v0;
    v_[i] = v;
  }
  return {changed, active};
}

step_counts stepped_lif::step_delta(std::uint64_t k, std::vector<stepped_spike>& out) {
  std::uint64_t changed = 0, active = 0;
  const std::uint32_t n = size();
  for (std::uint32_t i = 0; i < n; ++i) {
    const double v0 = v_[i];
    double v = v0;
    if (touched_[i]) {
      touched_[i] = 0;
      ++active;
      // Inputs arriving during the refractory period (step start k dt < release) are dropped.
      if (!spiking_ || k >= release_step_[i]) {
        v += in_[i];
        if (spiking_ && v >= spiking_->threshold[i]) fire(i, k, out, v);
      }
      in_[i] = 0.0;
    }
    v *= em_;
    changed += v != v0;
    v_[i] = v;
  }
  return {changed, active};
}

std::size_t stepped_lif::state_bytes() const {
  // v (and J) per neuron, plus threshold and release step for spiking neurons.
  const std::size_t per_neuron = sizeof(double) * (current_ ? 2 : 1) + (spiking_ ? sizeof(double) + sizeof(std::uint64_t) : 0);
  return per_neuron * size();
}

}  // namespace evsnn
