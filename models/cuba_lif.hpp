#pragma once
// cuba_lif: current-based LIF with any tau_mem != tau_syn, exact with a bracketed crossing search that
// cannot miss a crossing. See exact_lif (state, reset, refractory) and exp_kernel (the search).
#include "models/exact_lif.hpp"
#include "models/exp_kernel.hpp"

namespace evsnn {
using cuba_lif = exact_lif<exp_kernel>;
}
