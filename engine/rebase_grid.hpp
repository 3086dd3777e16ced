#pragma once
// rebase_grid: when a population moves the reference time T its neurons' state is carried back to (so
// that exponentials e^{(t-T)/tau} stay small and accurate). T moves only on a fixed grid T0 + k P (T0 the
// reset time, P the population's rebase span: 30 times its shortest time constant), one step of P at a
// time, each step the same multiplication of the state. So whatever events a population sees, at time t
// its T is the same grid point and its state has gone through the same sequence of steps: a population
// dealt over several ranks (each rank holding some of its neurons and seeing other events, issue 17)
// computes the bits of the whole one. Steps that would only multiply zeros are skipped (a step returns
// true once the whole state is zero; values below 1e-300 are flushed to zero by the steps, so a long silent
// gap ends the stepping after at most a few thousand steps). A population silent for a long time thus
// pays one sweep of its state per P ms of the gap, up to that point.
// Invariants: t_ref() == T0 + k P for the step count k (k = 0 right after reset); after advance(t) with
// t >= T0: t - t_ref() <= P.
#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

namespace evsnn {

class rebase_grid {
 public:
  // A population's rebase span is this many of its shortest time constant: e^30 ~ 1e13 keeps values
  // referred to T far from overflow while rebasing stays rare. Every rebasing state uses this one figure
  // (models, traces, rules' per-layer sums), but cuba_lif and li with tau_syn near tau_mem (exp_kernel's
  // near_singular_exponent: 2, where a long span would cost accuracy).
  static constexpr double span_exponent = 30.0;
  // The period span_exponent times the shortest time constant, given as its inverse (1/ms).
  static double period_for_rate(double fastest_inv_tau) { return span_exponent / fastest_inv_tau; }

  rebase_grid() = default;
  // period_ms > 0, or +inf (a population that never needs rebasing).
  explicit rebase_grid(double period_ms) : period_ms_(period_ms) {}

  void reset(double t_ms) {
    t0_ms_ = t_ms;
    k_ = 0.0;
    t_ref_ms_ = t_ms;
  }
  double t_ref() const { return t_ref_ms_; }
  double period_ms() const { return period_ms_; }

  // Moves T to the grid point that t_ms needs, calling step() once per grid step (step multiplies the state
  // by one period's decay and returns true when the state is now all zero; then the remaining steps are
  // skipped, T still landing on the same grid point).
  template <class Step>
  void advance(double t_ms, Step&& step) {
    if (!(t_ms - t_ref_ms_ > period_ms_)) return;
    while (t_ms - t_ref_ms_ > period_ms_) {
      if (step()) {
        // Every further step multiplies zeros: jump to the least k with t - (T0 + k P) <= P.
        k_ = std::max(k_ + 1.0, std::floor((t_ms - t0_ms_) / period_ms_) - 1.0);
        t_ref_ms_ = t0_ms_ + k_ * period_ms_;
        while (t_ms - t_ref_ms_ > period_ms_) t_ref_ms_ = t0_ms_ + ++k_ * period_ms_;
        return;
      }
      t_ref_ms_ = t0_ms_ + ++k_ * period_ms_;
    }
  }

  // Sets values below 1e-300 in magnitude to zero; true when every value is then zero.
  static bool flush_tiny(std::span<double> v) {
    bool zero = true;
    for (double& x : v) {
      if (std::fabs(x) < 1e-300) x = 0.0;
      zero &= x == 0.0;
    }
    return zero;
  }

 private:
  double period_ms_ = std::numeric_limits<double>::infinity();
  double t0_ms_ = 0.0;
  double k_ = 0.0;
  double t_ref_ms_ = 0.0;
};

}  // namespace evsnn
