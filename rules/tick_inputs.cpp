#include "rules/tick_inputs.hpp"

#include "rules/tick_chain.hpp"

namespace evsnn::rules {

void tick_inputs::configure(const layer_chain& chain, std::size_t projection_count, bool bias_inputs) {
  layer_of_.assign(projection_count, UINT32_MAX);
  x_.assign(chain.layers.size(), {});
  dense_.assign(chain.layers.size(), {});
  bias_pre_.assign(chain.layers.size(), UINT32_MAX);
  for (std::size_t l = 0; l < chain.layers.size(); ++l) {
    const layer_info& li = chain.layers[l];
    layer_of_[li.projection] = static_cast<std::uint32_t>(l);
    const bool bias = bias_inputs && li.bias_block != layer_info::no_projection;
    if (bias) bias_pre_[l] = li.fan_in;
    x_[l].reserve(li.fan_in + (bias ? 1 : 0));
    dense_[l].assign(li.fan_in + (bias ? 1 : 0), 0.0);
  }
}

void tick_inputs::clear_lists() {
  for (std::size_t l = 0; l < x_.size(); ++l) {
    for (const tick_input& in : x_[l]) dense_[l][in.pre] = 0.0;
    x_[l].clear();
  }
}

void tick_inputs::begin(double t0_ms, double tick_ms) {
  t0_ms_ = t0_ms;
  tick_ms_ = tick_ms;
  next_step_ = 0;
  records_.clear();
  head_ = 0;
  clear_lists();
}

hook_subscription tick_inputs::subscription(const layer_chain& chain, double tick_ms) {
  hook_subscription sub;
  for (const layer_info& li : chain.layers) sub.pre_projections.push_back(li.projection);
  sub.tick_period_ms = tick_ms;
  sub.tick_first_ms = 0.5 * tick_ms;
  return sub;
}

void tick_inputs::record(const pre_context& ctx) {
  const std::uint32_t l = layer_of_[ctx.projection_id];
  if (l == UINT32_MAX) return;
  records_.push_back({step_of(ctx.t_ms, t0_ms_, tick_ms_), l, ctx.pre,
                      ctx.proj.graded() ? static_cast<double>(ctx.grade) : 1.0});
}

void tick_inputs::take(std::uint64_t k) {
  clear_lists();
  while (head_ < records_.size() && records_[head_].step <= k) {
    const record_entry& r = records_[head_++];
    double& d = dense_[r.layer][r.pre];
    if (d == 0.0) x_[r.layer].push_back({r.pre, 0.0});
    d += r.x;
  }
  if (head_ == records_.size()) {
    records_.clear();
    head_ = 0;
  }
  for (std::size_t l = 0; l < x_.size(); ++l) {
    for (tick_input& in : x_[l]) in.x = dense_[l][in.pre];
    if (bias_pre_[l] != UINT32_MAX) {  // the always-on bias input, last
      dense_[l][bias_pre_[l]] = 1.0;
      x_[l].push_back({bias_pre_[l], 1.0});
    }
  }
}

}  // namespace evsnn::rules
