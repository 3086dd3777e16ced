#include "rules/plasticity_rules.hpp"

#include "rules/stdp.hpp"

namespace evsnn::rules {

void register_plasticity_rules(plasticity_registry& registry) {
  registry.add("stdp", make_stdp);
  registry.add("stdp_triplet", make_stdp_triplet);
}

plasticity_registry builtin_plasticity_registry() {
  plasticity_registry r;
  register_plasticity_rules(r);
  return r;
}

}  // namespace evsnn::rules
