#include "rules/tick_inputs.hpp"

#include "rules/tick_chain.hpp"

namespace evsnn::rules {

void tick_inputs::configure(const layer_chain& chain, std::size_t projection_count) {
  layer_of_.assign(projection_count, UINT32_MAX);
  x_.assign(chain.layers.size(), {});
  dense_.assign(chain.layers.size(), {});
  for (std::size_t l = 0; l < chain.layers.size(); ++l) {
    layer_of_[chain.layers[l].projection] = static_cast<std::uint32_t>(l);
    x_[l].reserve(chain.layers[l].fan_in);
    dense_[l].assign(chain.layers[l].fan_in, 0.0);
  }
}

void tick_inputs::begin(double t0_ms, double tick_ms) {
  t0_ms_ = t0_ms;
  tick_ms_ = tick_ms;
  next_step_ = 0;
  records_.clear();
  head_ = 0;
  for (std::size_t l = 0; l < x_.size(); ++l) {
    for (const tick_input& in : x_[l]) dense_[l][in.pre] = 0.0;
    x_[l].clear();
  }
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
  for (std::size_t l = 0; l < x_.size(); ++l) {
    for (const tick_input& in : x_[l]) dense_[l][in.pre] = 0.0;
    x_[l].clear();
  }
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
  for (std::size_t l = 0; l < x_.size(); ++l)
    for (tick_input& in : x_[l]) in.x = dense_[l][in.pre];
}

}  // namespace evsnn::rules
