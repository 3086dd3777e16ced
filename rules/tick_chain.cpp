#include "rules/tick_chain.hpp"

#include <cmath>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn::rules {

tick_chain_info make_tick_chain(const layer_chain& chain, const char* rule) {
  require_tick(chain, rule);
  tick_chain_info info;
  info.tick_ms = chain.layers.front().tick->tick_ms();
  for (const layer_info& l : chain.layers) {
    if (l.tick->tick_ms() != info.tick_ms)
      throw input_error(fmt::format("rule {}: layer '{}' ticks every {} ms, layer '{}' every {} ms; the online "
                                    "rules need one tick for the whole chain",
                                    rule, l.name, l.tick->tick_ms(), chain.layers.front().name, info.tick_ms));
    if (l.membrane->spike_reset() != reset_kind::subtract)
      throw input_error(fmt::format("rule {}: layer '{}': the online rules need \"reset\": \"subtract\"", rule,
                                    l.name));
    info.leak.push_back(l.tick->leak());
    const auto th = l.membrane->thresholds();
    info.threshold.emplace_back(th.begin(), th.end());
  }
  for (std::size_t l = 0; l < info.leak.size(); ++l)
    info.leak_next.push_back(l + 1 < info.leak.size() ? info.leak[l + 1] : info.leak[l]);
  return info;
}

fixed_sum_set layer_sums(const layer_chain& chain) {
  fixed_sum_set s;
  for (const trained_block& b : chain.blocks) s.sums.emplace_back(b.synapses);
  return s;
}

std::uint64_t step_of(double t_ms, double t0_ms, double tick_ms) {
  const double k = std::ceil((t_ms - t0_ms) / tick_ms - 1e-9);
  return k > 0.0 ? static_cast<std::uint64_t>(k) : 0;
}

void tick_loss::begin(std::uint32_t label) {
  label_ = label;
  std::fill(o_.begin(), o_.end(), 0.0);
  std::fill(counts_.begin(), counts_.end(), 0);
  sum_ = 0.0;
  ticks_ = 0;
}

double tick_loss::tick(std::span<const double> s, std::span<double> g) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    counts_[i] += s[i] != 0.0;
    o_[i] = on_ == tick_loss_on::trace ? leak_ * o_[i] + s[i] : s[i];
  }
  const double l = softmax_cross_entropy(o_, label_, g);
  sum_ += l;
  ++ticks_;
  return l;
}

loss_value tick_loss::result() const {
  std::size_t best = 0;
  for (std::size_t i = 1; i < counts_.size(); ++i)
    if (counts_[i] > counts_[best]) best = i;
  const bool any = !counts_.empty() && counts_[best] > 0;
  return {ticks_ > 0 ? sum_ / static_cast<double>(ticks_) : 0.0,
          any ? static_cast<std::uint32_t>(best) : static_cast<std::uint32_t>(counts_.size())};
}

}  // namespace evsnn::rules
