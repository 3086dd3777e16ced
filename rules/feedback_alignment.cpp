#include "rules/feedback_alignment.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/rebase_grid.hpp"
#include "engine/rng.hpp"
#include "rules/streams.hpp"

namespace evsnn::rules {

namespace {

struct layer_state {
  const layer_info* info = nullptr;
  projection* proj = nullptr;
  bool hidden = false;
  double t0 = 0.0;                 // trace reference time
  std::vector<double> fm, fs;      // presynaptic traces, sum e^{(t_j-t0)/tau}
  std::vector<double> gm, gs;      // grade-weighted traces (SFDFA readout output)
  // Per-synapse state, post-major (index i * fan_in + j): a postsynaptic spike reads and writes one
  // contiguous row (see docs/benchmarks.md: 1.5x faster training than strided projection columns).
  std::vector<double> elig, corr, first;
  bool has_first = false;
  std::vector<double> t_last;
  std::vector<std::uint32_t> count;
  std::vector<std::uint32_t> fired;  // neurons that spiked this sample, in order of first spike
  // Presynaptic neurons whose spikes reached the layer this sample, in increasing index order: only their
  // synapses can have a non-zero eligibility (P_ij = 0 before j's first arrival). Sorted, the loops over
  // a row's active synapses walk it forward (prefetched; docs/benchmarks.md), and every element they
  // touch is independent of the others, so the order changes no bits.
  std::vector<std::uint32_t> active_pre;
  std::vector<std::uint8_t> pre_seen;
  std::vector<double> s, p, d_out;   // SFDFA: grade accumulators, perturbations, output grade sums
};

}  // namespace

class feedback_alignment_worker final : public rule_worker {
 public:
  feedback_alignment_worker(feedback_alignment& rule, simulator& sim, const layer_chain& chain)
      : rule_(rule), chain_(chain), sim_(sim) {
    const bool sfdfa = rule_.params_.learn_feedback;
    layer_of_.assign(sim.net().projection_count(), -1);
    hook_subscription sub;
    for (std::size_t l = 0; l < chain_.layers.size(); ++l) {
      const layer_info& info = chain_.layers[l];
      layer_state st;
      st.info = &chain_.layers[l];
      st.proj = &sim.net().proj(info.projection);
      st.hidden = l + 1 < chain_.layers.size();
      st.fm.assign(info.fan_in, 0.0);
      st.fs.assign(info.fan_in, 0.0);
      st.pre_seen.assign(info.fan_in, 0);
      st.active_pre.reserve(info.fan_in);
      if (sfdfa && info.readout) {
        st.gm.assign(info.fan_in, 0.0);
        st.gs.assign(info.fan_in, 0.0);
      }
      if (!info.readout) {
        const std::size_t n_syn = std::size_t(info.size) * info.fan_in;
        st.elig.assign(n_syn, 0.0);
        st.corr.assign(n_syn, 0.0);
        if (!st.hidden && rule_.input_ == loss_input::first_spike) {
          st.first.assign(n_syn, 0.0);
          st.has_first = true;
        }
        st.t_last.assign(info.size, 0.0);
        st.count.assign(info.size, 0);
        st.fired.reserve(info.size);
        sub.post_projections.push_back(info.projection);
        if (sfdfa) {
          st.s.assign(info.size, 0.0);
          if (st.hidden) st.p.assign(info.size, 0.0);
          if (!st.hidden) st.d_out.assign(info.size, 0.0);
        }
      } else if (sfdfa) {
        st.d_out.assign(info.size, 0.0);
      }
      sub.pre_projections.push_back(info.projection);
      layer_of_[info.projection] = static_cast<int>(l);
      layers_.push_back(std::move(st));
    }
    sim.add_hook(*this, sub);
  }

  void on_sample_begin(double t_ms, std::uint64_t sample) override {
    if (!learning_) return;
    sample_begin_ = t_ms;
    for (layer_state& st : layers_) {
      st.t0 = t_ms;
      std::fill(st.fm.begin(), st.fm.end(), 0.0);
      std::fill(st.fs.begin(), st.fs.end(), 0.0);
      std::fill(st.gm.begin(), st.gm.end(), 0.0);
      std::fill(st.gs.begin(), st.gs.end(), 0.0);
      if (!st.info->readout) {
        // Only synapses from an active presynaptic neuron to a neuron that fired were written.
        const std::size_t m = st.info->fan_in;
        for (std::uint32_t i : st.fired) {
          double* elig = st.elig.data() + i * m;
          double* corr = st.corr.data() + i * m;
          for (std::uint32_t j : st.active_pre) elig[j] = corr[j] = 0.0;
          if (st.has_first)
            for (std::uint32_t j : st.active_pre) st.first[i * m + j] = 0.0;
          st.count[i] = 0;
        }
        st.fired.clear();
      }
      for (std::uint32_t j : st.active_pre) st.pre_seen[j] = 0;
      st.active_pre.clear();
      std::fill(st.s.begin(), st.s.end(), 0.0);
      std::fill(st.d_out.begin(), st.d_out.end(), 0.0);
    }
    if (rule_.params_.learn_feedback) {
      rng r(rng::derive(rule_.seed_, streams::sfdfa_perturbation, sample));
      for (layer_state& st : layers_)
        for (double& p : st.p) p = rule_.params_.perturbation_std * r.normal();
    }
  }

  void on_pre(const pre_context& ctx) override {
    if (!learning_) return;
    layer_state& st = layers_[static_cast<std::size_t>(layer_of_[ctx.projection_id])];
    const psp_kernel& k = st.info->kernel;
    double dt = ctx.t_ms - st.t0;
    if (dt * std::max(k.inv_tau_mem, k.inv_tau_syn) > rebase_grid::span_exponent) rebase(st, ctx.t_ms), dt = 0.0;
    const double em = std::exp(dt * k.inv_tau_mem), es = k.inv_tau_syn > 0.0 ? std::exp(dt * k.inv_tau_syn) : 0.0;
    st.fm[ctx.pre] += em;
    st.fs[ctx.pre] += es;
    if (!st.pre_seen[ctx.pre]) {
      st.pre_seen[ctx.pre] = 1;
      st.active_pre.insert(std::upper_bound(st.active_pre.begin(), st.active_pre.end(), ctx.pre), ctx.pre);
    }
    ctx.counters.trace_updates += 2;
    // SFDFA: graded spikes of hidden neurons carry directional derivatives forward (input spikes carry none).
    const std::size_t l = static_cast<std::size_t>(layer_of_[ctx.projection_id]);
    if (!rule_.params_.learn_feedback || l == 0 || ctx.grade == 0.0f) return;
    const double d = ctx.grade;
    if (st.info->readout) {
      st.gm[ctx.pre] += d * em;
      st.gs[ctx.pre] += d * es;
      ctx.counters.trace_updates += 2;
      return;
    }
    const projection::row_view row = ctx.proj.row(ctx.pre);
    double* __restrict s = st.s.data();
    const double* __restrict w = row.weights.data();
    for (std::size_t q = 0; q < row.post.size(); ++q) s[row.post[q]] += static_cast<double>(w[q]) * d;
    ctx.counters.rule_ops += row.post.size();
  }

  void on_post(const post_context& ctx) override {
    if (!learning_) return;
    layer_state& st = layers_[static_cast<std::size_t>(layer_of_[ctx.projection_id])];
    const layer_info& info = *st.info;
    const psp_kernel& k = info.kernel;
    const std::uint32_t i = ctx.post;
    const double t = ctx.t_ms;
    const double theta = info.threshold[i];
    const double current = info.current(i, t);
    const double denom = rule_.params_.exact_factor ? current - theta : current;
    const bool first = st.count[i] == 0;
    const double dec = first ? 0.0 : std::exp(-(t - st.t_last[i]) * k.inv_tau_mem);
    if (first) st.fired.push_back(i);
    ++st.count[i];
    st.t_last[i] = t;
    if (denom > 0.0 && std::isfinite(denom)) {
      const double factor = k.tau_mem_ms() / denom;
      const double xm = k.norm * std::exp(-(t - st.t0) * k.inv_tau_mem);
      const double xs = k.inv_tau_syn > 0.0 ? k.norm * std::exp(-(t - st.t0) * k.inv_tau_syn) : 0.0;
      const double ktheta = theta * k.inv_tau_mem;
      const std::size_t m = info.fan_in;
      double* __restrict elig = st.elig.data() + i * m;
      double* __restrict corr = st.corr.data() + i * m;
      double* first_elig = st.has_first && first ? st.first.data() + i * m : nullptr;
      const double* fm = st.fm.data();
      const double* fs = st.fs.data();
      for (const std::uint32_t j : st.active_pre) {
        const double r = corr[j] * dec;
        const double p = fm[j] * xm - fs[j] * xs;
        const double g = -factor * (p - ktheta * r);
        elig[j] += g;
        corr[j] = r + g;
        if (first_elig) first_elig[j] = g;
      }
      ctx.counters.trace_updates += 2ull * st.active_pre.size();
    }
    if (rule_.params_.learn_feedback) {
      double d = st.s[i];
      if (st.hidden && first) d += st.p[i];
      st.s[i] = 0.0;
      if (!st.hidden) st.d_out[i] += d;
      ctx.grade = static_cast<float>(d);
    }
  }

  void accumulate(const output_error& err, fixed_sum_set& sums) override {
    const std::size_t L = layers_.size();
    layer_state& out = layers_[L - 1];
    const std::uint32_t n_out = out.info->size;
    // eps_o: the output error each hidden neuron's feedback weights project.
    eps_.assign(n_out, 0.0);
    for (std::uint32_t o = 0; o < n_out; ++o)
      eps_[o] = err.input == loss_input::first_spike ? err.grad[o] : -err.grad[o];
    const auto& lay = rule_.layout_;
    // Output layer: the exact local gradient of the loss.
    {
      fixed_sum& g = sums.sums[lay[L - 1].grad];
      if (out.info->readout) {
        const psp_kernel& k = out.info->kernel;
        const double dt = err.duration_ms + t_begin_offset(out);
        const double xm = k.norm * std::exp(-dt * k.inv_tau_mem);
        const double xs = k.inv_tau_syn > 0.0 ? k.norm * std::exp(-dt * k.inv_tau_syn) : 0.0;
        for (std::uint32_t j = 0; j < out.info->fan_in; ++j) {
          const double p = out.fm[j] * xm - out.fs[j] * xs;
          if (p == 0.0) continue;
          for (std::uint32_t o = 0; o < n_out; ++o) g.add(std::size_t(o) * out.info->fan_in + j, err.grad[o] * p);
          if (!out.gm.empty()) {
            const double dp = out.gm[j] * xm - out.gs[j] * xs;
            const auto row = out.proj->row(j);
            for (std::uint32_t o = 0; o < n_out; ++o) out.d_out[o] += static_cast<double>(row.weights[o]) * dp;
          }
        }
      } else {
        const std::vector<double>& col = err.input == loss_input::first_spike ? out.first : out.elig;
        const std::size_t m = out.info->fan_in;
        for (std::uint32_t o : out.fired) {
          const double c = err.input == loss_input::first_spike ? err.grad[o] : -err.grad[o];
          if (c == 0.0) continue;
          for (const std::uint32_t j : out.active_pre)
            if (col[o * m + j] != 0.0) g.add(o * m + j, c * col[o * m + j]);
        }
      }
    }
    // Hidden layers: direct feedback of the output error.
    for (std::size_t l = 0; l + 1 < L; ++l) {
      layer_state& st = layers_[l];
      const feedback_alignment::sum_layout& sl = lay[l];
      const std::vector<float>& B = rule_.feedback_[l];
      const std::size_t m = st.info->fan_in;
      for (std::uint32_t i : st.fired) {
        double delta = 0.0;
        for (std::uint32_t o = 0; o < n_out; ++o) delta += static_cast<double>(B[std::size_t(i) * n_out + o]) * eps_[o];
        fixed_sum& g = sums.sums[sl.grad];
        const double* elig = st.elig.data() + i * m;
        for (const std::uint32_t j : st.active_pre) {
          const double e = elig[j];
          if (e == 0.0) continue;
          g.add(i * m + j, delta * e);
          if (sl.elig != feedback_alignment::npos) sums.sums[sl.elig].add(i * m + j, e);
        }
        if (sl.counts != feedback_alignment::npos) sums.sums[sl.counts].add(i, st.count[i]);
        if (sl.fb != feedback_alignment::npos) {
          for (std::uint32_t o = 0; o < n_out; ++o)
            sums.sums[sl.fb].add(std::size_t(i) * n_out + o, out.d_out[o] * st.p[i]);
          sums.sums[sl.active].add(i, 1.0);
        }
      }
      sim_.counters().projections[st.info->projection].rule_ops +=
          std::uint64_t(st.fired.size()) * (n_out + st.active_pre.size());
    }
  }

 private:
  // The readout's end time relative to its trace reference (traces may have been rebased).
  double t_begin_offset(const layer_state& st) const { return sample_begin_ - st.t0; }

  void rebase(layer_state& st, double t_ms) {
    const psp_kernel& k = st.info->kernel;
    const double dt = t_ms - st.t0;
    const double fm = std::exp(-dt * k.inv_tau_mem), fs = k.inv_tau_syn > 0.0 ? std::exp(-dt * k.inv_tau_syn) : 0.0;
    for (double& x : st.fm) x *= fm;
    for (double& x : st.fs) x *= fs;
    for (double& x : st.gm) x *= fm;
    for (double& x : st.gs) x *= fs;
    st.t0 = t_ms;
  }

  feedback_alignment& rule_;
  layer_chain chain_;
  simulator& sim_;
  std::vector<layer_state> layers_;
  std::vector<int> layer_of_;
  std::vector<double> eps_;
  double sample_begin_ = 0.0;
};

feedback_alignment::feedback_alignment(feedback_alignment_params params, const layer_chain& chain, loss_input input,
                                       std::uint64_t seed)
    : params_(std::move(params)), chain_(chain), input_(input), seed_(seed) {
  const std::size_t L = chain_.layers.size();
  const std::uint32_t n_out = chain_.output().size;
  layout_.resize(L);
  feedback_.resize(L);
  rng r(rng::derive(seed_, streams::feedback_init));
  for (std::size_t l = 0; l < L; ++l) {
    const layer_info& info = chain_.layers[l];
    layout_[l].grad = n_sums_++;
    if (l + 1 == L) continue;
    if (params_.reg_strength[l] != 0.0) {
      layout_[l].elig = n_sums_++;
      layout_[l].counts = n_sums_++;
    }
    if (params_.learn_feedback) {
      layout_[l].fb = n_sums_++;
      layout_[l].active = n_sums_++;
    }
    std::vector<float>& B = feedback_[l];
    B.assign(std::size_t(info.size) * n_out, 0.0f);
    const double s = params_.feedback_init_scale;
    if (params_.feedback_init == "uniform")
      for (float& b : B) b = static_cast<float>(r.uniform(-s, s));
    else if (params_.feedback_init == "normal")
      for (float& b : B) b = static_cast<float>(s * r.normal());
  }
}

fixed_sum_set feedback_alignment::make_sums() const {
  fixed_sum_set set;
  set.sums.resize(n_sums_);
  const std::uint32_t n_out = chain_.output().size;
  for (std::size_t l = 0; l < layout_.size(); ++l) {
    const layer_info& info = chain_.layers[l];
    const std::size_t syn = std::size_t(info.fan_in) * info.size;
    set.sums[layout_[l].grad].resize(syn);
    if (layout_[l].elig != npos) set.sums[layout_[l].elig].resize(syn);
    if (layout_[l].counts != npos) set.sums[layout_[l].counts].resize(info.size);
    if (layout_[l].fb != npos) set.sums[layout_[l].fb].resize(std::size_t(info.size) * n_out);
    if (layout_[l].active != npos) set.sums[layout_[l].active].resize(info.size);
  }
  return set;
}

std::unique_ptr<rule_worker> feedback_alignment::make_worker(simulator& sim, const layer_chain& chain) {
  return std::make_unique<feedback_alignment_worker>(*this, sim, chain);
}

void feedback_alignment::end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) {
  const double inv_n = 1.0 / static_cast<double>(n);
  const std::uint32_t n_out = chain_.output().size;
  grads.resize(layout_.size());
  for (std::size_t l = 0; l < layout_.size(); ++l) {
    const layer_info& info = chain_.layers[l];
    const std::size_t syn = std::size_t(info.fan_in) * info.size;
    std::vector<double>& g = grads[l];
    g.resize(syn);
    const fixed_sum& gs = total.sums[layout_[l].grad];
    const std::size_t np = info.size, m = info.fan_in;
    const sum_layout& lay = layout_[l];
    // Row i: its gradient column (the sums are post-major, i * fan_in + j; gradients are in synapse order,
    // j * np + i), its firing-rate regularisation and its feedback row; rows spread over the trainer's threads.
    for_rows(np, [&](std::size_t i) {
      for (std::size_t j = 0; j < m; ++j) g[j * np + i] = gs.get(i * m + j) * inv_n;
      if (lay.elig != npos) {
        // Firing-rate regularisation: delta_i += c_reg (target - batch mean count of i).
        const fixed_sum& es = total.sums[lay.elig];
        const double pull = params_.reg_strength[l] * (params_.reg_target[l] - total.sums[lay.counts].get(i) * inv_n);
        if (pull != 0.0)
          for (std::size_t j = 0; j < m; ++j) g[j * np + i] += pull * es.get(i * m + j) * inv_n;
      }
      if (lay.fb != npos) {
        // Eq. 7 once per sample in which neuron i fired: B <- B - alpha (B - D p), summed over the batch.
        const fixed_sum& fb = total.sums[lay.fb];
        const double a = total.sums[lay.active].get(i);
        if (a == 0.0) return;
        std::vector<float>& B = feedback_[l];
        for (std::uint32_t o = 0; o < n_out; ++o) {
          const std::size_t q = i * n_out + o;
          B[q] = static_cast<float>(B[q] - params_.feedback_lr * (a * B[q] - fb.get(q)));
        }
      }
    });
  }
}

std::vector<std::span<const float>> feedback_alignment::state() const {
  std::vector<std::span<const float>> out;
  for (std::size_t l = 0; l + 1 < feedback_.size(); ++l) out.emplace_back(feedback_[l]);
  return out;
}

void feedback_alignment::load_state(const std::vector<std::vector<float>>& blocks) {
  if (blocks.size() + 1 != feedback_.size())
    throw input_error(fmt::format("checkpoint: {} feedback matrices, the network needs {}", blocks.size(),
                                  feedback_.size() - 1));
  for (std::size_t l = 0; l < blocks.size(); ++l) {
    if (blocks[l].size() != feedback_[l].size())
      throw input_error(fmt::format("checkpoint: feedback matrix {} has {} values, expected {}", l, blocks[l].size(),
                                    feedback_[l].size()));
    feedback_[l] = blocks[l];
  }
}

nlohmann::json feedback_alignment::describe() const {
  return {{"type", name()},
          {"gradient", params_.exact_factor ? "exact" : "bounded"},
          {"feedback_lr", params_.feedback_lr},
          {"perturbation_std", params_.perturbation_std},
          {"feedback_init", params_.feedback_init},
          {"feedback_init_scale", params_.feedback_init_scale},
          {"regularization", {{"strength", params_.reg_strength}, {"target", params_.reg_target}}}};
}

namespace {

std::vector<double> per_hidden_layer(const json_node& node, std::size_t hidden, double min, const char* what) {
  std::vector<double> v;
  if (node.is_array()) {
    if (node.size() != hidden)
      node.fail(fmt::format("{} values for {} hidden layers", node.size(), hidden));
    for (std::size_t i = 0; i < node.size(); ++i) v.push_back(node[i].as_double_min(min));
  } else {
    v.assign(hidden, node.as_double_min(min));
  }
  (void)what;
  return v;
}

}  // namespace

std::unique_ptr<learning_rule> make_feedback_alignment(const json_node& spec, const layer_chain& chain,
                                                       loss_input input, std::uint64_t seed, bool learn_feedback) {
  require_continuous(chain, learn_feedback ? "sfdfa" : "dfa");
  feedback_alignment_params p;
  p.learn_feedback = learn_feedback;
  p.feedback_init = learn_feedback ? "zero" : "uniform";
  const std::size_t hidden = chain.layers.size() - 1;
  p.reg_strength.assign(hidden + 1, 0.0);
  p.reg_target.assign(hidden + 1, 0.0);
  if (spec.is_object()) {
    if (auto g = spec.get("gradient")) p.exact_factor = g->as_choice({"bounded", "exact"}) == "exact";
    if (auto a = spec.get("feedback_lr")) p.feedback_lr = a->as_nonnegative();
    if (auto a = spec.get("perturbation_std")) p.perturbation_std = a->as_positive();
    if (auto a = spec.get("feedback_init")) p.feedback_init = a->as_choice({"zero", "uniform", "normal"});
    if (auto a = spec.get("feedback_init_scale")) p.feedback_init_scale = a->as_nonnegative();
    if (auto r = spec.get("regularization")) {
      r->expect_object();
      if (auto s = r->get("strength")) {
        auto v = per_hidden_layer(*s, hidden, 0.0, "strength");
        std::copy(v.begin(), v.end(), p.reg_strength.begin());
      }
      if (auto t = r->get("target")) {
        auto v = per_hidden_layer(*t, hidden, 0.0, "target");
        std::copy(v.begin(), v.end(), p.reg_target.begin());
      }
      r->finish();
    }
    spec.finish();
  }
  if (input == loss_input::readout && learn_feedback && chain.output().readout == false)
    spec.fail("internal: readout loss on a spiking output");
  // The rule's traces use the separated kernel norm (e^{-s/tau_mem} - e^{-s/tau_syn}), which cancels when the two
  // time constants nearly agree (and is undefined when they are equal).
  for (const layer_info& l : chain.layers)
    if (!l.kernel.separable())
      spec.fail(fmt::format("layer '{}' has tau_syn_ms within 0.1% of tau_mem_ms, where this rule's traces lose "
                            "precision; move the time constants apart or train with bp_exact",
                            l.name));
  return std::make_unique<feedback_alignment>(std::move(p), chain, input, seed);
}

}  // namespace evsnn::rules
