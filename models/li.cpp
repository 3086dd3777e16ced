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
      p_(size),
      q_(size),
      grid_(rebase_grid::period_for_rate(inv_tau_mem_)) {
  if (tau_syn_ms > 0.0) {
    syn_.emplace(tau_mem_ms, tau_syn_ms);
    grid_ = rebase_grid(syn_->rebase_period_ms());  // the kernel's period, as cuba_lif's
  }
}

double li::synaptic_current(std::uint32_t neuron, double t_ms) const {
  return syn_ ? syn_->current_at(q_[neuron], t_ms - grid_.t_ref()) : 0.0;
}

void li::reset(double t_ms) {
  grid_.reset(t_ms);
  std::fill(p_.begin(), p_.end(), 0.0);
  std::fill(q_.begin(), q_.end(), 0.0);
}

void li::advance_to(double t_ms, double& cp, double& cq) {
  grid_.advance(t_ms, [&] {
    if (syn_) {
      syn_->rebase(grid_.period_ms(), p_, q_);
    } else {
      const double fm = std::exp(-grid_.period_ms() * inv_tau_mem_);
      for (double& p : p_) p *= fm;
    }
    return rebase_grid::flush_tiny(p_) & rebase_grid::flush_tiny(q_);
  });
  const double dt = t_ms - grid_.t_ref();
  if (syn_) {
    const exp_kernel::frame f = syn_->at(dt);
    cp = f.cp;
    cq = f.cq;
  } else {
    cp = std::exp(dt * inv_tau_mem_);
    cq = 0.0;
  }
}

void li::deliver_dense(double t_ms, std::span<const double> w, float scale) {
  double cp, cq;
  advance_to(t_ms, cp, cq);
  cp *= scale;
  cq *= scale;
  for (std::size_t j = 0; j < w.size(); ++j) {
    p_[j] += static_cast<double>(w[j]) * cp;
    q_[j] += static_cast<double>(w[j]) * cq;
  }
  counters().neuron_updates += w.size();
}

void li::deliver_sparse(double t_ms, std::span<const std::uint32_t> post, std::span<const double> w, float scale) {
  double cp, cq;
  advance_to(t_ms, cp, cq);
  cp *= scale;
  cq *= scale;
  for (std::size_t k = 0; k < post.size(); ++k) {
    p_[post[k]] += static_cast<double>(w[k]) * cp;
    q_[post[k]] += static_cast<double>(w[k]) * cq;
  }
  counters().neuron_updates += post.size();
}

void li::wakeup(double, std::uint32_t, std::uint32_t) { ++counters().stale_wakeups; }

double li::potential(std::uint32_t neuron, double t_ms) const {
  const double dt = t_ms - grid_.t_ref();
  return syn_ ? syn_->value_at(p_[neuron], q_[neuron], dt) : p_[neuron] * std::exp(-dt * inv_tau_mem_);
}

std::unique_ptr<stepped_population> li::make_stepped(double dt_ms) const {
  return std::make_unique<stepped_lif>(name(), "li", size(), dt_ms, inv_tau_mem_, inv_tau_syn_, norm_, std::nullopt);
}

}  // namespace evsnn
