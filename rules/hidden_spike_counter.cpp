#include "rules/hidden_spike_counter.hpp"

#include <algorithm>

namespace evsnn::rules {

void hidden_spike_counter::bind(simulator& sim, const layer_chain& chain) {
  base_.assign(sim.net().projection_count(), 0);
  offset_.assign(1, 0);
  hook_subscription sub;
  sub.samples = false;
  for (std::size_t l = 0; l + 1 < chain.layers.size(); ++l) {
    const layer_info& info = chain.layers[l];
    base_[info.projection] = offset_.back();
    offset_.push_back(offset_.back() + info.size);
    sub.post_projections.push_back(info.projection);
  }
  counts_.assign(offset_.back(), 0);
  if (!sub.post_projections.empty()) sim.add_hook(*this, sub);
}

void hidden_spike_counter::clear() { std::fill(counts_.begin(), counts_.end(), 0); }

std::vector<double> hidden_spike_counter::silent(std::span<const std::uint64_t> counts) const {
  std::vector<double> out;
  for (std::size_t l = 0; l < layers(); ++l)
    out.push_back(static_cast<double>(
        std::count(counts.begin() + static_cast<std::ptrdiff_t>(offset_[l]),
                   counts.begin() + static_cast<std::ptrdiff_t>(offset_[l + 1]), std::uint64_t{0})));
  return out;
}

}  // namespace evsnn::rules
