#include "models/spiking_params.hpp"

#include <fmt/format.h>

namespace evsnn {

spiking_params read_spiking_params(const json_node& params, std::uint32_t size) {
  spiking_params p;
  p.threshold.assign(size, 1.0);
  if (auto th = params.get("threshold")) {
    if (th->is_array()) {
      if (th->size() != size) th->fail(fmt::format("{} thresholds, expected {} (the population size)", th->size(), size));
      for (std::uint32_t i = 0; i < size; ++i) p.threshold[i] = (*th)[i].as_positive();
    } else {
      p.threshold.assign(size, th->as_positive());
    }
  }
  if (auto r = params.get("reset")) p.reset = r->as_choice({"subtract", "zero"}) == "zero" ? reset_mode::zero : reset_mode::subtract;
  if (auto r = params.get("refractory_ms")) p.refractory_ms = r->as_nonnegative();
  return p;
}

}  // namespace evsnn
