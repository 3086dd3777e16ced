#pragma once
// psp_kernel: the postsynaptic potential of one unit input of a current-based neuron,
//     kappa(s) = norm (e^{-s/tau_mem} - e^{-s/tau_syn})   (tau_syn > 0)
//     kappa(s) = norm e^{-s/tau_mem}                      (no synaptic filter: inv_tau_syn == 0)
// as a model states it through membrane_view, so that rules can differentiate spike times without
// knowing the model. Invariants: inv_tau_mem > 0; inv_tau_syn >= 0; norm finite.
#include <cmath>

namespace evsnn {

struct psp_kernel {
  double inv_tau_mem = 0.0;
  double inv_tau_syn = 0.0;  // 0: no synaptic filter (inputs jump the potential)
  double norm = 1.0;
  double tau_mem_ms() const { return 1.0 / inv_tau_mem; }
  double value(double s) const {
    return inv_tau_syn > 0.0 ? norm * (std::exp(-s * inv_tau_mem) - std::exp(-s * inv_tau_syn))
                             : norm * std::exp(-s * inv_tau_mem);
  }
  // d kappa / ds.
  double slope(double s) const {
    return inv_tau_syn > 0.0
               ? norm * (-inv_tau_mem * std::exp(-s * inv_tau_mem) + inv_tau_syn * std::exp(-s * inv_tau_syn))
               : -norm * inv_tau_mem * std::exp(-s * inv_tau_mem);
  }
};

}  // namespace evsnn
