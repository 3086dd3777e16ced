#pragma once
// alpha_kernel: the tau_mem = 2 tau_syn case of exact_lif, where the next threshold crossing has a
// closed form. With y = e^{-s/tau_mem}, u(s) = B y - A y^2, so u(s) = theta is a quadratic in y
// (SFDFA eq. 3): the crossing is the larger root y = (B + sqrt(B^2 - 4 A theta)) / (2 A), taken only
// when it lies in the future (y < 1). B + sqrt(.) has no cancellation since B > 0 there.
// Invariants: tau_mem_ms > 0; inv_tau_syn == 2 inv_tau_mem; norm == 1.
#include <cmath>
#include <limits>

namespace evsnn {

struct alpha_kernel {
  static constexpr const char* name = "lif_alpha";

  explicit alpha_kernel(double tau_mem) : tau_mem_ms(tau_mem), inv_tau_mem(1.0 / tau_mem), inv_tau_syn(2.0 / tau_mem) {}

  double tau_mem_ms;
  double inv_tau_mem;
  double inv_tau_syn;
  double norm = 1.0;

  // e^{dt/tau_syn} given e^{dt/tau_mem}.
  double syn_factor(double em, double /*dt*/) const { return em * em; }

  // Necessary and sufficient for a future crossing from u(0) = B - A < theta: a concave parabola in y
  // whose vertex B/(2A) lies in the future (y < 1) and reaches theta.
  // Branch-free (bitwise &) so that the delivery loop vectorises.
  bool may_cross(double B, double A, double theta) const {
    return (A > 0.0) & (B > 0.0) & (B < 2.0 * A) & (B * B >= 4.0 * A * theta);
  }

  // Smallest s > 0 with u(s) = theta, or +inf; requires u(0) = B - A < theta.
  double crossing(double B, double A, double theta) const {
    if (!may_cross(B, A, theta)) return std::numeric_limits<double>::infinity();
    const double y = (B + std::sqrt(B * B - 4.0 * A * theta)) / (2.0 * A);
    return y >= 1.0 ? 0.0 : -tau_mem_ms * std::log(y);
  }
};

}  // namespace evsnn
