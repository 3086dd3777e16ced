#pragma once
// The neuron models evsnn ships, registered by name for network JSON:
//   lif_alpha, cuba_lif, lif_delta, li, spike_source.
#include "engine/model_registry.hpp"

namespace evsnn {

void register_builtin_models(model_registry& registry);
model_registry builtin_model_registry();

}  // namespace evsnn
