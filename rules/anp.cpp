#include "rules/anp.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/membrane_kick.hpp"
#include "engine/rng.hpp"
#include "rules/streams.hpp"

namespace evsnn::rules {

class anp_worker final : public rule_worker {
 public:
  anp_worker(anp& rule, simulator& sim, const layer_chain& chain) : rule_(rule), chain_(chain), sim_(sim) {
    const std::size_t L = chain_.layers.size();
    layer_of_.assign(sim.net().projection_count(), -1);
    hook_subscription sub;
    sub.tick_period_ms = rule_.params_.noise_dt_ms;
    for (std::size_t l = 0; l < L; ++l) {
      const layer_info& info = chain_.layers[l];
      membrane_kick* k = sim.net().pop(info.population).kickable();
      if (k == nullptr)
        throw input_error(fmt::format("anp: layer '{}' (model {}) cannot take membrane kicks", info.name,
                                      sim.net().pop(info.population).model()));
      kick_.push_back(k);
      std::vector<double> s(info.size);
      for (std::uint32_t i = 0; i < info.size; ++i) s[i] = rule_.params_.sigma * info.threshold[i];
      sigma_.push_back(std::move(s));
      for (auto& c : counts_) c.emplace_back(info.size, 0.0);
      dr_.emplace_back(info.size, 0.0);
      sub.post_projections.push_back(info.projection);
      layer_of_[info.projection] = static_cast<int>(l);
    }
    sub.pre_projections.push_back(chain_.layers[0].projection);
    in_counts_.assign(chain_.input_size, 0.0);
    const std::size_t C = rule_.classes_;
    p_.assign(L, std::vector<double>(C, 0.0));
    pn_.assign(C, 0.0);
    dz_.assign(C, 0.0);
    sim.add_hook(*this, sub);
  }

  void set_target(std::uint32_t label) override { label_ = label; }
  void begin_pass(unsigned pass) override { pass_ = pass == 0 ? 0 : 1; }
  void end_pass(unsigned pass, double loss) override { loss_[pass == 0 ? 0 : 1] = loss; }

  // A pass's record: its spike counts per layer (the clean pass: and the input counts), then its loss.
  void export_pass(unsigned pass, std::vector<double>& record) const override {
    const unsigned p = pass == 0 ? 0 : 1;
    record.clear();
    for (const auto& c : counts_[p]) record.insert(record.end(), c.begin(), c.end());
    if (p == 0) record.insert(record.end(), in_counts_.begin(), in_counts_.end());
    record.push_back(loss_[p]);
  }
  void import_pass(unsigned pass, std::span<const double> record) override {
    const unsigned p = pass == 0 ? 0 : 1;
    std::size_t k = 0;
    const auto take = [&](std::vector<double>& v) {
      std::copy_n(record.begin() + static_cast<std::ptrdiff_t>(k), v.size(), v.begin());
      k += v.size();
    };
    for (auto& c : counts_[p]) take(c);
    if (p == 0) take(in_counts_);
    loss_[p] = record[k];
  }

  void on_sample_begin(double /*t_ms*/, std::uint64_t sample) override {
    if (!learning_) return;
    for (auto& c : counts_[pass_]) std::fill(c.begin(), c.end(), 0.0);
    if (pass_ == 0) std::fill(in_counts_.begin(), in_counts_.end(), 0.0);
    if (pass_ == 1) noise_.emplace(rng::derive(rng::derive(rule_.seed_, streams::anp_noise, sample), 1));
  }

  void on_pre(const pre_context& ctx) override {
    if (learning_ && pass_ == 0) in_counts_[ctx.pre] += 1.0;
  }

  void on_post(const post_context& ctx) override {
    if (learning_) counts_[pass_][static_cast<std::size_t>(layer_of_[ctx.projection_id])][ctx.post] += 1.0;
  }

  // The noisy pass: u += sigma theta xi for every neuron of every layer, layer by layer in neuron order.
  void on_tick(double t_ms) override {
    if (!learning_ || pass_ != 1) return;
    for (std::size_t l = 0; l < kick_.size(); ++l) {
      std::vector<double>& dv = dr_[l];  // scratch until accumulate
      for (std::size_t i = 0; i < dv.size(); ++i) dv[i] = sigma_[l][i] * noise_->normal();
      kick_[l]->kick(dv, t_ms);
      sim_.counters().projections[chain_.layers[l].projection].rule_ops += dv.size();
    }
  }

  void accumulate(const output_error& /*err*/, fixed_sum_set& sums) override {
    const anp_params& P = rule_.params_;
    const std::size_t L = chain_.layers.size();
    // Activity changes and their norms.
    double global_sq = 0.0;
    std::size_t global_n = 0;
    std::vector<double> norm_sq(L, 0.0), dloss(L, 0.0);
    for (std::size_t l = 0; l < L; ++l) {
      for (std::size_t i = 0; i < dr_[l].size(); ++i) {
        dr_[l][i] = counts_[1][l][i] - counts_[0][l][i];
        norm_sq[l] += dr_[l][i] * dr_[l][i];
      }
      global_sq += norm_sq[l];
      global_n += dr_[l].size();
    }
    // Critics of the hidden layers (clean and noisy), the output's real loss.
    for (std::size_t h = 0; h + 1 < L; ++h) {
      const anp::critic& cr = rule_.critics_[h];
      anp_math::critic_probs(cr.U, cr.c, counts_[0][h], p_[h]);
      anp_math::critic_probs(cr.U, cr.c, counts_[1][h], pn_);
      dloss[h] = anp_math::cross_entropy(pn_, label_) - anp_math::cross_entropy(p_[h], label_);
    }
    dloss[L - 1] = loss_[1] - loss_[0];
    // Weight updates: c dr_l x_{l-1}^T over the active (i, j) only.
    for (std::size_t l = 0; l < L; ++l) {
      if (norm_sq[l] == 0.0) continue;
      const bool global = P.global_norm;
      const double coef = anp_math::estimator_coefficient(
          dloss[l], global ? global_sq : norm_sq[l],
          anp_math::scale_factor(P.scale, global ? global_n : dr_[l].size()), P.eps);
      if (coef == 0.0) continue;
      const std::vector<double>& x = l == 0 ? in_counts_ : counts_[0][l - 1];
      const std::size_t n = dr_[l].size();
      fixed_sum& g = sums.sums[l];
      std::uint64_t ops = 0;
      for (std::size_t j = 0; j < x.size(); ++j) {
        if (x[j] == 0.0) continue;
        const double cx = coef * x[j];
        for (std::size_t i = 0; i < n; ++i)
          if (dr_[l][i] != 0.0) g.add(j * n + i, cx * dr_[l][i]), ++ops;
      }
      sim_.counters().projections[chain_.layers[l].projection].rule_ops += ops;
    }
    // Critic delta rule (clean pass) with the gated, alternating agreement term.
    const std::size_t C = rule_.classes_;
    for (std::size_t h = 0; h + 1 < L; ++h) {
      const bool agree = h > 0 && P.agreement > 0.0 && anp_math::pair_active(h - 1, rule_.batches_) &&
                         anp_math::agreement_gate(p_[h - 1], label_, P.agreement_confidence,
                                                  P.agreement_requires_correct);
      anp_math::logit_grad(p_[h], label_, agree ? std::span<const double>(p_[h - 1]) : std::span<const double>(),
                           P.agreement, dz_);
      const std::vector<double>& r = counts_[0][h];
      const std::size_t n = r.size();
      fixed_sum& dU = sums.sums[L + 2 * h];
      fixed_sum& dc = sums.sums[L + 2 * h + 1];
      for (std::size_t o = 0; o < C; ++o) {
        dc.add(o, dz_[o]);
        for (std::size_t i = 0; i < n; ++i)
          if (r[i] != 0.0) dU.add(o * n + i, dz_[o] * r[i]);
      }
      sim_.counters().projections[chain_.layers[h].projection].rule_ops += C * (n + 2);
    }
  }

 private:
  anp& rule_;
  layer_chain chain_;
  simulator& sim_;
  std::vector<membrane_kick*> kick_;
  std::vector<std::vector<double>> sigma_;      // per layer, per neuron: sigma * threshold
  std::vector<std::vector<double>> counts_[2];  // [pass][layer][neuron]: 0 clean, 1 noisy
  std::vector<std::vector<double>> dr_;         // per layer: noisy - clean (noise scratch during the noisy pass)
  std::vector<double> in_counts_;
  std::vector<int> layer_of_;
  std::vector<std::vector<double>> p_;          // clean critic probabilities per hidden layer
  std::vector<double> pn_, dz_;
  std::optional<rng> noise_;
  unsigned pass_ = 0;
  double loss_[2] = {0.0, 0.0};
  std::uint32_t label_ = 0;
};

anp::anp(anp_params params, const layer_chain& chain, std::uint64_t seed)
    : params_(std::move(params)), chain_(chain), seed_(seed), classes_(chain.output().size), parity_block_{0.0f} {
  for (std::size_t h = 0; h + 1 < chain_.layers.size(); ++h) {
    critic c;
    c.U.assign(std::size_t(classes_) * chain_.layers[h].size, 0.0f);
    c.c.assign(classes_, 0.0f);
    critics_.push_back(std::move(c));
  }
}

fixed_sum_set anp::make_sums() const {
  fixed_sum_set set;
  const std::size_t L = chain_.layers.size();
  set.sums.resize(L + 2 * critics_.size());
  for (std::size_t l = 0; l < L; ++l)
    set.sums[l].resize(std::size_t(chain_.layers[l].fan_in) * chain_.layers[l].size);
  for (std::size_t h = 0; h < critics_.size(); ++h) {
    set.sums[L + 2 * h].resize(critics_[h].U.size());
    set.sums[L + 2 * h + 1].resize(classes_);
  }
  return set;
}

std::unique_ptr<rule_worker> anp::make_worker(simulator& sim, const layer_chain& chain) {
  return std::make_unique<anp_worker>(*this, sim, chain);
}

void anp::end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) {
  const double inv_n = 1.0 / static_cast<double>(n);
  const std::size_t L = chain_.layers.size();
  grads.resize(L);
  for (std::size_t l = 0; l < L; ++l) {
    grads[l].resize(total.sums[l].size());
    for (std::size_t q = 0; q < grads[l].size(); ++q) grads[l][q] = total.sums[l].get(q) * inv_n;
  }
  const double step = params_.critic_lr * inv_n;
  for (std::size_t h = 0; h < critics_.size(); ++h) {
    critic& c = critics_[h];
    const fixed_sum& dU = total.sums[L + 2 * h];
    const fixed_sum& dc = total.sums[L + 2 * h + 1];
    for (std::size_t q = 0; q < c.U.size(); ++q) c.U[q] = static_cast<float>(c.U[q] - step * dU.get(q));
    for (std::size_t q = 0; q < c.c.size(); ++q) c.c[q] = static_cast<float>(c.c[q] - step * dc.get(q));
  }
  ++batches_;
  parity_block_[0] = static_cast<float>(batches_ % 2);
}

std::vector<std::span<const float>> anp::state() const {
  std::vector<std::span<const float>> out;
  for (const critic& c : critics_) {
    out.emplace_back(c.U);
    out.emplace_back(c.c);
  }
  out.emplace_back(parity_block_);
  return out;
}

void anp::load_state(const std::vector<std::vector<float>>& blocks) {
  if (blocks.size() != 2 * critics_.size() + 1)
    throw input_error(fmt::format("checkpoint: {} anp state blocks, the network needs {}", blocks.size(),
                                  2 * critics_.size() + 1));
  for (std::size_t h = 0; h < critics_.size(); ++h)
    for (int k = 0; k < 2; ++k) {
      std::vector<float>& dst = k == 0 ? critics_[h].U : critics_[h].c;
      const std::vector<float>& src = blocks[2 * h + k];
      if (src.size() != dst.size())
        throw input_error(fmt::format("checkpoint: anp critic {} {} has {} values, expected {}", h, k == 0 ? "U" : "c",
                                      src.size(), dst.size()));
      dst = src;
    }
  const std::vector<float>& par = blocks.back();
  if (par.size() != 1 || (par[0] != 0.0f && par[0] != 1.0f))
    throw input_error("checkpoint: the anp batch parity block must be one value, 0 or 1");
  batches_ = par[0] == 1.0f ? 1 : 0;
  parity_block_[0] = par[0];
}

nlohmann::json anp::describe() const {
  const char* scales[] = {"n", "sqrt_n", "none"};
  return {{"type", "anp"},
          {"sigma", params_.sigma},
          {"noise_dt_ms", params_.noise_dt_ms},
          {"critic_lr", params_.critic_lr},
          {"norm", params_.global_norm ? "global" : "layer"},
          {"scale", scales[static_cast<int>(params_.scale)]},
          {"eps", params_.eps},
          {"agreement", params_.agreement},
          {"agreement_confidence", params_.agreement_confidence},
          {"agreement_requires_correct", params_.agreement_requires_correct}};
}

std::unique_ptr<learning_rule> make_anp(const json_node& spec, const layer_chain& chain, std::uint64_t seed) {
  require_continuous(chain, "anp");
  anp_params p;
  if (spec.is_object()) {
    if (auto a = spec.get("sigma")) p.sigma = a->as_positive();
    if (auto a = spec.get("noise_dt_ms")) p.noise_dt_ms = a->as_positive();
    if (auto a = spec.get("critic_lr")) p.critic_lr = a->as_nonnegative();
    if (auto a = spec.get("norm")) p.global_norm = a->as_choice({"layer", "global"}) == "global";
    if (auto a = spec.get("scale")) {
      const std::string s = a->as_choice({"n", "sqrt_n", "none"});
      p.scale = s == "n" ? anp_math::scale_kind::n : (s == "sqrt_n" ? anp_math::scale_kind::sqrt_n : anp_math::scale_kind::none);
    }
    if (auto a = spec.get("eps")) p.eps = a->as_nonnegative();
    if (auto a = spec.get("agreement")) p.agreement = a->as_nonnegative();
    if (auto a = spec.get("agreement_confidence")) {
      p.agreement_confidence = a->as_nonnegative();
      if (p.agreement_confidence >= 1.0) a->fail(fmt::format("must be below 1, got {}", p.agreement_confidence));
    }
    if (auto a = spec.get("agreement_requires_correct")) p.agreement_requires_correct = a->as_bool();
    spec.finish();
  }
  if (chain.output().readout)
    spec.fail(fmt::format("anp perturbs spiking layers and reads their spike counts: the output layer '{}' is an li "
                          "readout; use a spiking output (lif_alpha or cuba_lif) with a count loss",
                          chain.output().name));
  return std::make_unique<anp>(std::move(p), chain, seed);
}

}  // namespace evsnn::rules
