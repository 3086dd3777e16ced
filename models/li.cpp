#include "models/li.hpp"

#include <cmath>

#include "models/stepped_lif.hpp"

namespace evsnn {

li::li(std::string name, std::uint32_t size, double tau_mem_ms, double tau_syn_ms)
    : population(std::move(name), size),
      tau_mem_ms_(tau_mem_ms),
      tau_syn_ms_(tau_syn_ms),
      inv_tau_mem_(1.0 / tau_mem_ms),
      inv_tau_syn_(tau_syn_ms > 0.0 ? 1.0 / tau_syn_ms : 0.0),
      norm_(tau_syn_ms > 0.0 ? tau_syn_ms / (tau_mem_ms - tau_syn_ms) : 1.0),
      a_(size),
      b_(size) {}

double li::synaptic_current(std::uint32_t neuron, double t_ms) const {
  if (tau_syn_ms_ <= 0.0) return 0.0;
  return a_[neuron] * std::exp(-(t_ms - t_ref_ms_) * inv_tau_syn_) * (tau_mem_ms_ / tau_syn_ms_ - 1.0);
}

void li::reset(double t_ms) {
  t_ref_ms_ = t_ms;
  std::fill(a_.begin(), a_.end(), 0.0);
  std::fill(b_.begin(), b_.end(), 0.0);
}

void li::advance_to(double t_ms, double& cm, double& cs) {
  double dt = t_ms - t_ref_ms_;
  if (dt * inv_tau_mem_ > 30.0 || dt * inv_tau_syn_ > 30.0) {
    const double fm = std::exp(-dt * inv_tau_mem_), fs = std::exp(-dt * inv_tau_syn_);
    for (std::uint32_t i = 0; i < size(); ++i) {
      b_[i] *= fm;
      a_[i] *= fs;
    }
    t_ref_ms_ = t_ms;
    dt = 0.0;
  }
  cm = norm_ * std::exp(dt * inv_tau_mem_);
  cs = tau_syn_ms_ > 0.0 ? norm_ * std::exp(dt * inv_tau_syn_) : 0.0;
}

void li::deliver_dense(double t_ms, std::span<const float> w, float scale) {
  double cm, cs;
  advance_to(t_ms, cm, cs);
  cm *= scale;
  cs *= scale;
  for (std::size_t j = 0; j < w.size(); ++j) {
    b_[j] += static_cast<double>(w[j]) * cm;
    a_[j] += static_cast<double>(w[j]) * cs;
  }
  counters().neuron_updates += w.size();
}

void li::deliver_sparse(double t_ms, std::span<const std::uint32_t> post, std::span<const float> w, float scale) {
  double cm, cs;
  advance_to(t_ms, cm, cs);
  cm *= scale;
  cs *= scale;
  for (std::size_t k = 0; k < post.size(); ++k) {
    b_[post[k]] += static_cast<double>(w[k]) * cm;
    a_[post[k]] += static_cast<double>(w[k]) * cs;
  }
  counters().neuron_updates += post.size();
}

void li::wakeup(double, std::uint32_t, std::uint32_t) { ++counters().stale_wakeups; }

double li::potential(std::uint32_t neuron, double t_ms) const {
  const double dt = t_ms - t_ref_ms_;
  const double v = b_[neuron] * std::exp(-dt * inv_tau_mem_);
  return tau_syn_ms_ > 0.0 ? v - a_[neuron] * std::exp(-dt * inv_tau_syn_) : v;
}

std::unique_ptr<stepped_population> li::make_stepped(double dt_ms) const {
  return std::make_unique<stepped_lif>(name(), "li", size(), dt_ms, inv_tau_mem_, inv_tau_syn_, norm_, std::nullopt);
}

}  // namespace evsnn
