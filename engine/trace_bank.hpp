#pragma once
// trace_bank: n exponentially decaying traces with one time constant, for learning rules (one value per
// neuron: presynaptic or postsynaptic activity traces), structure of arrays and decayed lazily. Values
// are kept relative to a reference time T shared by the bank, trace_i(t) = c_i e^{-(t-T)/tau}, so that
// reading or bumping every trace at one time costs one shared exponential (at(t)), not one per trace.
// T moves forward (an O(n) rebase) when (t-T)/tau exceeds rebase_grid::span_exponent, so runs of any
// length stay finite, on the fixed grid of engine/rebase_grid.hpp: a bank's values do not depend on the
// times it was read at (a rule on a population dealt over ranks computes one process's bits). Reads at times before T
// (by less than the rebase span) are exact as well.
// Invariants: tau_ms > 0 and finite; c_.size() == n;
// |c_i| <= (largest value) * e^{rebase_grid::span_exponent}.
#include <cmath>
#include <cstddef>
#include <vector>

#include "engine/rebase_grid.hpp"

namespace evsnn {

class trace_bank {
 public:
  // The decay to one time: value(i) = c_i * decay, an increment a at that time adds a * grow.
  struct at_time {
    double decay;  // e^{-(t-T)/tau}
    double grow;   // e^{(t-T)/tau}
  };

  trace_bank() = default;
  trace_bank(std::size_t n, double tau_ms)
      : inv_tau_(1.0 / tau_ms),
        step_decay_(std::exp(-rebase_grid::span_exponent)),
        c_(n, 0.0),
        grid_(rebase_grid::span_exponent * tau_ms) {}

  std::size_t size() const { return c_.size(); }
  double tau_ms() const { return 1.0 / inv_tau_; }
  // Every trace 0, reference time t_ms.
  void reset(double t_ms) {
    grid_.reset(t_ms);
    std::fill(c_.begin(), c_.end(), 0.0);
  }
  // The factors for time t_ms (rebasing first when t_ms is far past T).
  at_time at(double t_ms) {
    grid_.advance(t_ms, [&] {
      for (double& c : c_) c *= step_decay_;
      return rebase_grid::flush_tiny(c_);
    });
    const double grow = std::exp((t_ms - grid_.t_ref()) * inv_tau_);
    return {1.0 / grow, grow};
  }
  double value(std::size_t i, const at_time& a) const { return c_[i] * a.decay; }
  // trace_i += amount at the time of a (all-to-all interactions).
  void add(std::size_t i, const at_time& a, double amount) { c_[i] += amount * a.grow; }
  // trace_i = v at the time of a (nearest-spike interactions).
  void set(std::size_t i, const at_time& a, double v) { c_[i] = v * a.grow; }

 private:
  double inv_tau_ = 1.0;
  double step_decay_ = 0.0;  // e^{-span_exponent}: one grid step
  std::vector<double> c_;
  rebase_grid grid_;  // the reference time T
};

}  // namespace evsnn
