#include "models/lif_tick.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "models/stepped_lif_tick.hpp"

namespace evsnn {

lif_tick::lif_tick(std::string name, std::uint32_t size, parameters params)
    : population(std::move(name), size),
      params_(std::move(params)),
      inv_tau_mem_(-std::log(params_.leak) / params_.tick_ms),
      last_(size),
      wake_step_(size),
      u_(size),
      pre_(size),
      in_(size),
      a_(params_.adapt_beta > 0.0 ? size : 0),
      version_(size),
      spiked_(size),
      touched_(size) {
  touched_list_.assign(std::size_t(size) + 1, 0);  // + 1: the branch-free listing writes one slot ahead
  bias_neurons_.reserve(size);
  for (std::uint32_t i = 0; i < size; ++i)
    if (bias_crosses(i)) bias_neurons_.push_back(i);
  reset(0.0);
}

bool lif_tick::bias_crosses(std::uint32_t i) const {
  const double b = params_.bias[i];
  return b > 0.0 && b / (1.0 - params_.leak) >= params_.spiking.threshold[i];
}

void lif_tick::set_bias(std::span<const double> b, double t_ms) {
  if (b.size() != size()) throw std::invalid_argument("lif_tick::set_bias: one bias per neuron");
  // The last step that began at or before t_ms (−1: none since the reset).
  const double x = std::floor((t_ms - t0_ms_) / params_.tick_ms + 1e-9);
  const std::int64_t now = x >= 0.0 ? static_cast<std::int64_t>(x) : -1;
  bias_neurons_.clear();
  for (std::uint32_t i = 0; i < size(); ++i) {
    if (b[i] != params_.bias[i]) {
      if (!a_.empty() && b[i] > 0.0 && b[i] / (1.0 - params_.leak) >= params_.spiking.threshold[i])
        throw std::invalid_argument(fmt::format("population '{}': neuron {}: bias {} crosses the threshold with no "
                                                "input, not supported with adapt_beta > 0",
                                                name(), i, b[i]));
      // Steps up to `now` ran (or ran free) with the old bias: evaluate the free ones as they were. A
      // neuron waiting for this step's settle (touched) is evaluated there, with the old bias too: its step
      // began before t_ms.
      const std::int64_t upto = touched_[i] ? std::min(now, pending_step_ - 1) : now;
      if (upto > last_[i]) {
        const std::int64_t n = upto - last_[i];
        const double old = params_.bias[i];
        if (!a_.empty()) a_[i] = adapt_run(adapt_next(i), n - 1);
        pre_[i] = free_pre(u_[i], old, n);
        u_[i] = free_run(u_[i], old, n);
        spiked_[i] = 0;
        last_[i] = upto;
      }
      params_.bias[i] = b[i];
      if (!scan_bias_ && !touched_[i]) repredict(i);
    }
    if (bias_crosses(i)) bias_neurons_.push_back(i);
  }
}

reset_kind lif_tick::spike_reset() const {
  return params_.spiking.reset == reset_mode::subtract ? reset_kind::subtract : reset_kind::zero;
}

void lif_tick::reset(double t_ms) {
  t0_ms_ = t_ms;
  pending_step_ = -1;
  settled_step_ = -1;
  scan_bias_ = true;
  std::fill(last_.begin(), last_.end(), -1);
  std::fill(wake_step_.begin(), wake_step_.end(), -1);
  std::fill(u_.begin(), u_.end(), 0.0);
  std::fill(pre_.begin(), pre_.end(), 0.0);
  std::fill(in_.begin(), in_.end(), 0.0);
  std::fill(a_.begin(), a_.end(), 0.0);
  std::fill(spiked_.begin(), spiked_.end(), 0);
  std::fill(touched_.begin(), touched_.end(), 0);
  n_touched_ = 0;
  // Versions are kept: a reset clears the queue, and bumping them on each prediction stays unique.
}

void lif_tick::begin_sample(double, std::uint64_t) {
  if (!scan_bias_) return;
  scan_bias_ = false;
  for (std::uint32_t i : bias_neurons_) repredict(i);
}

std::int64_t lif_tick::step_of(double t_ms) const {
  if (pending_step_ >= 0) return pending_step_;
  const double x = std::ceil((t_ms - t0_ms_) / params_.tick_ms - 1e-9);
  std::int64_t k = x > 0.0 ? static_cast<std::int64_t>(x) : 0;
  if (k <= settled_step_) k = settled_step_ + 1;
  return k;
}

void lif_tick::begin_step(std::int64_t k, double t_ms) {
  if (pending_step_ >= 0) return;
  pending_step_ = k;
  port().schedule_settle(id(), std::max(t_ms, t0_ms_ + static_cast<double>(k) * params_.tick_ms));
}

void lif_tick::touch(std::uint32_t i, std::int64_t k, double t_ms) {
  begin_step(k, t_ms);
  list_touched(i);
}

// A row's inputs, then its targets listed: the first loop vectorises, the second is branch-free (and skipped once
// every neuron waits for the step).
void lif_tick::deliver_dense(double t_ms, std::span<const double> w, float scale) {
  if (w.empty()) return;
  begin_step(step_of(t_ms), t_ms);
  const double s = static_cast<double>(scale);
  const auto n = static_cast<std::uint32_t>(w.size());
  double* __restrict in = in_.data();
  for (std::uint32_t j = 0; j < n; ++j) in[j] += static_cast<double>(w[j]) * s;
  if (n_touched_ < size())
    for (std::uint32_t j = 0; j < n; ++j) list_touched(j);
}

void lif_tick::deliver_sparse(double t_ms, std::span<const std::uint32_t> post, std::span<const double> w,
                              float scale) {
  if (post.empty()) return;
  begin_step(step_of(t_ms), t_ms);
  const double s = static_cast<double>(scale);
  double* __restrict in = in_.data();
  for (std::size_t n = 0; n < post.size(); ++n) {
    in[post[n]] += static_cast<double>(w[n]) * s;
    list_touched(post[n]);
  }
}

void lif_tick::wakeup(double t_ms, std::uint32_t neuron, std::uint32_t version) {
  if (version != version_[neuron] || wake_step_[neuron] < 0) {
    ++counters().stale_wakeups;
    return;
  }
  wake_step_[neuron] = -1;
  touch(neuron, step_of(t_ms), t_ms);
}

double lif_tick::free_run(double u, double b, std::int64_t n) const {
  const double lam = params_.leak;
  if (n <= iterate_limit) {
    for (std::int64_t m = 0; m < n; ++m) u = lam * u + b;  // the twin's step with no input
    return u;
  }
  const double p = std::pow(lam, static_cast<double>(n));
  if (b == 0.0) return p * u;
  const double u_inf = b / (1.0 - lam);
  return u_inf + p * (u - u_inf);
}

double lif_tick::adapt_run(double a, std::int64_t n) const {
  const double rho = params_.adapt_decay;
  if (n <= iterate_limit) {
    for (std::int64_t m = 0; m < n; ++m) a = rho * a;
    return a;
  }
  return a * std::pow(rho, static_cast<double>(n));
}

void lif_tick::evaluate(std::uint32_t i, std::int64_t k, double) {
  const double b = params_.bias[i], theta = params_.spiking.threshold[i];
  const double x = free_run(u_[i], b, k - last_[i] - 1);
  const double v = params_.leak * x + in_[i] + b;  // the twin's arithmetic, term for term
  double threshold = theta;
  if (!a_.empty()) {
    a_[i] = adapt_run(adapt_next(i), k - last_[i] - 1);
    threshold = theta + params_.adapt_beta * a_[i];
  }
  in_[i] = 0.0;
  pre_[i] = v;
  last_[i] = k;
  const bool fire = v >= threshold;
  spiked_[i] = fire;
  u_[i] = !fire ? v : params_.spiking.reset == reset_mode::subtract ? v - theta : 0.0;
}

std::int64_t lif_tick::predict_adaptive(std::uint32_t i, double u, std::int64_t last) const {
  const double lam = params_.leak, b = params_.bias[i], theta = params_.spiking.threshold[i];
  const double a1 = adapt_next(i), beta = params_.adapt_beta;
  // Free Ũ_{last+m} = U∞ + λ^m (u − U∞) with U∞ < θ: at or above θ (a crossing needs that, A >= θ) only for
  // m <= m_max; scan those steps.
  const double u_inf = b / (1.0 - lam);
  std::int64_t m_max = 1;
  bool beyond = false;  // the stretch is longer than one scan: wake up at its end and scan on from there
  if (u > theta && u > u_inf) {
    const double mm = std::floor(std::log((theta - u_inf) / (u - u_inf)) / std::log(lam));
    beyond = !(mm + 2 <= static_cast<double>(adaptive_scan_limit));
    m_max = beyond ? adaptive_scan_limit : static_cast<std::int64_t>(mm) + 2;
  }
  for (std::int64_t m = 1; m <= m_max; ++m)
    if (free_pre(u, b, m) >= theta + beta * adapt_run(a1, m - 1)) return last + m;
  return beyond ? last + m_max : -1;
}

std::int64_t lif_tick::predict(std::uint32_t i, double u, std::int64_t last) const {
  if (!a_.empty()) return predict_adaptive(i, u, last);
  const double lam = params_.leak, b = params_.bias[i], theta = params_.spiking.threshold[i];
  if (free_pre(u, b, 1) >= theta) return last + 1;
  // Exact trajectory Ũ_{last+m} = U∞ + λ^m (u − U∞): monotone in m, so with the first step below θ it
  // can reach θ later only when it rises (u < U∞) toward an asymptote at or above θ.
  if (!(b > 0.0)) return -1;
  const double u_inf = b / (1.0 - lam);
  if (!(u < u_inf) || !(u_inf > theta)) return -1;
  const double ratio = (u_inf - theta) / (u_inf - u);  // in (0, 1): λ^m <= ratio at the crossing
  const double mc = std::ceil(std::log(ratio) / std::log(lam));
  if (!(mc < 1e15)) return -1;
  std::int64_t m = std::max<std::int64_t>(2, static_cast<std::int64_t>(mc));
  // The closed form is right to rounding: settle the step with the evaluation's own arithmetic.
  constexpr int max_walk = 64;
  if (free_pre(u, b, m) >= theta) {
    for (int w = 0; w < max_walk && m > 2 && free_pre(u, b, m - 1) >= theta; ++w) --m;
  } else {
    int w = 0;
    while (w < max_walk && free_pre(u, b, m) < theta) ++m, ++w;
    if (w == max_walk) return -1;
  }
  return last + m;
}

void lif_tick::repredict(std::uint32_t i) {
  ++counters().crossing_predictions;
  const std::int64_t m = predict(i, u_[i], last_[i]);
  if (m == wake_step_[i]) return;  // the pending wakeup (or none) still holds
  ++version_[i];
  wake_step_[i] = m;
  if (m >= 0) port().schedule_wakeup(id(), i, t0_ms_ + static_cast<double>(m) * params_.tick_ms, version_[i]);
}

void lif_tick::settle(double t_ms) {
  const std::int64_t k = pending_step_;
  if (k < 0) return;
  // Every touched neuron first, then the spikes (hooks see the whole step), then the predictions.
  const std::span<const std::uint32_t> list(touched_list_.data(), n_touched_);
  for (std::uint32_t i : list) {
    touched_[i] = 0;
    evaluate(i, k, t_ms);
  }
  counters().neuron_updates += list.size();
  pending_step_ = -1;
  settled_step_ = k;
  for (std::uint32_t i : list)
    if (spiked_[i]) port().emit_spike(id(), i, t_ms, 1.0f);
  for (std::uint32_t i : list) repredict(i);
  n_touched_ = 0;
}

double lif_tick::potential(std::uint32_t neuron, double t_ms) const {
  const double x = std::floor((t_ms - t0_ms_) / params_.tick_ms + 1e-9);
  const std::int64_t s = x >= 0.0 ? static_cast<std::int64_t>(x) : -1;
  if (s <= last_[neuron]) return u_[neuron];
  return free_run(u_[neuron], params_.bias[neuron], s - last_[neuron]);
}

double lif_tick::pre_reset_potential(std::uint32_t neuron, std::uint64_t step) const {
  const auto k = static_cast<std::int64_t>(step);
  if (k == last_[neuron]) return pre_[neuron];
  if (k < last_[neuron]) return std::numeric_limits<double>::quiet_NaN();
  return free_pre(u_[neuron], params_.bias[neuron], k - last_[neuron]);
}

double lif_tick::adaptation(std::uint32_t neuron, std::uint64_t step) const {
  if (a_.empty()) return 0.0;
  const auto k = static_cast<std::int64_t>(step);
  if (k == last_[neuron]) return a_[neuron];
  if (k < last_[neuron]) return std::numeric_limits<double>::quiet_NaN();
  return adapt_run(adapt_next(neuron), k - last_[neuron] - 1);
}

bool lif_tick::spiked_at(std::uint32_t neuron, std::uint64_t step) const {
  return static_cast<std::int64_t>(step) == last_[neuron] && spiked_[neuron] != 0;
}

std::unique_ptr<stepped_population> lif_tick::make_stepped(double dt_ms) const {
  if (dt_ms != params_.tick_ms)
    throw input_error(fmt::format("population '{}': lif_tick steps on its own tick: the time-stepped twin needs "
                                  "--dt-ms equal to tick_ms ({}), got {}",
                                  name(), params_.tick_ms, dt_ms));
  return std::make_unique<stepped_lif_tick>(name(), size(), dt_ms, params_.leak, params_.bias, params_.spiking,
                                            params_.adapt_beta, params_.adapt_decay);
}

}  // namespace evsnn
