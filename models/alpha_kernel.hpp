#pragma once
// alpha_kernel: the tau_mem = 2 tau_syn case of exact_lif, where the next threshold crossing has a
// closed form. The state of a neuron is the separated form relative to the reference time T,
//     u(t) = p e^{-s/tau_mem} - q e^{-s/tau_syn},  s = t - T
// (norm = 1, so the two coefficients never grow large: this ratio is far from tau_mem == tau_syn), and an
// input w at s adds w e^{s/tau_mem} to p and w e^{s/tau_syn} to q. From a time, with y = e^{-s/tau_mem},
// u(s) = B y - A y^2, so u(s) = theta is a quadratic in y (SFDFA eq. 3): the crossing is the larger root
// y = (B + sqrt(B^2 - 4 A theta)) / (2 A), taken only when it lies in the future (y < 1). B + sqrt(.) has no
// cancellation since B > 0 there.
// Invariants: tau_mem_ms > 0; inv_tau_syn == 2 inv_tau_mem; norm == 1.
#include <cmath>
#include <limits>
#include <span>

#include "engine/rebase_grid.hpp"

namespace evsnn {

struct alpha_kernel {
  static constexpr const char* name = "lif_alpha";

  explicit alpha_kernel(double tau_mem) : tau_mem_ms(tau_mem), inv_tau_mem(1.0 / tau_mem), inv_tau_syn(2.0 / tau_mem) {}

  double tau_mem_ms;
  double inv_tau_mem;
  double inv_tau_syn;
  double norm = 1.0;
  // The population's rebase period (engine/rebase_grid.hpp).
  double rebase_period_ms() const { return rebase_grid::period_for_rate(std::max(inv_tau_mem, inv_tau_syn)); }

  // Everything the population shares at s = t - T for one event.
  struct frame {
    double em;      // e^{s/tau_mem}
    double xm, xs;  // e^{-s/tau_mem}, e^{-s/tau_syn}
    double cp, cq;  // a unit input at s adds cp to p and cq to q
  };
  frame at(double s) const {
    frame f;
    f.em = std::exp(s * inv_tau_mem);
    const double es = f.em * f.em;
    f.xm = 1.0 / f.em;
    f.xs = 1.0 / es;
    f.cp = norm * f.em;
    f.cq = norm * es;
    return f;
  }

  // The state at a time as the coefficients of u(s) = B e^{-s/tau_mem} - A e^{-s/tau_syn}. state, potential
  // and may_cross take T = double or a lane vector (models/simd_lanes.hpp; comparisons then give lane masks).
  template <class T>
  struct local_t {
    T B, A;
  };
  using local = local_t<double>;
  template <class T>
  __attribute__((always_inline)) local_t<T> state(T p, T q, const frame& f) const {
    return {p * f.xm, q * f.xs};
  }
  local state_at(double p, double q, double s, bool clamped) const {
    const double xm = std::exp(-s * inv_tau_mem), A = q * (xm * xm);
    return {clamped ? A : p * xm, A};
  }
  template <class T>
  __attribute__((always_inline)) T potential(const local_t<T>& x) const {
    return x.B - x.A;
  }
  double value_at(double p, double q, double s) const {
    return p * std::exp(-s * inv_tau_mem) - q * std::exp(-s * inv_tau_syn);
  }
  // Synaptic current in the units of tau_mem du/dt = -u + I.
  double current_at(double q, double s) const {
    return q * std::exp(-s * inv_tau_syn) * (inv_tau_syn / inv_tau_mem - 1.0);
  }
  // p that makes u = 0 at the frame's time / at s.
  double zero_p(double q, const frame& f) const { return q * f.xs * f.em; }
  double zero_p_at(double q, double s) const { return q * std::exp(-s * (inv_tau_syn - inv_tau_mem)); }
  // Moves the reference time forward by s.
  void rebase(double s, std::span<double> p, std::span<double> q) const {
    const double fm = std::exp(-s * inv_tau_mem), fs = fm * fm;
    for (std::size_t i = 0; i < p.size(); ++i) {
      p[i] *= fm;
      q[i] *= fs;
    }
  }

  // Necessary and sufficient for a future crossing from u(0) = B - A < theta: a concave parabola in y
  // (A > 0, implied by 0 < B < 2A) whose vertex B/(2A) lies in the future (y < 1) and reaches theta.
  // Branch-free (bitwise &), so that with double2 lanes it gives a lane mask (exact_lif::deliver_row).
  template <class T>
  __attribute__((always_inline)) auto may_cross(const local_t<T>& x, T theta) const {
    const T B = x.B, A = x.A;
    return (B > 0.0) & (B < 2.0 * A) & (B * B >= 4.0 * A * theta);
  }

  // Smallest s > 0 with u(s) = theta, or +inf; requires u(0) = B - A < theta.
  double crossing(const local& x, double theta) const {
    if (!may_cross(x, theta)) return std::numeric_limits<double>::infinity();
    const double y = root_y(x, theta);
    return y >= 1.0 ? 0.0 : -tau_mem_ms * std::log(y);
  }

  // A cheap lower bound of crossing(x, theta), without its logarithm (exact_lif evaluates crossing() itself
  // only for the crossings that reach the front of its heap): the crossing itself, with exact true, when that
  // is +inf or 0; else -ln y >= 2 (1 - y)/(1 + y) on (0, 1) (the difference rises to 0 at y = 1: its
  // derivative is (1 - y)^2/(y (1 + y)^2)), times 1 - 2^-40, far below 1 by more than the few ulps of
  // rounding in either side, so the bound stays below crossing() as computed.
  // Where not exact, hint receives y, from which resolve gives crossing() itself without redoing root_y.
  // Always inlined: exact_lif's AVX2 delivery (another target) would otherwise call it.
  __attribute__((always_inline)) double crossing_bound(const local& x, double theta, bool& exact, double& hint) const {
    exact = true;
    if (!may_cross(x, theta)) return std::numeric_limits<double>::infinity();
    const double y = root_y(x, theta);
    if (y >= 1.0) return 0.0;
    exact = false;
    hint = y;
    return tau_mem_ms * (2.0 * (1.0 - y) / (1.0 + y)) * (1.0 - 0x1p-40);
  }
  // crossing(x, theta), bit for bit, from the hint of a crossing_bound that was not exact.
  double resolve(const local&, double, double hint) const { return -tau_mem_ms * std::log(hint); }

 private:
  // The larger root y of B y - A y^2 = theta (may_cross holds).
  double root_y(const local& x, double theta) const {
    return (x.B + std::sqrt(x.B * x.B - 4.0 * x.A * theta)) / (2.0 * x.A);
  }
};

}  // namespace evsnn
