#pragma once
// The plastic rules evsnn ships, registered by name for a projection's "plasticity": {"rule": NAME}:
//   stdp, stdp_triplet.
// A new rule is one file pair plus one add() line in plasticity_rules.cpp.
#include "engine/plasticity.hpp"

namespace evsnn::rules {

void register_plasticity_rules(plasticity_registry& registry);
plasticity_registry builtin_plasticity_registry();

}  // namespace evsnn::rules
