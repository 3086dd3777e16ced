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

void read_max_spikes(const json_node& params, spiking_params& p) {
  if (auto m = params.get("max_spikes")) {
    const std::uint64_t v = m->as_uint();
    if (v == 0 || v > 0xffffffffu) m->fail(fmt::format("max_spikes must be a positive integer below 2^32 (got {})", v));
    p.max_spikes = static_cast<std::uint32_t>(v);
  }
}

}  // namespace evsnn
