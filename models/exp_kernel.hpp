#pragma once
// exp_kernel: exact_lif with any tau_mem != tau_syn. Between events
//     u(s) = B e^{-s/tau_mem} - A e^{-s/tau_syn},
// whose derivative vanishes at most once (the ratio of two exponentials is strictly monotone), so u
// has at most one extremum and tends to 0. Hence from u(0) < theta > 0 a crossing exists iff u rises
// at s = 0 and its maximum, at s* = ln((A/tau_syn)/(B/tau_mem)) / (1/tau_syn - 1/tau_mem) > 0, reaches
// theta; the crossing is then the unique root in [0, s*], where u increases, found by Newton's method
// safeguarded by bisection on that bracket. This cannot miss a crossing that rises and falls back
// between two inputs: the maximum is computed, not sampled.
// Invariants: tau_mem_ms > 0, tau_syn_ms > 0, tau_mem_ms != tau_syn_ms;
// norm = tau_syn/(tau_mem - tau_syn) (> 0 either way), so a weight w peaks like lif_alpha's when
// tau_mem = 2 tau_syn.
#include <cmath>
#include <limits>

namespace evsnn {

struct exp_kernel {
  static constexpr const char* name = "cuba_lif";

  exp_kernel(double tau_mem, double tau_syn)
      : tau_mem_ms(tau_mem),
        tau_syn_ms(tau_syn),
        inv_tau_mem(1.0 / tau_mem),
        inv_tau_syn(1.0 / tau_syn),
        norm(tau_syn / (tau_mem - tau_syn)) {}

  double tau_mem_ms, tau_syn_ms;
  double inv_tau_mem, inv_tau_syn;
  double norm;

  double syn_factor(double /*em*/, double dt) const { return std::exp(dt * inv_tau_syn); }

  // Necessary for a future crossing: u rising now.
  bool may_cross(double B, double A, double /*theta*/) const { return A * inv_tau_syn > B * inv_tau_mem; }

  double value(double B, double A, double s) const {
    return B * std::exp(-s * inv_tau_mem) - A * std::exp(-s * inv_tau_syn);
  }

  // Smallest s > 0 with u(s) = theta, or +inf; requires u(0) = B - A < theta, theta > 0.
  double crossing(double B, double A, double theta) const {
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (!may_cross(B, A, theta)) return inf;
    // Extremum: (A/tau_s) e^{-s/tau_s} = (B/tau_m) e^{-s/tau_m}.
    const double r = (B * inv_tau_mem) / (A * inv_tau_syn);
    if (!(r > 0.0)) return inf;  // u rises for ever towards 0: never reaches theta > 0
    const double s_max = -std::log(r) / (inv_tau_syn - inv_tau_mem);
    if (!(s_max > 0.0)) return inf;
    if (value(B, A, s_max) < theta) return inf;
    // Root of g(s) = u(s) - theta on [lo, hi], g(lo) < 0 <= g(hi), g increasing.
    double lo = 0.0, hi = s_max, s = 0.5 * s_max;
    for (int it = 0; it < 200; ++it) {
      const double em = std::exp(-s * inv_tau_mem), es = std::exp(-s * inv_tau_syn);
      const double g = B * em - A * es - theta;
      const double dg = -B * inv_tau_mem * em + A * inv_tau_syn * es;
      if (g < 0.0)
        lo = s;
      else
        hi = s;
      double next = (dg > 0.0) ? s - g / dg : 0.5 * (lo + hi);
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      if (std::fabs(next - s) <= 1e-15 * (1.0 + s) || hi - lo <= 1e-15 * (1.0 + hi)) {
        s = next;
        break;
      }
      s = next;
    }
    // The root lies in [lo, hi]; keep the estimate inside it.
    return s < lo ? lo : (s > hi ? hi : s);
  }
};

}  // namespace evsnn
