#pragma once
// lif_alpha: current-based LIF with tau_mem = 2 tau_syn, exact with a closed-form next crossing.
// See exact_lif (state, reset, refractory) and alpha_kernel (the quadratic crossing).
#include "models/alpha_kernel.hpp"
#include "models/exact_lif.hpp"

namespace evsnn {
using lif_alpha = exact_lif<alpha_kernel>;
}
