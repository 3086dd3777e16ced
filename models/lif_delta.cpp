#include "models/lif_delta.hpp"

#include <cmath>
#include <limits>

#include "models/stepped_lif.hpp"

namespace evsnn {
namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
}

lif_delta::lif_delta(std::string name, std::uint32_t size, double tau_mem_ms, spiking_params params)
    : population(std::move(name), size),
      tau_mem_ms_(tau_mem_ms),
      inv_tau_mem_(1.0 / tau_mem_ms),
      params_(std::move(params)),
      grid_(rebase_grid::period_for_rate(inv_tau_mem_)),
      grid_decay_(std::exp(-rebase_grid::span_exponent)),
      b_(size),
      release_(size),
      last_spike_(size) {
  pending_.reserve(size);
  reset(0.0);
}

void lif_delta::reset(double t_ms) {
  grid_.reset(t_ms);
  std::fill(b_.begin(), b_.end(), 0.0);
  std::fill(release_.begin(), release_.end(), -inf);
  std::fill(last_spike_.begin(), last_spike_.end(), -inf);
  pending_.clear();
}

double lif_delta::advance_to(double t_ms) {
  grid_.advance(t_ms, [&] {
    for (double& b : b_) b *= grid_decay_;
    return rebase_grid::flush_tiny(b_);
  });
  return std::exp((t_ms - grid_.t_ref()) * inv_tau_mem_);
}

void lif_delta::input(std::uint32_t j, double t_ms, double dw_scaled) {
  if (t_ms < release_[j]) {
    ++counters().dropped_inputs;
    return;
  }
  b_[j] += dw_scaled;
  if (b_[j] >= params_.threshold[j] * em_ && last_spike_[j] != t_ms) {
    last_spike_[j] = t_ms;
    pending_.push_back(j);
  }
}

void lif_delta::deliver_dense(double t_ms, std::span<const double> w, float scale) {
  em_ = advance_to(t_ms);
  const double c = static_cast<double>(scale) * em_;
  for (std::uint32_t j = 0; j < w.size(); ++j) input(j, t_ms, static_cast<double>(w[j]) * c);
  counters().neuron_updates += w.size();
  fire_pending(t_ms, em_);
}

void lif_delta::deliver_sparse(double t_ms, std::span<const std::uint32_t> post, std::span<const double> w,
                               float scale) {
  em_ = advance_to(t_ms);
  const double c = static_cast<double>(scale) * em_;
  for (std::size_t k = 0; k < post.size(); ++k) input(post[k], t_ms, static_cast<double>(w[k]) * c);
  counters().neuron_updates += post.size();
  fire_pending(t_ms, em_);
}

void lif_delta::fire_pending(double t_ms, double em) {
  for (std::uint32_t j : pending_) {
    if (params_.reset == reset_mode::subtract)
      b_[j] -= params_.threshold[j] * em;
    else
      b_[j] = 0.0;
    release_[j] = t_ms + params_.refractory_ms;
    port().emit_spike(id(), j, t_ms, 1.0f);
  }
  pending_.clear();
}

void lif_delta::wakeup(double, std::uint32_t, std::uint32_t) { ++counters().stale_wakeups; }

double lif_delta::potential(std::uint32_t neuron, double t_ms) const {
  return b_[neuron] * std::exp(-(t_ms - grid_.t_ref()) * inv_tau_mem_);
}

std::unique_ptr<stepped_population> lif_delta::make_stepped(double dt_ms) const {
  return std::make_unique<stepped_lif>(name(), model(), size(), dt_ms, inv_tau_mem_, 0.0, 1.0, params_);
}

}  // namespace evsnn
