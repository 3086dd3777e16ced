#include "rules/bptt_readout.hpp"

#include <cmath>

#include "engine/error.hpp"
#include "rules/tick_chain.hpp"

namespace evsnn::rules {

namespace {

class bptt_readout_worker final : public rule_worker {
 public:
  bptt_readout_worker(bptt_readout& rule, simulator& sim, const layer_chain& chain)
      : rule_(rule), sim_(sim), chain_(chain), net_(make_readout_net(sim.net(), chain, "bptt")) {
    hook_subscription sub;
    sub.pre_projections.push_back(chain.layers[0].projection);
    sim.add_hook(*this, sub);
  }

  void set_target(std::uint32_t label) override { label_ = label; }
  void set_duration(double duration_ms) override { duration_ms_ = duration_ms; }

  void on_sample_begin(double t_ms, std::uint64_t) override {
    t0_ = t_ms;
    for (auto& step : inputs_) step.clear();
    steps_ = 0;
  }

  void on_pre(const pre_context& ctx) override {
    const std::uint64_t k = step_of(ctx.t_ms, t0_, rule_.tick_ms());
    if (k >= inputs_.size()) inputs_.resize(k + 1);
    std::vector<tick_input>& step = inputs_[k];
    const double x = ctx.proj.graded() ? static_cast<double>(ctx.grade) : 1.0;
    for (tick_input& in : step)
      if (in.pre == ctx.pre) {
        in.x += x;
        return;
      }
    step.push_back({ctx.pre, x});
  }

  void on_sample_end(double t_ms, std::uint64_t) override {
    const double span = (t_ms - t0_) / rule_.tick_ms();
    steps_ = span > 1e-9 ? static_cast<std::uint64_t>(std::ceil(span - 1e-9)) : 0;
    if (inputs_.size() < steps_) inputs_.resize(steps_);
    view_.assign(inputs_.begin(), inputs_.begin() + std::ptrdiff_t(steps_));
    readout_forward(net_, view_, label_, loss_window_start(rule_.loss_window_ms(), duration_ms_, rule_.tick_ms()),
                    nullptr, unroll_);
  }

  std::optional<loss_value> sample_loss() const override { return unroll_.loss; }

  void accumulate(const output_error&, fixed_sum_set& sums) override {
    if (!learning() || unroll_.T == 0) return;
    const bool reg = rule_.reg_rate() > 0.0;
    if (reg) rate_regulariser(unroll_, rule_.reg_rate(), rule_.target_rate_hz() * rule_.tick_ms() * 1e-3, reg_ds_);
    readout_backward(net_, view_, unroll_, rule_.surrogate(), grads_, nullptr, reg ? &reg_ds_ : nullptr);
    std::uint64_t ops = 0;
    for (std::size_t b = 0; b < grads_.size(); ++b) {
      fixed_sum& s = sums.sums[b];
      for (std::size_t k = 0; k < grads_[b].size(); ++k)
        if (grads_[b][k] != 0.0) s.add(k, grads_[b][k]);
      ops += unroll_.T * grads_[b].size();
    }
    sim_.counters().projections[chain_.layers[0].projection].rule_ops += ops;
  }

 private:
  bptt_readout& rule_;
  simulator& sim_;
  const layer_chain& chain_;
  readout_net net_;
  std::vector<std::vector<tick_input>> inputs_, view_;
  readout_unroll unroll_;
  std::vector<std::vector<double>> grads_, reg_ds_;
  std::uint64_t steps_ = 0;
  std::uint32_t label_ = 0;
  double t0_ = 0.0, duration_ms_ = 0.0;
};

}  // namespace

bptt_readout::bptt_readout(tick_surrogate surrogate, double loss_window_ms, double reg_rate, double target_rate_hz,
                           const layer_chain& chain)
    : surrogate_(surrogate), loss_window_ms_(loss_window_ms), reg_rate_(reg_rate), target_rate_hz_(target_rate_hz),
      sums_(layer_sums(chain)) {
  if (chain.layers.size() < 2 || chain.layers.front().tick == nullptr)
    throw input_error("rule bptt: a chain ending in a readout needs lif_tick hidden layers");
  tick_ms_ = chain.layers.front().tick->tick_ms();
}

std::unique_ptr<rule_worker> bptt_readout::make_worker(simulator& sim, const layer_chain& chain) {
  return std::make_unique<bptt_readout_worker>(*this, sim, chain);
}

void bptt_readout::end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) {
  mean_gradients(total, n, grads);
}

nlohmann::json bptt_readout::describe() const {
  return {{"type", "bptt"},
          {"surrogate", surrogate_.piecewise ? "piecewise_linear" : "fast_sigmoid"},
          {"gamma", surrogate_.gamma},
          {"surrogate_slope", surrogate_.slope},
          {"loss_window_ms", loss_window_ms_},
          {"reg_rate", reg_rate_},
          {"target_rate_hz", target_rate_hz_}};
}

std::unique_ptr<learning_rule> make_bptt_readout(const json_node& spec, const layer_chain& chain) {
  tick_surrogate s;
  double window = 0.0, reg = 0.0, target = 10.0;
  if (spec.is_object()) {
    if (auto n = spec.get("surrogate")) s.piecewise = n->as_choice({"piecewise_linear", "fast_sigmoid"}) == "piecewise_linear";
    if (auto n = spec.get("gamma")) s.gamma = n->as_positive();
    if (auto n = spec.get("surrogate_slope")) s.slope = n->as_positive();
    if (auto n = spec.get("loss_window_ms")) window = n->as_nonnegative();
    if (auto n = spec.get("reg_rate")) reg = n->as_nonnegative();
    if (auto n = spec.get("target_rate_hz")) target = n->as_nonnegative();
    spec.finish();
  }
  return std::make_unique<bptt_readout>(s, window, reg, target, chain);
}

}  // namespace evsnn::rules
