#pragma once
// exp_kernel: exact_lif with any tau_mem and tau_syn, tau_mem == tau_syn included, as accurate next to
// equality as anywhere. Dynamics: tau_mem du/dt = -u + J, tau_syn dJ/dt = -J, an input w adds w to J, so a
// unit input gives
//     kappa(s) = e^{-s/tau_mem} phi(s) = norm (e^{-s/tau_mem} - e^{-s/tau_syn}),  norm = tau_syn/(tau_mem - tau_syn),
//     phi(s) = (1 - e^{-s delta})/(tau_mem delta) = (s/tau_mem) E(-s delta),  delta = 1/tau_syn - 1/tau_mem,
// E(x) = (e^x - 1)/x evaluated by expm1 (psp_kernel.hpp): (s/tau_mem) e^{-s/tau_mem} when tau_mem == tau_syn,
// and a weight w peaks like lif_alpha's when tau_mem = 2 tau_syn. The state of a neuron relative to the
// population's reference time T is (p, q), with s = t - T:
//     J(t) = q e^{-s/tau_syn},   u(t) = e^{-s/tau_mem} (p + q psi(s)),   psi(s) = -e^{-s delta} phi(L - s),
// where L = P, the span after which exact_lif and li rebase, if delta > 0, else L = 0 (then psi = phi: p is
// the potential and q the current carried back to T). An input of weight w at s adds w e^{s/tau_syn} to q
// and w e^{s/tau_mem} phi(L - s) to p. For s <= P the terms are bounded by ~ (min(P/tau_mem, 1/|eps|) + 1) |w|
// whatever the gap, so nothing cancels beyond that: no coefficient of size norm (the separated form
// B e^{-s/tau_mem} - A e^{-s/tau_syn} cancels as norm grows when the gap closes), and no e^{s delta} growth
// (plain (v, J) carried back to T would cancel like that when tau_syn << tau_mem). P is 30 min(tau_mem,
// tau_syn) (rebase_grid::span_exponent) where |eps| >= 1/2, so the terms stay within ~3 |w|; nearer the
// singularity it is 2 min(tau_mem, tau_syn) (near_singular_exponent): with P = 30 tau the terms reach ~31 |w|, and the
// rounding of the exponentials' arguments (up to 30, so ~7e-15 relative) times that factor put spike times
// off by ~1e-12 ms per spike; with a "zero" reset each spike starts the next from its time, and the errors
// summed to 1e-10 ms over 140 spikes (tools/compare/exact_reference.py, docs/benchmarks.md).
// Crossing, from the state (v, J) at a time with u(0) = v < theta, theta > 0: tau_mem u' = J(s) - u(s), and
// h(s) = e^{s/tau_mem} (J(s) - u(s)) has h' = -J e^{-s delta}/tau_syn, so for J > 0 u has at most one
// extremum, a maximum, where u = J(s*) < J; for J <= 0 u never rises above max(v, 0). Hence a crossing
// exists iff J > theta, u rises at s = 0 (J > v) and its maximum, at
//     s* = tau_mem (J - v)/D L(z),  D = J + eps v,  z = eps (J - v)/D,  eps = tau_mem delta,  L(z) = log1p(z)/z
// (D <= 0: no maximum, u rises for ever towards 0; s* -> tau_mem (1 - v/J) as delta -> 0, no 0/0), reaches
// theta; the crossing is then the unique root in [0, s*], where u increases, found by Newton's method
// safeguarded by bisection on that bracket. This cannot miss a crossing that rises and falls back between
// two inputs: the maximum is computed, not sampled.
// Invariants: tau_mem_ms > 0, tau_syn_ms > 0; delta and eps are computed from tau_mem - tau_syn (exact when
// the two are close); norm (infinite when tau_mem == tau_syn) is only reported (psp_kernel), never used here.
#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include "engine/psp_kernel.hpp"
#include "engine/rebase_grid.hpp"

namespace evsnn {

struct exp_kernel {
  static constexpr const char* name = "cuba_lif";

  // P / min(tau_mem, tau_syn) where |eps| < 1/2 (see the header comment).
  static constexpr double near_singular_exponent = 2.0;

  exp_kernel(double tau_mem, double tau_syn)
      : tau_mem_ms(tau_mem),
        tau_syn_ms(tau_syn),
        inv_tau_mem(1.0 / tau_mem),
        inv_tau_syn(1.0 / tau_syn),
        delta((tau_mem - tau_syn) / (tau_mem * tau_syn)),
        eps((tau_mem - tau_syn) / tau_syn),
        ratio(tau_mem / tau_syn),
        norm(tau_syn / (tau_mem - tau_syn)),
        near_singular(std::fabs(eps) < 0.5),
        // Elsewhere P and L are the expressions they always were, so those populations keep their bits.
        period_ms(near_singular ? near_singular_exponent * std::min(tau_mem, tau_syn)
                                : rebase_grid::period_for_rate(std::max(inv_tau_mem, inv_tau_syn))),
        span_ms(!(delta > 0.0)  ? 0.0
                : near_singular ? period_ms
                                : rebase_grid::span_exponent * std::min(tau_mem, tau_syn)),
        phi_span(phi(span_ms)),
        decay_span(std::exp(-span_ms * inv_tau_syn)) {}

  double tau_mem_ms, tau_syn_ms;
  double inv_tau_mem, inv_tau_syn;
  double delta;       // 1/tau_syn - 1/tau_mem
  double eps;         // tau_mem delta = tau_mem/tau_syn - 1 (> -1)
  double ratio;       // r = tau_mem/tau_syn
  double norm;        // reported only
  bool near_singular;  // |eps| < 1/2
  double period_ms;   // P
  double rebase_period_ms() const { return period_ms; }
  double span_ms;     // L
  double phi_span;    // phi(L)
  double decay_span;  // e^{-L/tau_syn}

  // phi(s) = (1 - e^{-s delta})/(tau_mem delta), for any sign of s (overflows only for |s delta| > ~700).
  double phi(double s) const { return s * inv_tau_mem * expm1_ratio(-s * delta); }
  // kappa(s) = e^{-s/tau_mem} phi(s) for s >= 0, given em = e^{-s/tau_mem} and es = e^{-s/tau_syn}: the
  // separated form once the two exponentials differ by a factor e or more (no cancellation, no overflow).
  double kappa(double s, double em, double es) const {
    const double x = s * delta;
    return std::fabs(x) <= 1.0 ? em * (s * inv_tau_mem) * expm1_ratio(-x) : norm * (em - es);
  }
  // e^{-s/tau_mem} psi(s) for any s >= 0, without overflow: -e^{-s/tau_syn} phi(L - s) up to L, then
  // e^{-L/tau_syn} kappa(s - L).
  double decayed_psi(double s) const {
    if (s <= span_ms) return -std::exp(-s * inv_tau_syn) * phi(span_ms - s);
    const double r = s - span_ms;
    return decay_span * kappa(r, std::exp(-r * inv_tau_mem), std::exp(-r * inv_tau_syn));
  }

  // Everything the population shares at s = t - T (0 <= s <= P) for one event.
  struct frame {
    double em;      // e^{s/tau_mem}
    double xm, xs;  // e^{-s/tau_mem}, e^{-s/tau_syn}
    double psi;     // psi(s)
    double cp, cq;  // a unit input at s adds cp to p and cq to q
  };
  frame at(double s) const {
    frame f;
    f.em = std::exp(s * inv_tau_mem);
    const double es = std::exp(s * inv_tau_syn);
    f.xm = 1.0 / f.em;
    f.xs = 1.0 / es;
    const double ph = phi(span_ms - s);
    f.cp = f.em * ph;
    f.psi = -(f.em * f.xs) * ph;
    f.cq = es;
    return f;
  }

  // The state at a frame's time. state, potential and may_cross take T = double or a lane vector
  // (models/simd_lanes.hpp; comparisons then give lane masks).
  template <class T>
  struct local_t {
    T v, j;  // potential, synaptic current
  };
  using local = local_t<double>;
  template <class T>
  __attribute__((always_inline)) local_t<T> state(T p, T q, const frame& f) const {
    return {(p + q * f.psi) * f.xm, q * f.xs};
  }
  // At any s >= 0, for a neuron whose potential is held at 0 until then (clamped) or not.
  local state_at(double p, double q, double s, bool clamped) const {
    const double j = q * std::exp(-s * inv_tau_syn);
    return {clamped ? 0.0 : value_at(p, q, s), j};
  }
  template <class T>
  __attribute__((always_inline)) T potential(const local_t<T>& x) const {
    return x.v;
  }
  double value_at(double p, double q, double s) const { return p * std::exp(-s * inv_tau_mem) + q * decayed_psi(s); }
  double current_at(double q, double s) const { return q * std::exp(-s * inv_tau_syn); }
  // p that makes u = 0 at the frame's time / at s (psi(s) = e^{-L delta} phi(s - L) beyond L).
  double zero_p(double q, const frame& f) const { return -q * f.psi; }
  double zero_p_at(double q, double s) const {
    const double psi = s <= span_ms ? -std::exp(-s * delta) * phi(span_ms - s)
                                    : std::exp(-span_ms * delta) * phi(s - span_ms);
    return -q * psi;
  }
  // Moves the reference time forward by s >= 0: p becomes the potential at T + s plus phi(L) times the
  // current there (psi(0) = -phi(L)).
  void rebase(double s, std::span<double> p, std::span<double> q) const {
    const double fm = std::exp(-s * inv_tau_mem), fs = std::exp(-s * inv_tau_syn), dp = decayed_psi(s);
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double j = q[i] * fs;
      p[i] = p[i] * fm + q[i] * dp + j * phi_span;
      q[i] = j;
    }
  }

  // Necessary for a future crossing (false only where crossing() is +inf as computed): u rising now (J > v),
  // J > theta, a maximum (D > 0), and the maximum not surely below theta (may_reach).
  template <class T>
  __attribute__((always_inline)) auto may_cross(const local_t<T>& x, T theta) const {
    const T rise = x.j - x.v, d = x.j + eps * x.v;
    return (x.j > x.v) & (x.j > theta) & (d > 0.0) & may_reach(x.j, rise, d, theta);
  }

  // Potential s >= 0 after the state x; with its current J(s) in jd (for the slope: tau_mem u' = J - u). Two
  // transcendentals: where |s delta| <= 1, e^{-s/tau_syn} = e^{-s/tau_mem} (1 + expm1(-s delta)).
  double value(const local& x, double s, double& jd) const {
    const double em = std::exp(-s * inv_tau_mem), y = s * delta;
    double k, es;
    if (std::fabs(y) <= 1.0) {
      // kappa = e^{-s/tau_mem} (s/tau_mem) E(-y) = -e^{-s/tau_mem} expm1(-y) norm (the limit when delta == 0).
      const double e1 = std::expm1(-y);
      k = delta != 0.0 ? -em * e1 * norm : em * (s * inv_tau_mem);
      es = em * (1.0 + e1);
    } else {
      es = std::exp(-s * inv_tau_syn);
      k = norm * (em - es);
    }
    jd = x.j * es;
    return x.v * em + x.j * k;
  }
  double value(const local& x, double s) const {
    double jd;
    return value(x, s, jd);
  }

  // Smallest s > 0 with u(s) = theta, or +inf; requires u(0) = x.v < theta, theta > 0.
  double crossing(const local& x, double theta) const {
    const double s_max = crossing_bracket(x, theta);
    return s_max == inf_s ? inf_s : root(x, theta, s_max);
  }

  // A cheap lower bound of crossing(x, theta) (exact_lif evaluates crossing() itself only for the crossings
  // that reach the front of its heap): +inf exactly when crossing() is, and then exact is true. On [0, s*] u
  // rises and tau_mem u' = J(s) - u(s) <= J - v, so the crossing is at least tau_mem (theta - v)/(J - v); the
  // margins (1e-6 relative, 1e-9 tau_mem absolute) keep it below the root as computed, whose rounding error
  // is largest where u rises slowly, far above this bound.
  // Where not exact, hint receives the bracket's end s*, from which resolve finds crossing() itself without
  // redoing the bracket (its logarithm and one value()).
  double crossing_bound(const local& x, double theta, bool& exact, double& hint) const {
    exact = true;
    const double s_max = crossing_bracket(x, theta);
    if (s_max == inf_s) return inf_s;
    exact = false;
    hint = s_max;
    const double s = tau_mem_ms * ((theta - x.v) / (x.j - x.v)) * (1.0 - 1e-6) - 1e-9 * tau_mem_ms;
    return s > 0.0 ? s : 0.0;
  }
  // crossing(x, theta), bit for bit, from the hint of a crossing_bound that was not exact.
  double resolve(const local& x, double theta, double hint) const { return root(x, theta, hint); }

 private:
  static constexpr double inf_s = std::numeric_limits<double>::infinity();

  // False where the maximum u(s*) is below theta by more than the rounding of crossing_bracket's own test, from
  // rise = J - v > 0 and D = J + eps v > 0, in a few flops. At the maximum u = J(s*) = J (1 + z)^{-r/eps} with
  // r = tau_mem/tau_syn = 1 + eps, 1 + z = r J/D, so u(s*) = J e^{-x}, x = (r/eps) log(1 + z) >= 0. For either
  // sign of z (> -1), (r/eps) log(1 + z) >= (r/eps) 2z/(2 + z) = 2r rise/(2D + eps rise) =: x0 >= 0 (log y is
  // above 2(y - 1)/(y + 1) for y > 1 and below it for y < 1; at eps = 0 x = x0 = rise/D), and e^{-x} <= 1/P(x),
  // P(x) = 1 + x + x^2/2 + x^3/6, for x >= 0, so u(s*) <= J/P(x0). False where J < (theta - margin) P(x0): the
  // margin, 1e-12 (2J + rise) >= 1e-12 (J + |v|), is a thousand times value()'s rounding error, so there
  // crossing_bracket's value(x, s*) < theta holds too: the answer, bit for bit, of the test it saves (a
  // logarithm and value()). One division.
  template <class T>
  __attribute__((always_inline)) auto may_reach(T j, T rise, T d, T theta) const {
    const T x0 = (2.0 * ratio) * rise / (2.0 * d + eps * rise);
    const T p = 1.0 + x0 * (1.0 + x0 * (0.5 + x0 * (1.0 / 6.0)));
    return j >= (theta - 1e-12 * (2.0 * j + rise)) * p;
  }

  // The end s* of the bracket [0, s*] holding the crossing, or +inf when there is no crossing.
  double crossing_bracket(const local& x, double theta) const {
    const double v = x.v, j = x.j;
    if (!(j > v) || !(j > theta)) return inf_s;
    const double rise = j - v, d = j + eps * v;
    if (!(d > 0.0)) return inf_s;  // no maximum: u rises for ever towards 0, never reaches theta > 0
    if (!may_reach(j, rise, d, theta)) return inf_s;  // most rejections, without the three transcendentals
    // s* = tau_mem log1p(z)/eps (log1p only where z is small: log(1 + z) is as accurate and cheaper elsewhere).
    const double z = eps * rise / d;
    const double s_max = eps == 0.0 ? tau_mem_ms * (rise / d)
                                    : tau_mem_ms * (std::fabs(z) < 0.25 ? std::log1p(z) : std::log(1.0 + z)) / eps;
    if (!(s_max > 0.0) || !(s_max < inf_s)) return inf_s;
    if (value(x, s_max) < theta) return inf_s;
    return s_max;
  }

  // The root of u(s) = theta in [0, s_max], u(0) = v < theta <= u(s_max), u increasing there. On [0, s*] u is
  // concave (tau_mem u'' = -J(s)/tau_syn - u' < 0 while u' >= 0 and J > 0), so u(s) <= v + s (J - v)/tau_mem:
  // Newton's method started at s0 = tau_mem (theta - v)/(J - v), where u <= theta, climbs to the root
  // monotonically (each tangent lies above u), quadratically once near it. It stops when its step is below
  // 1e-15 (1 + s) and takes that step. Bisection on the bracket [lo, hi] (g(lo) < 0 <= g(hi)) guards against
  // rounding (a step outside the bracket) and a flat tangent (a crossing at the maximum itself).
  double root(const local& x, double theta, double s_max) const {
    double lo = 0.0, hi = s_max;
    double s = tau_mem_ms * ((theta - x.v) / (x.j - x.v));
    if (!(s > lo && s < hi)) s = 0.5 * (lo + hi);
    for (int it = 0; it < 200; ++it) {
      double jd;
      const double u = value(x, s, jd);
      const double g = u - theta;
      const double dg = (jd - u) * inv_tau_mem;
      if (g < 0.0)
        lo = s;
      else
        hi = s;
      double next = 0.5 * (lo + hi);
      if (dg > 0.0) {
        const double step = -g / dg;
        if (std::fabs(step) <= 1e-15 * (1.0 + s)) {
          s += step;
          break;
        }
        if (s + step > lo && s + step < hi) next = s + step;
      }
      if (hi - lo <= 1e-15 * (1.0 + hi)) {
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
