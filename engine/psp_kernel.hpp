#pragma once
// psp_kernel: the postsynaptic potential of one unit input of a current-based neuron,
//     kappa(s) = norm (e^{-s/tau_mem} - e^{-s/tau_syn}),  norm = tau_syn/(tau_mem - tau_syn)   (tau_syn > 0)
//     kappa(s) = norm e^{-s/tau_mem}                                             (no synaptic filter)
// as a model states it through membrane_view, so that rules can differentiate spike times without
// knowing the model. value() and slope() are evaluated in the form that has no cancellation for any gap
// between the time constants, tau_mem == tau_syn included (the limit (s/tau_mem) e^{-s/tau_mem}):
//     kappa(s) = e^{-s/tau_mem} (s/tau_mem) E(-s delta),  delta = 1/tau_syn - 1/tau_mem,  E(x) = (e^x - 1)/x,
//     tau_mem kappa'(s) = e^{-s/tau_syn} - kappa(s)       (the current of a unit input minus the potential).
// norm is the factor of the separated form above, for code that keeps the two exponentials apart; it is
// infinite when tau_mem == tau_syn and loses precision as the gap closes: prefer value() and slope().
// Invariants: inv_tau_mem > 0; inv_tau_syn >= 0 (0: inputs jump the potential; norm finite then).
#include <cmath>

namespace evsnn {

// (e^x - 1)/x without cancellation, 1 at x = 0 (and for |x| below the normal range).
inline double expm1_ratio(double x) { return std::fabs(x) < 1e-300 ? 1.0 : std::expm1(x) / x; }

struct psp_kernel {
  double inv_tau_mem = 0.0;
  double inv_tau_syn = 0.0;  // 0: no synaptic filter (inputs jump the potential)
  double norm = 1.0;
  double tau_mem_ms() const { return 1.0 / inv_tau_mem; }
  // Whether code may use the separated form norm (e^{-s/tau_mem} - e^{-s/tau_syn}) (its round-off grows
  // like |norm| ulps of the terms): true unless the time constants are within ~0.1% of each other.
  bool separable() const { return std::fabs(norm) <= 1e3; }
  double value(double s) const {
    const double em = std::exp(-s * inv_tau_mem);
    if (!(inv_tau_syn > 0.0)) return norm * em;
    const double delta = inv_tau_syn - inv_tau_mem, x = s * delta;
    // Once the two exponentials differ by a factor e or more the separated form has no cancellation (and,
    // unlike e^{x}, cannot overflow for large s).
    if (std::fabs(x) > 1.0) return (em - std::exp(-s * inv_tau_syn)) * (inv_tau_mem / delta);
    return em * (s * inv_tau_mem) * expm1_ratio(-x);
  }
  // d kappa / ds.
  double slope(double s) const {
    if (!(inv_tau_syn > 0.0)) return -norm * inv_tau_mem * std::exp(-s * inv_tau_mem);
    return (std::exp(-s * inv_tau_syn) - value(s)) * inv_tau_mem;
  }
};

}  // namespace evsnn
