#include "rules/tp.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/rng.hpp"
#include "rules/streams.hpp"
#include "rules/tick_inputs.hpp"

namespace evsnn::rules {

namespace {


// One lane: a sample's data stream (read from the network), its label stream and readout.
class tp_worker final : public rule_worker {
 public:
  tp_worker(tp_rule& rule, simulator& sim, const layer_chain& chain)
      : rule_(rule), sim_(sim), chain_(chain), info_(rule.info()) {
    const std::size_t L = chain.layers.size();
    inputs_.configure(chain, sim.net().projection_count());
    for (std::size_t l = 0; l < L; ++l) {
      const layer_info& li = chain.layers[l];
      layer_state st;
      for (auto* v : {&st.eps, &st.psi, &st.v_t, &st.eps_t, &st.psi_t, &st.coef, &st.coef_t}) v->assign(li.size, 0.0);
      st.s_t.reserve(li.size);
      for (std::size_t b = L; b < chain.blocks.size(); ++b)
        if (chain.blocks[b].recurrent && chain.blocks[b].layer == l) st.rec_block = static_cast<std::uint32_t>(b);
      layers_.push_back(std::move(st));
    }
    const std::uint32_t C = chain.output().size;
    m_.assign(C, 0.0);
    err_.assign(C, 0.0);
    eps0_.assign(C, 0.0);
    sim.add_hook(*this, tick_inputs::subscription(chain, info_.tick_ms));
  }

  void set_target(std::uint32_t label) override { label_ = label; }

  void on_sample_begin(double t_ms, std::uint64_t) override {
    inputs_.begin(t_ms, info_.tick_ms);
    loss_sum_ = 0.0;
    ticks_ = 0;
    fresh_ = false;
    std::fill(m_.begin(), m_.end(), 0.0);
    std::fill(eps0_.begin(), eps0_.end(), 0.0);
    for (layer_state& st : layers_) {
      for (auto* v : {&st.eps, &st.v_t, &st.eps_t}) std::fill(v->begin(), v->end(), 0.0);
      for (auto* v : {&st.s_t, &st.s_now, &st.s_prev, &st.s_t_prev}) v->clear();
    }
  }

  void on_pre(const pre_context& ctx) override { inputs_.record(ctx); }

  void on_tick(double t_ms) override { handle_steps_before(t_ms); }
  void on_sample_end(double t_ms, std::uint64_t) override { handle_steps_before(t_ms); }

  std::optional<loss_value> sample_loss() const override {
    loss_value v;
    v.value = ticks_ > 0 ? loss_sum_ / static_cast<double>(ticks_) : 0.0;
    v.prediction = static_cast<std::uint32_t>(std::max_element(m_.begin(), m_.end()) - m_.begin());
    return v;
  }

  void accumulate(const output_error&, fixed_sum_set&) override {}

  // The gradient of the tick coupled last: the hidden layers' contrast (coefficients from couple_lanes)
  // and the readout's.
  void accumulate_tick(fixed_sum_set& sums) override {
    if (!fresh_ || !learning()) return;
    fresh_ = false;
    const std::size_t out = layers_.size() - 1;
    for (std::size_t l = 0; l < out; ++l) {
      layer_state& st = layers_[l];
      const std::size_t H = st.eps.size();
      fixed_sum& s = sums.sums[l];
      for (std::size_t i = 0; i < H; ++i) st.coef[i] *= st.psi[i];
      for (const tick_input& in : inputs_.layer(l)) s.add_scaled(std::size_t(in.pre) * H, st.coef.data(), in.x, H);
      std::uint64_t ops = (inputs_.layer(l).size() + 1) * H;
      if (l > 0) {
        for (std::size_t i = 0; i < H; ++i) st.coef_t[i] *= st.psi_t[i];
        for (const std::uint32_t pre : layers_[l - 1].s_t) s.add_scaled(std::size_t(pre) * H, st.coef_t.data(), 1.0, H);
        ops += (layers_[l - 1].s_t.size() + 1) * H;
      }
      sim_.counters().projections[chain_.layers[l].projection].rule_ops += ops;  // the tick's gradient terms
      if (st.rec_block == no_block) continue;
      // Recurrent weights: the same δ with the spikes of the tick before as the input (the label stream's
      // term from layer 2 on: layer 1's label stream recurs through S's own frozen matrix).
      projection& rec = sim_.net().proj(chain_.blocks[st.rec_block].projection);
      fixed_sum& sr = sums.sums[st.rec_block];
      auto add_rows = [&](const std::vector<std::uint32_t>& pres, const std::vector<double>& coef) {
        for (const std::uint32_t pre : pres) {
          const projection::row_view row = rec.row(pre);
          for (std::size_t m = 0; m < row.post.size(); ++m)
            if (coef[row.post[m]] != 0.0) sr.add(row.first_synapse + m, coef[row.post[m]]);
        }
      };
      add_rows(st.s_prev, st.coef);
      if (l > 0) add_rows(st.s_t_prev, st.coef_t);
    }
    const std::vector<double>& eps_last = layers_[out - 1].eps;
    const std::size_t C = err_.size();
    fixed_sum& s = sums.sums[out];
    for (std::size_t j = 0; j < eps_last.size(); ++j)
      if (eps_last[j] != 0.0)
        for (std::size_t o = 0; o < C; ++o) s.add(j * C + o, eps_last[j] * err_[o]);
    sim_.counters().projections[chain_.layers[out].projection].rule_ops += eps_last.size() * C;
  }

  // couple_lanes reads these.
  bool fresh() const { return fresh_ && learning(); }
  // This lane's share of layer l's contrast (its rows of D, Z, GẼ and GᵀE), as rule operations.
  void charge_contrast(std::size_t l, std::uint64_t ops) {
    sim_.counters().projections[chain_.layers[l].projection].rule_ops += ops;
  }
  struct layer_state {
    std::vector<double> eps, psi;                  // data stream
    std::vector<double> v_t, eps_t, psi_t;         // label stream
    std::vector<std::uint32_t> s_t;                // label stream spikes of this tick
    std::vector<double> coef, coef_t;              // (GẼ)_b and (GᵀE)_b from couple_lanes
    // Recurrence (the layer's projection onto itself, one tick): its block and the spikes of the tick
    // before (data: s_prev; label: s_t_prev), the recurrent input of this tick.
    std::uint32_t rec_block = no_block;
    std::vector<std::uint32_t> s_now, s_prev, s_t_prev;
  };
  static constexpr std::uint32_t no_block = 0xffffffffu;
  std::vector<layer_state>& layers() { return layers_; }
  const std::vector<double>& label_trace() const { return eps0_; }

 private:
  void handle_steps_before(double t_ms) {
    inputs_.each_step_before(t_ms, [this](std::uint64_t k) { handle_step(k); });
  }

  double surrogate(double u, double theta) const {
    const double d = std::numbers::pi * (u - theta);
    return rule_.surrogate_scale() / (1.0 + d * d);
  }

  void handle_step(std::uint64_t k) {
    const std::size_t L = layers_.size(), out = L - 1;
    inputs_.take(k);
    // Data stream: spikes, surrogates and traces of the hidden layers.
    for (std::size_t l = 0; l < out; ++l) {
      const layer_info& li = chain_.layers[l];
      layer_state& st = layers_[l];
      const double lt = rule_.trace_leak()[l];
      st.s_prev.swap(st.s_now);
      st.s_now.clear();
      for (std::uint32_t i = 0; i < li.size; ++i) {
        const double s = li.tick->spiked_at(i, k) ? 1.0 : 0.0;
        if (s != 0.0 && st.rec_block != no_block) st.s_now.push_back(i);
        st.eps[i] = lt * st.eps[i] + s;
        st.psi[i] = surrogate(li.tick->pre_reset_potential(i, k), info_.threshold[l][i]);
      }
    }
    // Readout: m += W_outᵀ x_out (the last hidden layer's spikes as they arrive), loss and its error.
    {
      const layer_info& lo = chain_.layers[out];
      const auto w = sim_.net().proj(lo.projection).weights();
      const std::size_t C = m_.size();
      for (const tick_input& in : inputs_.layer(out))
        for (std::size_t o = 0; o < C; ++o) m_[o] += in.x * static_cast<double>(w[in.pre * C + o]);
      const double top = *std::max_element(m_.begin(), m_.end());
      double sum = 0.0;
      for (std::size_t o = 0; o < C; ++o) sum += (err_[o] = std::exp(m_[o] - top));
      loss_sum_ += top + std::log(sum) - m_[label_];
      ++ticks_;
      for (std::size_t o = 0; o < C; ++o) err_[o] = err_[o] / sum - (o == label_ ? 1.0 : 0.0);
    }
    if (learning()) label_stream();
    fresh_ = true;
  }

  // The label stream of this tick, through S into the first hidden layer and through W_l above it.
  void label_stream() {
    const std::size_t out = layers_.size() - 1;
    const double l0 = rule_.trace_leak()[0];
    for (std::size_t o = 0; o < eps0_.size(); ++o) eps0_[o] = l0 * eps0_[o] + (o == label_ ? 1.0 : 0.0);
    for (std::size_t l = 0; l < out; ++l) {
      const layer_info& li = chain_.layers[l];
      layer_state& st = layers_[l];
      const std::size_t H = li.size;
      const double lam = info_.leak[l], lt = rule_.trace_leak()[l];
      for (std::size_t i = 0; i < H; ++i) st.v_t[i] *= lam;
      std::uint64_t ops = 0;
      if (l == 0) {
        const double* row = rule_.label_weights().data() + std::size_t(label_) * H;
        for (std::size_t i = 0; i < H; ++i) st.v_t[i] += row[i];
        ops = H;
      } else {
        const auto w = sim_.net().proj(li.projection).weights();
        for (const std::uint32_t pre : layers_[l - 1].s_t) {
          const double* row = w.data() + std::size_t(pre) * H;
          for (std::size_t i = 0; i < H; ++i) st.v_t[i] += static_cast<double>(row[i]);
        }
        ops = layers_[l - 1].s_t.size() * H;
      }
      st.s_t_prev.swap(st.s_t);  // the spikes of the tick before: this tick's recurrent input
      if (st.rec_block != no_block) {
        if (l == 0) {  // S's own frozen recurrent matrix
          const std::vector<double>& R = rule_.label_recurrent_weights();
          for (const std::uint32_t pre : st.s_t_prev) {
            const double* row = R.data() + std::size_t(pre) * H;
            for (std::size_t i = 0; i < H; ++i) st.v_t[i] += row[i];
          }
          ops += st.s_t_prev.size() * H;
        } else {
          projection& rec = sim_.net().proj(chain_.blocks[st.rec_block].projection);
          for (const std::uint32_t pre : st.s_t_prev) {
            const projection::row_view row = rec.row(pre);
            for (std::size_t m = 0; m < row.post.size(); ++m) st.v_t[row.post[m]] += row.weights[m];
            ops += row.post.size();
          }
        }
      }
      st.s_t.clear();
      for (std::uint32_t i = 0; i < H; ++i) {
        const double theta = info_.threshold[l][i];
        st.psi_t[i] = surrogate(st.v_t[i], theta);
        const bool fire = st.v_t[i] >= theta;
        if (fire) {
          st.s_t.push_back(i);
          st.v_t[i] -= theta;
        }
        st.eps_t[i] = lt * st.eps_t[i] + (fire ? 1.0 : 0.0);
      }
      projection_counters& pc = sim_.counters().projections[li.projection];
      pc.rule_ops += ops;
      pc.trace_updates += 2 * H;
    }
  }

  tp_rule& rule_;
  simulator& sim_;
  const layer_chain& chain_;
  const tick_chain_info& info_;
  std::vector<layer_state> layers_;
  tick_inputs inputs_;
  std::vector<double> m_, err_, eps0_;
  double loss_sum_ = 0.0;
  std::uint64_t ticks_ = 0;
  std::uint32_t label_ = 0;
  bool fresh_ = false;
};

}  // namespace

tp_rule::tp_rule(const layer_chain& chain, tick_chain_info info, std::vector<double> trace_leak, double surrogate_scale,
          double label_init,
                 std::uint64_t seed)
    : info_(std::move(info)),
      trace_leak_(std::move(trace_leak)),
      scale_(surrogate_scale),
      label_init_(label_init),
      classes_(chain.output().size),
      sums_(layer_sums(chain)) {
  const std::uint32_t H = chain.layers.front().size;
  label_w_.resize(std::size_t(classes_) * H);
  rng r(rng::derive(seed, streams::tp_label_weights));
  for (double& w : label_w_) w = r.uniform(-label_init_, label_init_);
  // A recurrent first hidden layer: S gets its own frozen recurrent matrix, U(±1/√H₁) (PyTorch's Linear init).
  for (const trained_block& b : chain.blocks)
    if (b.recurrent && b.layer == 0) {
      label_rec_.resize(std::size_t(H) * H);
      const double a = 1.0 / std::sqrt(static_cast<double>(H));
      rng rr(rng::derive(seed, streams::tp_label_recurrent));
      for (double& w : label_rec_) w = rr.uniform(-a, a);
    }
}

std::unique_ptr<rule_worker> tp_rule::make_worker(simulator& sim, const layer_chain& chain) {
  for (std::size_t l = 1; l < chain.layers.size(); ++l) {
    const double d = sim.net().proj(chain.layers[l].projection).delay_ms();
    if (d != 0.0)
      throw input_error(fmt::format("rule tp: the projection into layer '{}' has a delay of {} ms; traces "
                                    "propagation runs its label stream tick-synchronously and needs delay 0 "
                                    "between layers",
                                    chain.layers[l].name, d));
  }
  for (const trained_block& b : chain.blocks)
    if (b.recurrent && sim.net().proj(b.projection).delay_ms() != info_.tick_ms)
      throw input_error(fmt::format("rule tp: recurrent projection '{}' has a delay of {} ms; traces propagation's "
                                    "recurrence feeds the spikes of the tick before: give it delay_ms = tick_ms ({})",
                                    b.name, sim.net().proj(b.projection).delay_ms(), info_.tick_ms));
  for (const layer_info& li : chain.layers)
    for (const double b : li.tick->bias())
      if (b != 0.0)
        throw input_error(fmt::format("rule tp: layer '{}' has a bias ({}); traces propagation's neurons have none "
                                      "(the label stream could not follow it)",
                                      li.name, b));
  return std::make_unique<tp_worker>(*this, sim, chain);
}

void tp_rule::couple_lanes(std::span<rule_worker* const> lanes, const parallel_rows& par) {
  live_.clear();  // the batch's lanes that ran a learning tick
  for (rule_worker* w : lanes)
    if (static_cast<tp_worker*>(w)->fresh()) live_.push_back(w);
  const auto lane = [&](std::size_t b) { return static_cast<tp_worker*>(live_[b]); };
  const std::size_t B = live_.size();
  if (B == 0) return;
  const std::size_t hidden = info_.leak.size() - 1;
  for (std::size_t l = 0; l < hidden; ++l) {
    const std::size_t H = lane(0)->layers()[l].eps.size();
    const std::size_t K = l == 0 ? lane(0)->label_trace().size() : lane(0)->layers()[l - 1].eps_t.size();
    e_.resize(B * H);
    et_.resize(B * H);
    t_.resize(B * K);
    coef_.resize(B * H);
    coef_t_.resize(B * H);
    for (std::size_t b = 0; b < B; ++b) {
      const auto& st = lane(b)->layers()[l];
      std::copy(st.eps.begin(), st.eps.end(), e_.begin() + static_cast<std::ptrdiff_t>(b * H));
      std::copy(st.eps_t.begin(), st.eps_t.end(), et_.begin() + static_cast<std::ptrdiff_t>(b * H));
      const std::vector<double>& in = l == 0 ? lane(b)->label_trace() : lane(b)->layers()[l - 1].eps_t;
      std::copy(in.begin(), in.end(), t_.begin() + static_cast<std::ptrdiff_t>(b * K));
    }
    tp_contrast(B, H, K, e_.data(), et_.data(), t_.data(), coef_.data(), coef_t_.data(), contrast_, &par);
    for (std::size_t b = 0; b < B; ++b) {
      auto& st = lane(b)->layers()[l];
      std::copy_n(coef_.begin() + static_cast<std::ptrdiff_t>(b * H), H, st.coef.begin());
      std::copy_n(coef_t_.begin() + static_cast<std::ptrdiff_t>(b * H), H, st.coef_t.begin());
      lane(b)->charge_contrast(l, B * (K + 3 * H));
    }
  }
}

void tp_rule::end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) {
  mean_gradients(total, n, grads);
}

nlohmann::json tp_rule::describe() const {
  return {{"type", "tp"}, {"trace_leak", trace_leak_}, {"surrogate_scale", scale_}, {"label_init", label_init_}};
}

std::unique_ptr<learning_rule> make_tp_rule(const json_node& spec, const layer_chain& chain, std::uint64_t seed) {
  require_tick(chain, "tp");
  if (chain.layers.size() < 2)
    throw input_error("rule tp: the chain needs at least one hidden layer before the readout layer");
  const tick_chain_info info = make_tick_chain(chain, "tp");
  std::vector<double> trace_leak(info.leak.begin(), info.leak.end() - 1);
  double scale = 1.0;
  double label_init = 1.0 / std::sqrt(static_cast<double>(chain.output().size));
  if (spec.is_object()) {
    if (auto n = spec.get("trace_leak")) {
      const double v = n->as_positive();
      if (!(v < 1.0)) n->fail(fmt::format("must be in (0, 1), got {}", v));
      std::fill(trace_leak.begin(), trace_leak.end(), v);
    }
    if (auto n = spec.get("surrogate_scale")) scale = n->as_positive();
    if (auto n = spec.get("label_init")) label_init = n->as_positive();
    spec.finish();
  }
  return std::make_unique<tp_rule>(chain, info, std::move(trace_leak), scale, label_init, seed);
}

}  // namespace evsnn::rules
