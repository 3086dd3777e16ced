#include "rules/tick_learner.hpp"

#include "rules/approx_otpe.hpp"
#include "rules/ostl.hpp"
#include "rules/ottt.hpp"
#include "rules/otpe.hpp"

namespace evsnn::rules {

std::unique_ptr<tick_learner> make_tick_learner(const std::string& name, const tick_layer_shape& shape) {
  if (name == "ottt") return std::make_unique<ottt_learner>(shape);
  if (name == "ostl") return std::make_unique<ostl_learner>(shape);
  if (name == "otpe") return std::make_unique<otpe_learner>(shape);
  if (name == "approx_otpe") return std::make_unique<approx_otpe_learner>(shape);
  return nullptr;
}

std::vector<std::string> tick_learner_names() { return {"ottt", "ostl", "otpe", "approx_otpe"}; }

}  // namespace evsnn::rules
