#include "rules/eprop.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/rng.hpp"
#include "rules/loss.hpp"
#include "rules/readout_unroll.hpp"
#include "rules/streams.hpp"
#include "rules/tick_chain.hpp"
#include "rules/tick_learner.hpp"

namespace evsnn::rules {

namespace {

constexpr std::uint32_t no_block = 0xffffffffu;

struct arrival {
  std::uint64_t step;
  std::uint32_t pre;
  double x;
};

class eprop_worker final : public rule_worker {
 public:
  eprop_worker(eprop_rule& rule, simulator& sim, const layer_chain& chain)
      : rule_(rule), p_(rule.params()), sim_(sim), chain_(chain), tick_(rule.tick_ms()), kappa_(rule.readout_decay()),
        hidden_count_(chain.layers.size() - 1), n_out_(chain.output().size),
        surrogate_{p_.piecewise, p_.gamma, p_.slope}, symmetric_(p_.feedback == "symmetric") {
    network& net = sim.net();
    make_readout_net(net, chain, "eprop");  // checks the delays: recurrent > 0, readout 0
    block_of_.assign(net.projection_count(), no_block);
    hook_subscription sub;
    blocks_.resize(chain.blocks.size());
    for (std::size_t b = 0; b < chain.blocks.size(); ++b) {
      const trained_block& tb = chain.blocks[b];
      block_of_[tb.projection] = static_cast<std::uint32_t>(b);
      sub.pre_projections.push_back(tb.projection);
      block_state& bs = blocks_[b];
      bs.hidden = tb.layer < hidden_count_;
      bs.decay = bs.hidden ? chain.layers[tb.layer].tick->leak() : kappa_;
      bs.grad.assign(tb.synapses, 0.0);
      bs.active.resize(tb.n_pre);
      if (!p_.event) {
        bs.xbar.assign(tb.n_pre, 0.0);
        bs.xnow.assign(tb.n_pre, 0.0);
        if (bs.hidden) {
          bs.ebar.assign(tb.synapses, 0.0);
          bs.esum.assign(tb.synapses, 0.0);
          if (chain.layers[tb.layer].tick->adapt_beta() > 0.0) bs.eps.assign(tb.synapses, 0.0);
        }
      }
    }
    hidden_.resize(hidden_count_);
    for (std::size_t h = 0; h < hidden_count_; ++h) hidden_[h].zeros(chain.layers[h].size);
    y_.assign(n_out_, 0.0);
    err_.assign(n_out_, 0.0);
    ysum_.assign(n_out_, 0.0);
    sub.tick_period_ms = tick_;
    sub.tick_first_ms = 0.5 * tick_;
    sim.add_hook(*this, sub);
  }

  void set_target(std::uint32_t label) override { label_ = label; }
  void set_duration(double duration_ms) override { duration_ms_ = duration_ms; }

  void on_sample_begin(double t_ms, std::uint64_t) override {
    t0_ = t_ms;
    next_step_ = 0;
    loss_sum_ = 0.0;
    window_steps_ = 0;
    std::fill(ysum_.begin(), ysum_.end(), 0.0);
    window_start_ = loss_window_start(p_.loss_window_ms, duration_ms_, tick_);
    tracking_ = learning();
    err_hist_.clear();
    for (hidden_state& hs : hidden_) {
      hs.psi_hist.clear();
      std::fill(hs.spikes.begin(), hs.spikes.end(), 0);
    }
    for (block_state& bs : blocks_) {
      bs.arrivals.clear();
      bs.head = 0;
      if (p_.event) {
        bs.active.clear();
        continue;
      }
      const trained_block& tb = chain_.blocks[&bs - blocks_.data()];
      for (std::uint32_t j : bs.active.list()) {
        bs.xbar[j] = 0.0;
        if (!bs.hidden) continue;
        const projection::row_view row = sim_.net().proj(tb.projection).row(j);
        const std::size_t b0 = row.first_synapse, b1 = b0 + row.post.size();
        std::fill(bs.ebar.begin() + std::ptrdiff_t(b0), bs.ebar.begin() + std::ptrdiff_t(b1), 0.0);
        std::fill(bs.esum.begin() + std::ptrdiff_t(b0), bs.esum.begin() + std::ptrdiff_t(b1), 0.0);
        if (!bs.eps.empty()) std::fill(bs.eps.begin() + std::ptrdiff_t(b0), bs.eps.begin() + std::ptrdiff_t(b1), 0.0);
      }
      bs.active.clear();
    }
  }

  void on_pre(const pre_context& ctx) override {
    if (!tracking_) return;
    const std::uint32_t b = block_of_[ctx.projection_id];
    if (b == no_block) return;
    blocks_[b].arrivals.push_back(
        {step_of(ctx.t_ms, t0_, tick_), ctx.pre, ctx.proj.graded() ? static_cast<double>(ctx.grade) : 1.0});
  }

  void on_tick(double t_ms) override { steps_before(t_ms); }

  void on_sample_end(double t_ms, std::uint64_t) override {
    steps_before(t_ms);
    if (tracking_ && next_step_ > 0) finish_sample();
  }

  std::optional<loss_value> sample_loss() const override {
    std::uint32_t best = n_out_;
    if (window_steps_ > 0) {
      best = 0;
      for (std::uint32_t c = 1; c < n_out_; ++c)
        if (ysum_[c] > ysum_[best]) best = c;
    }
    return loss_value{window_steps_ > 0 ? loss_sum_ / static_cast<double>(window_steps_) : 0.0, best};
  }

  // Only the rows of the active presynaptic neurons hold gradient (both formulations write no other).
  void accumulate(const output_error&, fixed_sum_set& sums) override {
    if (!tracking_) return;
    for (std::size_t b = 0; b < blocks_.size(); ++b) {
      block_state& bs = blocks_[b];
      std::vector<double>& g = bs.grad;
      fixed_sum& s = sums.sums[b];
      projection& pr = sim_.net().proj(chain_.blocks[b].projection);
      for (const std::uint32_t j : bs.active.list()) {
        const projection::row_view row = pr.row(j);
        s.add_scaled(row.first_synapse, g.data() + row.first_synapse, 1.0, row.post.size());
        std::fill_n(g.begin() + std::ptrdiff_t(row.first_synapse), row.post.size(), 0.0);
      }
    }
  }

 private:
  struct block_state {
    bool hidden = true;
    double decay = 0.0;  // λ of the post layer (hidden) or κ (readout)
    std::vector<arrival> arrivals;
    std::size_t head = 0;  // tick: the next arrival to take
    std::vector<double> grad;
    // tick formulation
    std::vector<double> xbar, xnow, ebar, esum, eps;
    active_set active;
  };
  struct hidden_state {
    std::vector<double> psi, signal, reg, psi_hist;
    std::vector<std::uint32_t> spikes;
    void zeros(std::uint32_t n) { psi.assign(n, 0.0); signal.assign(n, 0.0); reg.assign(n, 0.0); spikes.assign(n, 0); }
  };

  void steps_before(double t_ms) {
    while (t0_ + static_cast<double>(next_step_) * tick_ < t_ms - 1e-9 * tick_) handle_step(next_step_++);
  }


  void handle_step(std::uint64_t k) {
    const double tk = t0_ + static_cast<double>(k) * tick_;
    const layer_info& lo = chain_.output();
    for (std::uint32_t c = 0; c < n_out_; ++c) y_[c] = lo.membrane->membrane_potential(c, tk);
    const bool in_window = k >= window_start_;
    if (in_window) {
      loss_sum_ += softmax_cross_entropy(y_, label_, err_);
      ++window_steps_;
      for (std::uint32_t c = 0; c < n_out_; ++c) ysum_[c] += y_[c];
    } else {
      std::fill(err_.begin(), err_.end(), 0.0);
    }
    if (!tracking_) return;
    if (p_.event) err_hist_.insert(err_hist_.end(), err_.begin(), err_.end());
    for (std::size_t h = 0; h < hidden_count_; ++h) read_hidden(h, k);
    if (p_.event) return;
    for (std::size_t h = 0; h < hidden_count_; ++h) {
      learning_signal(h, err_, hidden_[h].signal.data(), 0, chain_.layers[h].size);
      signal_ops() += std::uint64_t(chain_.layers[h].size) * n_out_;
    }
    for (std::size_t b = 0; b < blocks_.size(); ++b) tick_block(b, k, in_window);
  }

  void read_hidden(std::size_t h, std::uint64_t k) {
    const layer_info& li = chain_.layers[h];
    const tick_membrane& tm = *li.tick;
    const double beta = tm.adapt_beta();
    hidden_state& hs = hidden_[h];
    for (std::uint32_t i = 0; i < li.size; ++i) {
      const double theta = li.threshold[i];
      const double a = beta > 0.0 ? theta + beta * tm.adaptation(i, k) : theta;
      hs.psi[i] = surrogate_.psi(tm.pre_reset_potential(i, k), a, theta);
      hs.spikes[i] += tm.spiked_at(i, k);
    }
    if (p_.event) hs.psi_hist.insert(hs.psi_hist.end(), hs.psi.begin(), hs.psi.end());
  }

  // L = B err for neurons [lo, hi) of hidden layer h (B = W_outᵀ for symmetric feedback); the caller counts it.
  void learning_signal(std::size_t h, std::span<const double> err, double* out, std::uint32_t lo,
                       std::uint32_t hi) const {
    const std::span<const double> w = sim_.net().proj(chain_.output().projection).weights();
    const std::vector<float>& B = rule_.feedback_matrix(h);
    for (std::uint32_t i = lo; i < hi; ++i) {
      double m = 0.0;
      for (std::uint32_t c = 0; c < n_out_; ++c)
        m += (symmetric_ ? w[std::size_t(i) * n_out_ + c] : static_cast<double>(B[std::size_t(i) * n_out_ + c])) * err[c];
      out[i] = m;
    }
  }
  std::uint64_t& signal_ops() { return sim_.counters().projections[chain_.output().projection].rule_ops; }

  // The tick formulation: one step of block b's forward traces and gradient.
  void tick_block(std::size_t b, std::uint64_t k, bool in_window) {
    block_state& bs = blocks_[b];
    const trained_block& tb = chain_.blocks[b];
    while (bs.head < bs.arrivals.size() && bs.arrivals[bs.head].step <= k) {
      const arrival& a = bs.arrivals[bs.head++];
      bs.xnow[a.pre] += a.x;
      bs.active.add(a.pre);
    }
    projection& pr = sim_.net().proj(tb.projection);
    std::uint64_t visited = 0;
    if (!bs.hidden) {
      for (std::uint32_t j : bs.active.list()) {
        const double z = bs.decay * bs.xbar[j] + bs.xnow[j];
        bs.xbar[j] = z;
        bs.xnow[j] = 0.0;
        if (!in_window) continue;
        double* g = bs.grad.data() + std::size_t(j) * n_out_;
        for (std::uint32_t c = 0; c < n_out_; ++c) g[c] += err_[c] * z;
        visited += n_out_;
      }
      pr_counters(tb).trace_updates += visited;
      return;
    }
    const hidden_state& hs = hidden_[tb.layer];
    const tick_membrane& tm = *chain_.layers[tb.layer].tick;
    const double beta = tm.adapt_beta(), rho = tm.adapt_decay(), kappa = kappa_;
    const bool alif = !bs.eps.empty();
    for (std::uint32_t j : bs.active.list()) {
      const double xb = bs.decay * bs.xbar[j] + bs.xnow[j];
      bs.xbar[j] = xb;
      bs.xnow[j] = 0.0;
      const projection::row_view row = pr.row(j);
      for (std::size_t n = 0; n < row.post.size(); ++n) {
        const std::size_t s = row.first_synapse + n;
        const std::uint32_t i = row.post[n];
        const double psi = hs.psi[i];
        double e = psi * xb;
        if (alif) {
          const double eps = bs.eps[s];
          e -= psi * beta * eps;
          bs.eps[s] = psi * xb + (rho - beta * psi) * eps;
        }
        bs.ebar[s] = kappa * bs.ebar[s] + e;
        bs.esum[s] += e;
        bs.grad[s] += hs.signal[i] * bs.ebar[s];
      }
      visited += row.post.size();
    }
    pr_counters(tb).trace_updates += visited;
  }

  projection_counters& pr_counters(const trained_block& tb) { return sim_.counters().projections[tb.projection]; }
  // The regulariser's per-neuron term 2 c_reg (f̄ − f₀)/T.
  void regulariser(std::uint64_t T) {
    const double Td = static_cast<double>(T), f0 = p_.target_rate_hz * tick_ * 1e-3;
    for (hidden_state& hs : hidden_)
      for (std::size_t i = 0; i < hs.reg.size(); ++i)
        hs.reg[i] = p_.reg_rate == 0.0 ? 0.0 : 2.0 * p_.reg_rate * (static_cast<double>(hs.spikes[i]) / Td - f0) / Td;
  }

  void finish_sample() {
    const std::uint64_t T = next_step_;
    const double inv_w = window_steps_ > 0 ? 1.0 / static_cast<double>(window_steps_) : 0.0;
    regulariser(T);
    if (!p_.event) {
      // The task part was summed with unscaled errors: scale it, then add the regulariser's Σe.
      for (std::size_t b = 0; b < blocks_.size(); ++b) {
        block_state& bs = blocks_[b];
        const trained_block& tb = chain_.blocks[b];
        projection& pr = sim_.net().proj(tb.projection);
        for (std::uint32_t j : bs.active.list()) {
          const projection::row_view row = pr.row(j);
          for (std::size_t n = 0; n < row.post.size(); ++n) {
            const std::size_t s = row.first_synapse + n;
            bs.grad[s] *= inv_w;
            if (bs.hidden) bs.grad[s] += hidden_[tb.layer].reg[row.post[n]] * bs.esum[s];
          }
        }
      }
      return;
    }
    // Readout: E_k = err_k / W + κ E_{k+1}, then Σ over the readout's input spikes.
    std::vector<double>& q = scratch_;
    q.assign(T * n_out_, 0.0);
    for (std::uint64_t k = T; k-- > 0;)
      for (std::uint32_t c = 0; c < n_out_; ++c)
        q[k * n_out_ + c] = err_hist_[k * n_out_ + c] * inv_w + (k + 1 < T ? kappa_ * q[(k + 1) * n_out_ + c] : 0.0);
    scatter(hidden_count_, q, n_out_, T);
    for (std::size_t h = 0; h < hidden_count_; ++h) {
      backward_hidden(h, T, inv_w, q);
      scatter(h, q, chain_.layers[h].size, T);
    }
  }

  // Q_k per neuron of hidden layer h (T × n into q): L̃, ω, P and Q backward in one pass. Each neuron's recursion is
  // its own: blocks of 16 neurons go to the threads a batch leaves idle (for_sample_rows), the same bits in any spread.
  void backward_hidden(std::size_t h, std::uint64_t T, double inv_w, std::vector<double>& q) {
    const layer_info& li = chain_.layers[h];
    const std::uint32_t n = li.size;
    const double lambda = li.tick->leak(), beta = li.tick->adapt_beta(), rho = li.tick->adapt_decay();
    hidden_state& hs = hidden_[h];
    q.assign(T * n, 0.0);
    std::vector<double>& lt = hs.signal;  // L̃
    std::fill(lt.begin(), lt.end(), 0.0);
    carry_.assign(3 * std::size_t(n), 0.0);  // P, ω_{k+1} ψ_{k+1}, ρ − β ψ_{k+1}
    double* P = carry_.data();
    double* next_wpsi = P + n;
    double* next_c = next_wpsi + n;
    double* lk = hs.psi.data();  // L_k (scratch)
    for_sample_rows((n + 15) / 16, [&](std::size_t r) {
      const auto lo = static_cast<std::uint32_t>(16 * r), hi = std::min(n, lo + 16);
      for (std::uint64_t k = T; k-- > 0;) {
        if (k >= window_start_) learning_signal(h, std::span(err_hist_).subspan(k * n_out_, n_out_), lk, lo, hi);
        const double* psi = hs.psi_hist.data() + k * n;
        double* qk = q.data() + k * n;
        const double* qn = k + 1 < T ? q.data() + (k + 1) * n : nullptr;
        for (std::uint32_t i = lo; i < hi; ++i) {
          lt[i] = (k >= window_start_ ? lk[i] * inv_w : 0.0) + kappa_ * lt[i];
          const double omega = lt[i] + hs.reg[i];
          P[i] = k + 1 < T ? beta * next_wpsi[i] + next_c[i] * P[i] : 0.0;
          qk[i] = psi[i] * (omega - P[i]) + (qn ? lambda * qn[i] : 0.0);
          next_wpsi[i] = omega * psi[i];
          next_c[i] = rho - beta * psi[i];
        }
      }
    });
    signal_ops() += (T > window_start_ ? T - window_start_ : 0) * n * n_out_;
    sim_.counters().projections[li.projection].rule_ops += T * n * 4;
  }

  // Every block into layer `layer`: ∂L/∂w_s += x q_{k, post(s)} for each input (k, j, x). The rows of blocks of
  // presynaptic neurons go to the idle threads; each adds its arrivals in their order: the same bits in any spread.
  void scatter(std::size_t layer, const std::vector<double>& q, std::uint32_t n, std::uint64_t T) {
    for (std::size_t b = 0; b < blocks_.size(); ++b) {
      const trained_block& tb = chain_.blocks[b];
      if (tb.layer != layer) continue;
      block_state& bs = blocks_[b];
      projection& pr = sim_.net().proj(tb.projection);
      std::uint64_t visited = 0;
      for (const arrival& a : bs.arrivals) {
        if (a.step >= T) continue;  // arrives after the sample's end
        bs.active.add(a.pre);
        visited += pr.row(a.pre).post.size();
      }
      pr_counters(tb).trace_updates += visited;
      const std::uint32_t span = std::max<std::uint32_t>(64, (tb.n_pre + 15) / 16);
      for_sample_rows((tb.n_pre + span - 1) / span, [&](std::size_t r) {
        for (const arrival& a : bs.arrivals) {
          if (a.step >= T || a.pre - r * span >= span) continue;  // not this block's (unsigned: below it too)
          const double* __restrict qk = q.data() + a.step * n;
          const projection::row_view row = pr.row(a.pre);
          double* __restrict g = bs.grad.data() + row.first_synapse;
          if (pr.dense()) {  // row.post[m] == m: the same products, in vector lanes
            for (std::size_t m = 0; m < row.post.size(); ++m) g[m] += a.x * qk[m];
          } else {
            for (std::size_t m = 0; m < row.post.size(); ++m) g[m] += a.x * qk[row.post[m]];
          }
        }
      });
    }
  }

  eprop_rule& rule_;
  const eprop_params& p_;
  simulator& sim_;
  const layer_chain& chain_;
  double tick_, kappa_;
  std::size_t hidden_count_;
  std::uint32_t n_out_;
  tick_surrogate surrogate_;
  bool symmetric_;  // B = W_outᵀ, read from the readout's live weights
  std::vector<std::uint32_t> block_of_;
  std::vector<block_state> blocks_;
  std::vector<hidden_state> hidden_;
  std::vector<double> y_, err_, ysum_, err_hist_, scratch_, carry_;
  double t0_ = 0.0, duration_ms_ = 0.0, loss_sum_ = 0.0;
  std::uint64_t next_step_ = 0, window_start_ = 0, window_steps_ = 0;
  std::uint32_t label_ = 0;
  bool tracking_ = false;
};

}  // namespace

eprop_rule::eprop_rule(eprop_params params, const layer_chain& chain, std::uint64_t seed)
    : params_(std::move(params)), sums_(layer_sums(chain)) {
  const std::size_t L = chain.layers.size();
  const layer_info& out = chain.output();
  if (L < 2 || !out.readout)
    throw input_error(fmt::format("rule eprop: the chain must end in a readout (li) after at least one hidden layer; "
                                  "'{}' is {}",
                                  out.name, out.readout ? "the only layer" : "a spiking layer"));
  if (out.tick != nullptr || out.kernel.inv_tau_syn > 0.0)
    throw input_error(fmt::format("rule eprop: readout '{}' needs \"tau_syn_ms\": 0 (y_k = κ y_(k-1) + W s_k)",
                                  out.name));
  for (std::size_t h = 0; h + 1 < L; ++h) {
    const layer_info& li = chain.layers[h];
    if (li.tick == nullptr)
      throw input_error(fmt::format("rule eprop: hidden layer '{}' is not a discrete-tick neuron; e-prop trains "
                                    "lif_tick layers (LIF, or ALIF with adapt_beta > 0)",
                                    li.name));
    if (li.tick->tick_ms() != chain.layers.front().tick->tick_ms())
      throw input_error(fmt::format("rule eprop: layer '{}' ticks every {} ms, layer '{}' every {} ms; e-prop needs "
                                    "one tick",
                                    li.name, li.tick->tick_ms(), chain.layers.front().name,
                                    chain.layers.front().tick->tick_ms()));
  }
  tick_ms_ = chain.layers.front().tick->tick_ms();
  kappa_ = std::exp(-tick_ms_ * out.kernel.inv_tau_mem);
  n_out_ = out.size;
  readout_block_ = L - 1;
  if (params_.feedback == "symmetric" && L > 2)
    throw input_error(fmt::format("rule eprop: \"feedback\": \"symmetric\" feeds back W_out, which reaches only the "
                                  "last hidden layer; this chain has {} hidden layers: use \"random\" or \"adaptive\"",
                                  L - 1));
  rng r(rng::derive(seed, streams::eprop_feedback));
  for (std::size_t h = 0; h + 1 < L; ++h) {
    std::vector<float> B(std::size_t(chain.layers[h].size) * n_out_, 0.0f);
    if (params_.feedback != "symmetric")
      for (float& b : B) b = static_cast<float>(params_.feedback_scale * r.normal());
    feedback_.push_back(std::move(B));
  }
}

fixed_sum_set eprop_rule::make_sums() const { return sums_; }

std::unique_ptr<rule_worker> eprop_rule::make_worker(simulator& sim, const layer_chain& chain) {
  return std::make_unique<eprop_worker>(*this, sim, chain);
}

void eprop_rule::end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) {
  mean_gradients(total, n, grads);
  if (params_.feedback != "adaptive") return;
  // B of the last hidden layer follows W_out's gradient (transposed: B is n_h × n_out as W_out is).
  std::vector<float>& B = feedback_.back();
  const std::vector<double>& g = grads[readout_block_];
  for (std::size_t s = 0; s < B.size(); ++s) B[s] = static_cast<float>(B[s] - params_.feedback_lr * g[s]);
}

std::vector<std::span<const float>> eprop_rule::state() const {
  std::vector<std::span<const float>> s;
  for (const auto& B : feedback_) s.emplace_back(B);
  return s;
}

void eprop_rule::load_state(const std::vector<std::vector<float>>& blocks) {
  if (blocks.size() != feedback_.size()) throw input_error("checkpoint: eprop feedback blocks do not match the network");
  for (std::size_t h = 0; h < blocks.size(); ++h) {
    if (blocks[h].size() != feedback_[h].size())
      throw input_error(fmt::format("checkpoint: eprop feedback block {} has {} values, the network needs {}", h,
                                    blocks[h].size(), feedback_[h].size()));
    feedback_[h] = blocks[h];
  }
}

nlohmann::json eprop_rule::describe() const {
  return {{"type", "eprop"}, {"formulation", params_.event ? "event" : "tick"}, {"feedback", params_.feedback},
          {"feedback_scale", params_.feedback_scale}, {"feedback_lr", params_.feedback_lr},
          {"surrogate", params_.piecewise ? "piecewise_linear" : "fast_sigmoid"}, {"gamma", params_.gamma},
          {"surrogate_slope", params_.slope}, {"loss_window_ms", params_.loss_window_ms},
          {"reg_rate", params_.reg_rate}, {"target_rate_hz", params_.target_rate_hz}};
}

std::unique_ptr<learning_rule> make_eprop(const json_node& spec, const layer_chain& chain, std::uint64_t seed) {
  eprop_params p;
  if (spec.is_object()) {
    if (auto n = spec.get("formulation")) p.event = n->as_choice({"event", "tick"}) == "event";
    if (auto n = spec.get("feedback")) p.feedback = n->as_choice({"random", "symmetric", "adaptive"});
    if (auto n = spec.get("feedback_scale")) p.feedback_scale = n->as_positive();
    if (auto n = spec.get("feedback_lr")) p.feedback_lr = n->as_nonnegative();
    if (auto n = spec.get("surrogate")) p.piecewise = n->as_choice({"piecewise_linear", "fast_sigmoid"}) == "piecewise_linear";
    if (auto n = spec.get("gamma")) p.gamma = n->as_positive();
    if (auto n = spec.get("surrogate_slope")) p.slope = n->as_positive();
    if (auto n = spec.get("loss_window_ms")) p.loss_window_ms = n->as_nonnegative();
    if (auto n = spec.get("reg_rate")) p.reg_rate = n->as_nonnegative();
    if (auto n = spec.get("target_rate_hz")) p.target_rate_hz = n->as_nonnegative();
    spec.finish();
  }
  return std::make_unique<eprop_rule>(std::move(p), chain, seed);
}

}  // namespace evsnn::rules
