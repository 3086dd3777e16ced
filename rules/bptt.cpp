#include "rules/bptt.hpp"

#include <algorithm>
#include <cmath>

#include "engine/error.hpp"
#include "rules/tick_inputs.hpp"
#include "rules/tick_unroll.hpp"

namespace evsnn::rules {

namespace {

class bptt_worker final : public rule_worker {
 public:
  bptt_worker(bptt& rule, simulator& sim, const layer_chain& chain) : rule_(rule), sim_(sim), chain_(chain) {
    params_.info = rule.info();
    params_.sizes.push_back(chain.input_size);
    for (const layer_info& l : chain.layers) {
      params_.sizes.push_back(l.size);
      params_.bias.push_back(l.tick->bias());
    }
    inputs_record_.configure(chain, sim.net().projection_count());
    hook_subscription sub;
    sub.pre_projections.push_back(chain.layers[0].projection);
    sim.add_hook(*this, sub);
  }

  void set_target(std::uint32_t label) override { label_ = label; }

  void on_sample_begin(double t_ms, std::uint64_t) override {
    t0_ = t_ms;
    inputs_record_.begin(t_ms, params_.info.tick_ms);
  }

  void on_pre(const pre_context& ctx) override { inputs_record_.record(ctx); }

  // The forward runs on demand after the sample (sample_loss or accumulate), with the weights it ran with:
  // a reference worker in a batch that is not measured costs nothing beyond recording its input.
  void on_sample_end(double t_ms, std::uint64_t) override {
    const double span = (t_ms - t0_) / params_.info.tick_ms;
    steps_ = span > 1e-9 ? static_cast<std::uint64_t>(std::ceil(span - 1e-9)) : 0;
    unrolled_ = false;
  }

  std::optional<loss_value> sample_loss() const override {
    unroll();
    return unroll_.loss;
  }

  void accumulate(const output_error&, fixed_sum_set& sums) override {
    if (!learning()) return;
    unroll();
    if (unroll_.steps == 0) return;
    std::uint64_t ops = unroll_backward(params_, inputs_, unroll_, rule_.loss_on(), rule_.surrogate_slope(), grad_,
                                        chain_.trains_bias() ? &bias_grad_ : nullptr);
    for (std::size_t l = 0; l < grad_.size(); ++l) {
      fixed_sum& s = sums.sums[l];
      const trained_block& tb = chain_.blocks[l];
      if (tb.dense) {
        for (std::size_t k = 0; k < grad_[l].size(); ++k)
          if (grad_[l][k] != 0.0) s.add(k, grad_[l][k]);
      } else {  // a sparse recurrent block: its synapses' entries of the n x n gradient
        const projection& pr = sim_.net().proj(tb.projection);
        for (std::uint32_t syn = 0; syn < tb.synapses; ++syn) {
          const double g = grad_[l][std::size_t(pr.pre_of(syn)) * tb.n_post + pr.post_of(syn)];
          if (g != 0.0) s.add(syn, g);
        }
      }
    }
    if (chain_.trains_bias())
      for (std::size_t l = 0; l < chain_.layers.size(); ++l) {
        fixed_sum& s = sums.sums[chain_.layers[l].bias_block];
        for (std::size_t i = 0; i < bias_grad_[l].size(); ++i)
          if (bias_grad_[l][i] != 0.0) s.add(i, bias_grad_[l][i]);
      }
    sim_.counters().projections[chain_.layers[0].projection].rule_ops += ops;
  }

 private:
  void unroll() const {
    if (unrolled_) return;
    inputs_.resize(steps_);
    for (std::uint64_t k = 0; k < steps_; ++k) {
      inputs_record_.take(k);
      const auto x = inputs_record_.layer(0);
      inputs_[k].assign(x.begin(), x.end());
    }
    params_.weights.clear();
    for (const layer_info& l : chain_.layers) params_.weights.push_back(sim_.net().proj(l.projection).weights());
    // Recurrent blocks as n x n matrices (sparse ones expanded into dense_rec_).
    params_.recurrent.clear();
    dense_rec_.resize(chain_.blocks.size());
    for (std::size_t b = chain_.layers.size(); b < chain_.blocks.size(); ++b) {
      const trained_block& tb = chain_.blocks[b];
      if (tb.bias) continue;
      const projection& pr = sim_.net().proj(tb.projection);
      const auto delay = static_cast<std::uint32_t>(std::ceil(pr.delay_ms() / params_.info.tick_ms - 1e-9));
      if (tb.dense) {
        params_.recurrent.push_back({tb.layer, delay, pr.weights()});
        continue;
      }
      std::vector<double>& d = dense_rec_[b];
      d.assign(std::size_t(tb.n_pre) * tb.n_post, 0.0);
      for (std::uint32_t syn = 0; syn < tb.synapses; ++syn)
        d[std::size_t(pr.pre_of(syn)) * tb.n_post + pr.post_of(syn)] = pr.weight(syn);
      params_.recurrent.push_back({tb.layer, delay, d});
    }
    unroll_forward(params_, inputs_, label_, rule_.loss_on(), 0.0, unroll_);
    unrolled_ = true;
  }

  bptt& rule_;
  simulator& sim_;
  const layer_chain& chain_;
  mutable tick_params params_;
  mutable tick_inputs inputs_record_;  // the first layer's inputs, by step
  mutable std::vector<std::vector<tick_input>> inputs_;
  mutable tick_unroll unroll_;
  mutable std::vector<std::vector<double>> dense_rec_;  // sparse recurrent blocks as n x n
  mutable bool unrolled_ = false;
  std::uint64_t steps_ = 0;
  std::vector<std::vector<double>> grad_, bias_grad_;
  std::uint32_t label_ = 0;
  double t0_ = 0.0;
};

}  // namespace

bptt::bptt(tick_loss_on loss_on, double slope, const layer_chain& chain)
    : loss_on_(loss_on), slope_(slope), info_(make_tick_chain(chain, "bptt")), sums_(layer_sums(chain)) {}

fixed_sum_set bptt::make_sums() const { return sums_; }

std::unique_ptr<rule_worker> bptt::make_worker(simulator& sim, const layer_chain& chain) {
  return std::make_unique<bptt_worker>(*this, sim, chain);
}

void bptt::end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) {
  mean_gradients(total, n, grads);
}

nlohmann::json bptt::describe() const {
  return {{"type", "bptt"}, {"loss_on", loss_on_ == tick_loss_on::trace ? "trace" : "spikes"},
          {"surrogate_slope", slope_}};
}

std::unique_ptr<learning_rule> make_bptt(const json_node& spec, const layer_chain& chain) {
  tick_loss_on loss_on = tick_loss_on::spikes;
  double slope = 25.0;
  if (spec.is_object()) {
    if (auto n = spec.get("loss_on"))
      loss_on = n->as_choice({"spikes", "trace"}) == "trace" ? tick_loss_on::trace : tick_loss_on::spikes;
    if (auto n = spec.get("surrogate_slope")) slope = n->as_positive();
    spec.finish();
  }
  return std::make_unique<bptt>(loss_on, slope, chain);
}

}  // namespace evsnn::rules
