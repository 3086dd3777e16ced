#include "rules/online_rule.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "rules/tick_inputs.hpp"
#include "rules/tick_learner.hpp"

namespace evsnn::rules {

namespace {

class online_worker final : public rule_worker {
 public:
  online_worker(online_rule& rule, simulator& sim, const layer_chain& chain)
      : rule_(rule), sim_(sim), chain_(chain), info_(rule.info()) {
    const std::size_t L = chain.layers.size();
    inputs_.configure(chain, sim.net().projection_count(), true);
    for (std::size_t l = 0; l < L; ++l) {
      const layer_info& li = chain.layers[l];
      layer_state st;
      // A trained bias is the weight of one more input, always on (tick_inputs): row fan_in of grad.
      const bool bias = li.bias_block != layer_info::no_projection;
      const std::uint32_t n_in = li.fan_in + (bias ? 1 : 0);
      st.learner =
          make_tick_learner(rule.layer_rules()[l], {n_in, li.size, info_.leak[l], info_.leak_next[l], bias});
      st.psi.assign(li.size, 0.0);
      st.reset.assign(li.size, 0.0);
      st.g.assign(li.size, 0.0);
      st.factor.assign(li.size, 0.0);
      st.s.assign(li.size, 0.0);
      st.grad.assign(std::size_t(n_in) * li.size, 0.0);
      layers_.push_back(std::move(st));
    }
    loss_.configure(chain.output().size, rule.loss_on(), info_.leak.back());
    sim.add_hook(*this, tick_inputs::subscription(chain, info_.tick_ms));
  }

  void set_target(std::uint32_t label) override { label_ = label; }

  void on_sample_begin(double t_ms, std::uint64_t) override {
    inputs_.begin(t_ms, info_.tick_ms);
    loss_.begin(label_);
    tracking_ = learning();
    if (!tracking_) return;
    for (layer_state& st : layers_) {
      st.learner->reset();
      std::fill(st.grad.begin(), st.grad.end(), 0.0);
    }
  }

  void on_pre(const pre_context& ctx) override {
    if (tracking_) inputs_.record(ctx);
  }

  void on_tick(double t_ms) override { handle_steps_before(t_ms); }

  void on_sample_end(double t_ms, std::uint64_t) override { handle_steps_before(t_ms); }

  std::optional<loss_value> sample_loss() const override { return loss_.result(); }

  // Offline: the sample's gradient, the mean over its ticks.
  void accumulate(const output_error&, fixed_sum_set& sums) override {
    if (!tracking_ || rule_.online() || loss_.ticks() == 0) return;
    add_gradient(sums, 1.0 / static_cast<double>(loss_.ticks()));
  }

  // Online: the gradient of the steps handled since the last call (one tick's loss), then cleared.
  void accumulate_tick(fixed_sum_set& sums) override {
    if (!tracking_) return;
    add_gradient(sums, 1.0);
  }

 private:
  // Weights into block l, a trained bias (the last row) into the layer's bias block.
  void add_gradient(fixed_sum_set& sums, double scale) {
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      std::vector<double>& g = layers_[l].grad;
      const layer_info& li = chain_.layers[l];
      const std::size_t n_w = std::size_t(li.fan_in) * li.size;
      fixed_sum& s = sums.sums[l];
      s.add_scaled(0, g.data(), scale, n_w);
      std::fill_n(g.begin(), n_w, 0.0);
      if (li.bias_block == layer_info::no_projection) continue;
      fixed_sum& sb = sums.sums[li.bias_block];
      for (std::size_t i = 0; i < li.size; ++i)
        if (g[n_w + i] != 0.0) {
          sb.add(i, g[n_w + i] * scale);
          g[n_w + i] = 0.0;
        }
    }
  }

  void handle_steps_before(double t_ms) {
    inputs_.each_step_before(t_ms, [this](std::uint64_t k) { handle_step(k); });
  }

  struct layer_state {
    std::unique_ptr<tick_learner> learner;
    std::vector<double> psi, reset, g, factor, s, grad;
  };

  // Reads Ũ_k and s_k of layer l into psi/reset/s.
  void read_layer(std::size_t l, std::uint64_t k) {
    const layer_info& li = chain_.layers[l];
    layer_state& st = layers_[l];
    const std::vector<double>& theta = info_.threshold[l];
    const double slope = rule_.surrogate_slope();
    for (std::uint32_t i = 0; i < li.size; ++i) {
      const double u = li.tick->pre_reset_potential(i, k);
      st.s[i] = li.tick->spiked_at(i, k) ? 1.0 : 0.0;
      st.psi[i] = fast_sigmoid_surrogate(u, theta[i], slope);
      st.reset[i] = 1.0 - theta[i] * st.psi[i];
    }
  }

  void handle_step(std::uint64_t k) {
    const std::size_t L = layers_.size();
    const std::size_t out = L - 1;
    layer_state& top = layers_[out];
    const layer_info& lo = chain_.layers[out];
    for (std::uint32_t i = 0; i < lo.size; ++i) top.s[i] = lo.tick->spiked_at(i, k) ? 1.0 : 0.0;
    loss_.tick(top.s, top.g);
    if (!tracking_) return;
    inputs_.take(k);  // this step's inputs, per layer
    for (std::size_t l = L; l-- > 0;) {
      layer_state& st = layers_[l];
      const layer_info& li = chain_.layers[l];
      read_layer(l, k);
      const std::uint64_t updates =
          st.learner->step({inputs_.layer(l), inputs_.dense(l), st.psi, st.reset, st.g}, st.grad, st.factor);
      sim_.counters().projections[li.projection].trace_updates += updates;
      if (l == 0) break;
      // The message to the layer below: g_{l-1, j} = Σ_i W_ji f_i.
      const auto w = sim_.net().proj(li.projection).weights();
      std::vector<double>& below = layers_[l - 1].g;
      const std::uint32_t n = li.size;
      for (std::uint32_t j = 0; j < li.fan_in; ++j) {
        const double* row = w.data() + std::size_t(j) * n;
        double m = 0.0;
        for (std::uint32_t i = 0; i < n; ++i) m += static_cast<double>(row[i]) * st.factor[i];
        below[j] = m;
      }
      sim_.counters().projections[li.projection].rule_ops += std::uint64_t(li.fan_in) * n;
    }
  }

  online_rule& rule_;
  simulator& sim_;
  const layer_chain& chain_;
  const tick_chain_info& info_;
  std::vector<layer_state> layers_;
  tick_inputs inputs_;
  tick_loss loss_;
  std::uint32_t label_ = 0;
  bool tracking_ = false;
};

// The seed code's layer assignment: (hidden, output) learners and where the loss reads.
struct assignment {
  const char* hidden;
  const char* output;
  tick_loss_on loss_on;
};

assignment default_assignment(const std::string& type) {
  if (type == "ottt") return {"ottt", "ottt", tick_loss_on::spikes};
  if (type == "ostl") return {"ostl", "ostl", tick_loss_on::spikes};
  if (type == "otpe") return {"otpe", "ostl", tick_loss_on::spikes};
  if (type == "approx_otpe") return {"approx_otpe", "ottt", tick_loss_on::spikes};
  if (type == "f_otpe") return {"otpe", "otpe", tick_loss_on::trace};
  return {"approx_otpe", "approx_otpe", tick_loss_on::trace};  // f_approx_otpe
}

}  // namespace

online_rule::online_rule(std::string type, std::vector<std::string> layers, tick_loss_on loss_on, double slope,
                         bool online, const layer_chain& chain)
    : type_(std::move(type)), layers_(std::move(layers)), loss_on_(loss_on), slope_(slope), online_(online),
      info_(make_tick_chain(chain, type_.c_str())), sums_(layer_sums(chain)) {}

fixed_sum_set online_rule::make_sums() const { return sums_; }

std::unique_ptr<rule_worker> online_rule::make_worker(simulator& sim, const layer_chain& chain) {
  return std::make_unique<online_worker>(*this, sim, chain);
}

void online_rule::end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) {
  mean_gradients(total, n, grads);
}

nlohmann::json online_rule::describe() const {
  return {{"type", type_},
          {"layers", layers_},
          {"loss_on", loss_on_ == tick_loss_on::trace ? "trace" : "spikes"},
          {"surrogate_slope", slope_},
          {"mode", online_ ? "online" : "offline"}};
}

std::vector<std::string> online_rule_types() {
  return {"ottt", "ostl", "otpe", "approx_otpe", "f_otpe", "f_approx_otpe"};
}

std::unique_ptr<learning_rule> make_online_rule(const std::string& type, const json_node& spec,
                                                const layer_chain& chain) {
  const assignment a = default_assignment(type);
  const std::size_t L = chain.layers.size();
  std::vector<std::string> layers(L, a.hidden);
  layers.back() = a.output;
  tick_loss_on loss_on = a.loss_on;
  double slope = 25.0;
  bool online = false;
  if (spec.is_object()) {
    if (auto n = spec.get("layers")) {
      n->expect_array();
      const std::size_t count = n->size();
      if (count != L)
        n->fail(fmt::format("expected one learner per trained layer ({}, first hidden layer first), got {}", L,
                            count));
      for (std::size_t l = 0; l < L; ++l) {
        const json_node e = (*n)[l];
        layers[l] = e.as_choice({"ottt", "ostl", "otpe", "approx_otpe"});
      }
    }
    if (auto n = spec.get("loss_on"))
      loss_on = n->as_choice({"spikes", "trace"}) == "trace" ? tick_loss_on::trace : tick_loss_on::spikes;
    if (auto n = spec.get("surrogate_slope")) slope = n->as_positive();
    if (auto n = spec.get("mode")) online = n->as_choice({"offline", "online"}) == "online";
    spec.finish();
  }
  return std::make_unique<online_rule>(type, std::move(layers), loss_on, slope, online, chain);
}

}  // namespace evsnn::rules
