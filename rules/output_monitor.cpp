#include "rules/output_monitor.hpp"

#include <algorithm>
#include <limits>

namespace evsnn::rules {

void output_monitor::bind(simulator& sim, const layer_chain& chain) {
  const layer_info& out = chain.output();
  pop_ = &sim.net().pop(out.population);
  readout_ = out.readout;
  counts_.assign(out.size, 0);
  first_ms_.assign(out.size, std::numeric_limits<double>::infinity());
  values_.assign(out.size, 0.0);
  hook_subscription sub;
  if (!readout_) sub.post_projections.push_back(out.projection);
  sim.add_hook(*this, sub);
}

void output_monitor::on_sample_begin(double t_ms, std::uint64_t) {
  t0_ms_ = t_ms;
  std::fill(counts_.begin(), counts_.end(), 0u);
  std::fill(first_ms_.begin(), first_ms_.end(), std::numeric_limits<double>::infinity());
}

void output_monitor::on_post(const post_context& ctx) {
  if (counts_[ctx.post]++ == 0) first_ms_[ctx.post] = ctx.t_ms - t0_ms_;
}

void output_monitor::on_sample_end(double t_ms, std::uint64_t) {
  if (readout_)
    for (std::uint32_t o = 0; o < values_.size(); ++o) values_[o] = pop_->potential(o, t_ms);
}

output_activity output_monitor::activity(double duration_ms) const {
  output_activity a;
  if (readout_) {
    a.readout = values_;
  } else {
    a.counts = counts_;
    a.first_ms = first_ms_;
  }
  a.duration_ms = duration_ms;
  return a;
}

}  // namespace evsnn::rules
