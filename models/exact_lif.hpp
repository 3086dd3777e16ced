#pragma once
// exact_lif<Kernel>: current-based LIF neurons integrated exactly between events.
// Each neuron keeps two numbers (p_i, q_i) relative to a reference time T shared by the population (moved
// forward on a fixed grid when (t-T)/tau gets large (engine/rebase_grid.hpp), so samples of any length stay
// finite and accurate); what they mean is the Kernel's: alpha_kernel keeps
// u_i(t) = p_i e^{-(t-T)/tau_mem} - q_i e^{-(t-T)/tau_syn}, exp_kernel the potential and synaptic current
// carried back to T, which stays accurate however close tau_mem and tau_syn are. Either way an input of
// weight w at t_j adds w kappa(t - t_j), kappa(s) = c [e^{-s/tau_mem} - e^{-s/tau_syn}] with
// c = tau_syn/(tau_mem - tau_syn) (c = 1 when tau_mem = 2 tau_syn; the limit (s/tau_mem) e^{-s/tau_mem} when
// they are equal), as p += w cp, q += w cq with the two coefficients of the Kernel's frame computed once per
// delivered row and shared by every target.
// After each input the next threshold crossing is predicted and kept in a per-population indexed heap
// (wakeup_heap, updated in place); only the population's earliest crossing is in the simulator's queue, as
// one versioned wakeup. A prediction is deferred: the heap holds a cheap lower bound (Kernel::crossing_bound,
// which knows exactly whether there is a crossing) and the state it came from, and the crossing itself
// (Kernel::resolve: the logarithm or root finding, from that state and the bound's by-product, bit for bit
// Kernel::crossing) is computed only when the entry reaches the front of the heap. Most predictions are
// replaced by the next input first and never need it. The order of crossings is that of exact times: a
// resolved front entry is at or below every other entry's bound, so at or below its crossing, and ties go to
// the lower neuron either way. A prediction that moves earlier than
// the queued wakeup replaces it (the old one is dropped as stale when popped); one that moves later
// leaves it, and the early wakeup re-schedules at the new earliest time.
// Reset at a spike: "subtract" removes threshold from u (p -= theta e^{(t-T)/tau_mem}, in both
// representations); "zero" sets u = 0. The synaptic current continues in both. Refractory period: the
// neuron cannot spike before t_spike + refractory_ms; with "zero" the membrane is also held at 0 until then
// (inputs still charge the synaptic current), with "subtract" it keeps integrating. A neuron spikes at most
// once per instant: one still at threshold right after its spike fires again at the next representable time.
// Spike cap (params.max_spikes > 0): a neuron that has emitted that many spikes since reset spikes no more
// (its crossing threshold theta_ becomes +inf; the declared thresholds, which rules read, stay).
// Kicks (membrane_kick, for perturbation rules): u jumps by dv at a hook's time and the crossing is
// re-tested at once, exactly as after an input.
// Invariants: between events, for every neuron t_pred_ is the earliest time >= max(now, release)
// where u reaches its threshold (or +inf), or, where deferred_, a lower bound of it that is finite exactly
// when it is, computed from deferred_state_; crossings_ holds exactly the finite t_pred_ and its front entry
// is not deferred; a wakeup with version_ at queued_ms_ <= crossings_.top_time() is queued whenever
// crossings_ is non-empty; clamp_ marks "held at 0 until release_", counted by n_clamped_; theta_[i] is
// params_.threshold[i], or +inf once neuron i reached the spike cap; gate_[i] is NaN where clamp_[i], else
// +inf when t_pred_[i] is finite, else -inf. Between same-time rows these hold for every neuron but the
// n_pending_ listed in pending_ (marked in listed_, every other mark 0), whose re-predictions are still to come.
// Same-time rows (population::defer_predictions): while the simulator says another row for this population
// follows at the same time, a row's listed targets join those of the instant's earlier rows (each neuron once,
// marked in listed_) and are re-predicted once, from the state after the instant's last row
// (finish_predictions): a dense row's re-predictions and heap work then cost once per instant, not once per row.
// A row that leaves a listed neuron at or above its threshold ends the deferral at once, so that a crossing at
// that very time fires before the instant's later rows, as row by row.
// Delivery (deliver_row) runs two inputs at a time as SIMD lanes (models/simd_lanes.hpp), or four where the CPU
// has AVX2 (chosen once, at construction), with the same IEEE operations as one at a time, so spike times do not
// depend on the lane count or the CPU.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/membrane_kick.hpp"
#include "engine/membrane_view.hpp"
#include "engine/population.hpp"
#include "engine/wakeup_heap.hpp"
#include "engine/rebase_grid.hpp"
#include "models/simd_lanes.hpp"
#include "models/spiking_params.hpp"
#include "models/stepped_lif.hpp"

namespace evsnn {

template <class Kernel>
class exact_lif final : public population, public membrane_view, public membrane_kick {
 public:
  exact_lif(std::string name, std::uint32_t size, Kernel kernel, spiking_params params)
      : population(std::move(name), size),
        k_(kernel),
        params_(std::move(params)),
        p_(size),
        q_(size),
        t_pred_(size),
        release_(size),
        deferred_state_(size),
        gate_(size),
        crossings_(size),
        clamp_(size),
        deferred_(size),
        pending_(size),
        listed_(size),
        predicted_(size),
        theta_(params_.threshold),
        n_spikes_(params_.max_spikes > 0 ? size : 0),
        uniform_threshold_(params_.max_spikes == 0 &&
                           std::adjacent_find(params_.threshold.begin(), params_.threshold.end(),
                                              std::not_equal_to<>()) == params_.threshold.end()),
        grid_(k_.rebase_period_ms()),
        wide_(cpu_has_wide_lanes()) {
    reset(0.0);
  }

  const char* model() const override { return Kernel::name; }
  const Kernel& crossing_kernel() const { return k_; }
  const spiking_params& params() const { return params_; }

  void reset(double t_ms) override {
    grid_.reset(t_ms);
    std::fill(p_.begin(), p_.end(), 0.0);
    std::fill(q_.begin(), q_.end(), 0.0);
    std::fill(t_pred_.begin(), t_pred_.end(), inf);
    std::fill(release_.begin(), release_.end(), -inf);
    std::fill(gate_.begin(), gate_.end(), -inf);
    std::fill(clamp_.begin(), clamp_.end(), 0);
    std::fill(deferred_.begin(), deferred_.end(), 0);
    std::copy(params_.threshold.begin(), params_.threshold.end(), theta_.begin());
    std::fill(n_spikes_.begin(), n_spikes_.end(), 0);
    crossings_.clear();
    ++version_;
    queued_ms_ = inf;
    n_clamped_ = 0;
    std::fill(listed_.begin(), listed_.end(), 0);
    n_pending_ = 0;
    defer_ = false;
  }

  void deliver_dense(double t_ms, std::span<const double> w, float scale) override {
    deliver<true>(t_ms, {}, w, scale);
  }

  void deliver_sparse(double t_ms, std::span<const std::uint32_t> post, std::span<const double> w,
                      float scale) override {
    deliver<false>(t_ms, post, w, scale);
  }

  bool defers_predictions() const override { return deferral_; }
  void defer_predictions() override { defer_ = true; }
  void finish_predictions() override {
    defer_ = false;
    if (n_pending_ > 0) repredict_pending();
  }

  void wakeup(double t_ms, std::uint32_t, std::uint32_t version) override {
    finish_predictions();  // (none are left by the simulator's protocol; for any other caller)
    if (version != version_) {
      ++counters().stale_wakeups;
      return;
    }
    queued_ms_ = inf;
    const frame f = advance_to(t_ms);
    // Every neuron predicted to cross now fires, in neuron order.
    while (resolve_front(), !crossings_.empty() && crossings_.top_time() <= t_ms) {
      const std::uint32_t i = crossings_.top();
      crossings_.pop();
      fire(i, t_ms, f);
    }
    sync_wakeup();
  }

  double potential(std::uint32_t i, double t_ms) const override {
    const double dt = t_ms - grid_.t_ref();
    if (clamp_[i]) {
      if (t_ms < release_[i]) return 0.0;
      return k_.value_at(released_p(q_[i], i), q_[i], dt);
    }
    return k_.value_at(p_[i], q_[i], dt);
  }

  // Time-stepped twin: the same (v, I) dynamics with the exact 2x2 per-step propagator (stepped_lif).
  std::unique_ptr<stepped_population> make_stepped(double dt_ms) const override {
    return std::make_unique<stepped_lif>(name(), Kernel::name, size(), dt_ms, k_.inv_tau_mem, k_.inv_tau_syn, k_.norm,
                                         params_);
  }

  // membrane_view: what rules may know of this model.
  const membrane_view* membrane() const override { return this; }
  psp_kernel kernel() const override { return {k_.inv_tau_mem, k_.inv_tau_syn, k_.norm}; }
  std::span<const double> thresholds() const override { return params_.threshold; }
  reset_kind spike_reset() const override {
    return params_.reset == reset_mode::subtract ? reset_kind::subtract : reset_kind::zero;
  }
  double refractory_ms() const override { return params_.refractory_ms; }
  double membrane_potential(std::uint32_t i, double t_ms) const override { return potential(i, t_ms); }

  // Synaptic current of neuron i at t_ms (>= the last event), in the units of tau_mem du/dt = -u + I
  // (the sum of the inputs' weights, each decayed by e^{-(t-t_j)/tau_syn}). At a threshold crossing
  // du/dt = (I - theta)/tau_mem, the quantity exact spike-time gradients divide by.
  double synaptic_current(std::uint32_t i, double t_ms) const override {
    return k_.current_at(q_[i], t_ms - grid_.t_ref());
  }

  // membrane_kick: u_i += dv[i] at t_ms (p += dv e^{(t-T)/tau_mem}, as the subtractive reset in both
  // kernels), then the threshold is re-tested: at or above it the crossing is t_ms itself and the
  // wakeup fires the neuron now; otherwise the next crossing is re-predicted. A lowered neuron without
  // a pending crossing cannot gain one, so only pending or raised neurons are re-predicted.
  membrane_kick* kickable() override { return this; }
  void kick(std::span<const double> dv, double t_ms) override {
    finish_predictions();
    const frame f = advance_to(t_ms);
    const std::uint32_t n = std::min<std::uint32_t>(size(), static_cast<std::uint32_t>(dv.size()));
    // As a dense row: every kick first, listing the neurons whose prediction may change, then their
    // re-predictions and the heap's changes at once.
    std::uint32_t* out = pending_.data();
    std::size_t m = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      const double d = dv[i];
      if (d == 0.0) continue;
      if (clamp_[i]) {
        apply_clamp(i, t_ms);
        if (clamp_[i]) continue;  // held at rest until release
      }
      p_[i] += d * f.em;
      ++counters().neuron_updates;
      out[m] = i;
      m += static_cast<std::size_t>(may_change(p_[i], q_[i], d, gate_[i], theta_[i], 1.0, f) & 1);
    }
    repredict_listed<true>(t_ms, f, m, false);
  }

  // Next predicted crossing of neuron i (+inf if none); for tests and tools.
  double predicted_crossing(std::uint32_t i) const { return deferred_[i] ? resolved(i) : t_pred_[i]; }

  // Rows four inputs at a time (where the CPU has AVX2, the default) or two; for tests, which run both and
  // compare the bits.
  void set_wide_lanes(bool wide) { wide_ = wide && cpu_has_wide_lanes(); }
  // Whether same-time rows may share their re-predictions (defers_predictions; the default); for tests, which
  // compare with row by row. Read by a simulator when it is built.
  void set_deferral(bool on) { deferral_ = on; }

 private:
  static constexpr double inf = std::numeric_limits<double>::infinity();

  using frame = typename Kernel::frame;
  using local = typename Kernel::local;

  // Moves the reference time on its grid (engine/rebase_grid.hpp), then the frame at t_ms.
  frame advance_to(double t_ms) {
    grid_.advance(t_ms, [&] {
      k_.rebase(grid_.period_ms(), p_, q_);
      return rebase_grid::flush_tiny(p_) & rebase_grid::flush_tiny(q_);
    });
    return k_.at(t_ms - grid_.t_ref());
  }

  // p that makes u = 0 at release_[i] for synaptic state q. A neuron released only at its next input after a
  // long silence has its release far before T, where the exponential overflows; its current has long been
  // flushed to 0 by then (engine/rebase_grid.hpp), and so is the p (0, not 0 * inf).
  double released_p(double q, std::uint32_t i) const {
    return q == 0.0 ? 0.0 : k_.zero_p_at(q, release_[i] - grid_.t_ref());
  }

  // Releases held neuron i at t_ms when its refractory period is over: u = 0 at release_. p, q and gate are
  // p_, q_ and gate_, or deliver_row's restrict pointers to them.
  __attribute__((always_inline)) void apply_clamp(std::uint32_t i, double t_ms, double* p, const double* q,
                                                  double* gate) {
    if (clamp_[i] && t_ms >= release_[i]) {
      p[i] = released_p(q[i], i);
      clamp_[i] = 0;
      --n_clamped_;
      gate[i] = t_pred_[i] != inf ? inf : -inf;
    }
  }
  void apply_clamp(std::uint32_t i, double t_ms) { apply_clamp(i, t_ms, p_.data(), q_.data(), gate_.data()); }

  // deliver_row for the population's current case: held neurons or none, one threshold or several; four
  // lanes where the CPU allows.
  template <bool Dense>
  void deliver(double t_ms, std::span<const std::uint32_t> post, std::span<const double> w, float scale) {
    const auto run = [&](auto uniform, auto clamping) {
      constexpr bool u = decltype(uniform)::value, c = decltype(clamping)::value;
#ifdef EVSNN_WIDE_LANES
      if (wide_) return deliver_wide<Dense, u, c>(t_ms, post, w, scale);
#endif
      deliver_narrow<Dense, u, c>(t_ms, post, w, scale);
    };
    if (n_clamped_ > 0) {
      if (uniform_threshold_)
        run(std::true_type{}, std::true_type{});
      else
        run(std::false_type{}, std::true_type{});
    } else if (uniform_threshold_) {
      run(std::true_type{}, std::false_type{});
    } else {
      run(std::false_type{}, std::false_type{});
    }
  }
  // One function per case, so that each inlines its own crossing code.
  template <bool Dense, bool Uniform, bool Clamping>
  __attribute__((noinline)) void deliver_narrow(double t_ms, std::span<const std::uint32_t> post,
                                                std::span<const double> w, float scale) {
    deliver_row<Dense, Uniform, Clamping, 2>(t_ms, post, w, scale);
  }
#ifdef EVSNN_WIDE_LANES
  // The same compiled for AVX2: deliver_row is inlined here, so its code (pass 2 too) uses the wider ISA.
  template <bool Dense, bool Uniform, bool Clamping>
  __attribute__((target("avx2"), noinline)) void deliver_wide(double t_ms, std::span<const std::uint32_t> post,
                                                              std::span<const double> w, float scale) {
    deliver_row<Dense, Uniform, Clamping, 4>(t_ms, post, w, scale);
  }
#endif

  // One row of input at t_ms: weight w[k] to neuron k (Dense) or post[k]. Pass 1 adds every input and lists
  // in pending_, in row order, the targets whose prediction may change (may_change). It runs Lanes inputs at a
  // time (four, then two for the row's end, in deliver_wide; two in deliver_narrow) and has no data-dependent
  // branch (the list grows by a 0/1 flag): these outcomes are unpredictable, and mispredicted branches cost
  // more than the arithmetic. Pass 2 re-predicts the listed targets from their state after the whole row (a
  // target listed twice, a multapse, is re-predicted twice from the same state). A sparse group naming one
  // neuron twice runs one input after another.
  // Clamping (some neuron is held at rest, its gate_ NaN): a group with a held neuron runs one input after
  // another, each releasing its neuron first when its refractory period is over (as apply_clamp) and testing a
  // neuron still held with may_change_held. The rest, most groups, take the lanes.
  template <bool Dense, bool Uniform, bool Clamping, int Lanes>
  __attribute__((always_inline)) void deliver_row(double t_ms, std::span<const std::uint32_t> post,
                                                  std::span<const double> w, float scale) {
    static_assert(Lanes == 2 || Lanes == 4);
    const frame f = advance_to(t_ms);
    const std::size_t n = w.size();
    const double cp = static_cast<double>(scale) * f.cp;
    const double cq = static_cast<double>(scale) * f.cq;
    const double sgn = scale > 0.0f ? 1.0 : (scale < 0.0f ? -1.0 : 0.0);
    // The list continues that of the instant's deferred rows (n_pending_ of them, each neuron once).
    const std::size_t first = n_pending_;
    // Only a sparse row with multapses, or a row after deferred ones, outgrows size().
    if (pending_.size() < first + n) pending_.resize(first + n);
    double* __restrict p = p_.data();
    double* __restrict q = q_.data();
    double* __restrict gate = gate_.data();  // written only where a held neuron is released
    const double* __restrict th = theta_.data();
    const double* __restrict wp = w.data();
    const std::uint32_t* __restrict ix = post.data();
    std::uint32_t* __restrict out = pending_.data();
    const double th0 = Uniform && n > 0 ? th[0] : 0.0;  // every neuron's threshold when Uniform
    std::size_t m = first;
    // One input at a time (the row's odd end, a group naming one neuron twice); returns the list's new length.
    // Inlined, so that the lane loop makes no call (a call would spill every loop constant each iteration).
    const auto one = [&](std::size_t k, std::size_t listed) __attribute__((always_inline)) {
      const std::uint32_t j = Dense ? static_cast<std::uint32_t>(k) : ix[k];
      const double wj = wp[k];
      if constexpr (Clamping)
        if (std::isnan(gate[j])) apply_clamp(j, t_ms, p, q, gate);
      const double pj = p[j] + wj * cp, qj = q[j] + wj * cq;
      p[j] = pj;
      q[j] = qj;
      out[listed] = j;
      if constexpr (Clamping)
        if (std::isnan(gate[j]))
          return listed + static_cast<std::size_t>(may_change_held(j, qj, wj, th[j], sgn, f));
      return listed + static_cast<std::size_t>(may_change(pj, qj, wj, gate[j], th[j], sgn, f) & 1);
    };
    // Inputs as lanes of V (double4 or double2, N of them) from k on, until fewer than N remain. The lane loop
    // leaves for the groups that run one input after another (a sparse group naming one neuron twice: rows are
    // in CSR order, so repeats are adjacent; a held neuron), so that their code (the release calls exp) stays out
    // of it and does not spill its registers.
    std::size_t k = 0;
    const auto lanes = [&]<class V>(V) __attribute__((always_inline)) {
      constexpr std::size_t N = sizeof(V) / sizeof(double);
      const auto singly = [&] __attribute__((always_inline)) {
        for (std::size_t l = 0; l < N; ++l) m = one(k + l, m);
      };
      const V cpv = V{} + cp, cqv = V{} + cq, thv = V{} + th0;
      for (;; singly(), k += N) {  // after each group that left the lane loop
        for (; k + N <= n; k += N) {
          std::uint32_t j[N];
          V gk;
          if constexpr (Dense) {
            for (std::size_t l = 0; l < N; ++l) j[l] = static_cast<std::uint32_t>(k + l);
            gk = load_lanes<V>(gate + k);
          } else {
            bool repeat = false;
            for (std::size_t l = 0; l < N; ++l) j[l] = ix[k + l];
            for (std::size_t l = 1; l < N; ++l) repeat |= j[l - 1] == j[l];
            if (repeat) [[unlikely]] {
              if constexpr (Clamping) break;
              singly();
              continue;
            }
            for (std::size_t l = 0; l < N; ++l) gk[l] = gate[j[l]];
          }
          if constexpr (Clamping) {
            const auto held = gk != gk;
            bool any = false;
            for (std::size_t l = 0; l < N; ++l) any |= held[l] != 0;
            if (any) [[unlikely]]
              break;
          }
          const V wk = load_lanes<V>(wp + k);
          V pk, qk, hk = thv;
          if constexpr (Dense) {
            pk = load_lanes<V>(p + k);
            qk = load_lanes<V>(q + k);
            if constexpr (!Uniform) hk = load_lanes<V>(th + k);
          } else {
            for (std::size_t l = 0; l < N; ++l) {
              pk[l] = p[j[l]];
              qk[l] = q[j[l]];
              if constexpr (!Uniform) hk[l] = th[j[l]];
            }
          }
          pk += wk * cpv;
          qk += wk * cqv;
          if constexpr (Dense) {
            store_lanes(p + k, pk);
            store_lanes(q + k, qk);
          } else {
            for (std::size_t l = 0; l < N; ++l) {
              p[j[l]] = pk[l];
              q[j[l]] = qk[l];
            }
          }
          const auto flag = may_change(pk, qk, wk, gk, hk, sgn, f);
          for (std::size_t l = 0; l < N; ++l) {
            out[m] = j[l];
            m += static_cast<std::size_t>(flag[l] & 1);
          }
        }
        if (k + N > n) break;
      }
    };
    if constexpr (Lanes == 4) lanes(double4{});
    lanes(double2{});
    if (k < n) m = one(k, m);
    counters().neuron_updates += n;
    const bool merged = defer_ || first > 0;
    if (merged) m = merge_listed(out, first, m);
    if (defer_) {
      if (!at_threshold(out, m, f)) {
        n_pending_ = m;
        pending_t_ms_ = t_ms;
        pending_f_ = f;
        return;
      }
      defer_ = false;
    }
    n_pending_ = 0;
    repredict_listed<Dense>(t_ms, f, m, merged);
  }

  // Pass 2 for the deferred rows' list (finish_predictions), out of line: the callers run it rarely.
  __attribute__((noinline)) void repredict_pending() {
    const std::size_t m = n_pending_;
    n_pending_ = 0;
    repredict_listed<true>(pending_t_ms_, pending_f_, m, true);
  }

  // Drops from out[first, m) the neurons listed already (marked in listed_) and marks the rest; returns the
  // list's new length. Branch-free: whether a neuron was listed is unpredictable.
  std::size_t merge_listed(std::uint32_t* __restrict out, std::size_t first, std::size_t m) {
    std::uint8_t* __restrict mark = listed_.data();
    std::size_t u = first;
    for (std::size_t i = first; i < m; ++i) {
      const std::uint32_t j = out[i];
      out[u] = j;
      u += static_cast<std::size_t>(mark[j] ^ 1);
      mark[j] = 1;
    }
    return u;
  }

  // Whether a listed neuron is at or above its threshold now (its re-prediction would be a crossing now, which
  // must fire before the instant's later rows). A held neuron's state may be stale: it only ends the deferral.
  __attribute__((always_inline)) bool at_threshold(const std::uint32_t* out, std::size_t m, const frame& f) const {
    bool any = false;
    for (std::size_t i = 0; i < m; ++i) {
      const std::uint32_t j = out[i];
      any |= k_.potential(k_.state(p_[j], q_[j], f)) >= theta_[j];
    }
    return any;
  }

  // Pass 2: re-predicts the m listed targets out of pending_ from their state at t_ms (frame f) and keeps the
  // earliest crossing queued. Merged: the list came through merge_listed, whose marks are cleared here.
  template <bool Dense>
  __attribute__((always_inline)) void repredict_listed(double t_ms, const frame& f, std::size_t m, bool merged) {
    const std::uint32_t* __restrict out = pending_.data();
    if (merged)
      for (std::size_t i = 0; i < m; ++i) listed_[out[i]] = 0;
    // Pass 2 in two loops: the predictions first (independent of each other, so their long arithmetic chains
    // overlap), then the heap updates.
    if (predicted_.size() < m) predicted_.resize(m);
    double* __restrict tp = predicted_.data();
    for (std::size_t i = 0; i < m; ++i) tp[i] = predict(out[i], t_ms, f);
    counters().crossing_predictions += m;
    // A dense row that moves at least half as many heap entries as the heap holds: staged, and the heap
    // rebuilt once in O(size) rather than sifted per change (sparse rows keep the per-change path, inlined).
    std::size_t moved = 0;
    if constexpr (Dense)
      if (m >= 32 && 2 * m >= crossings_.size())
        for (std::size_t i = 0; i < m; ++i) moved += tp[i] != t_pred_[out[i]];
    if (moved >= 32 && 2 * moved >= crossings_.size()) {
      for (std::size_t i = 0; i < m; ++i) set_prediction<true>(out[i], tp[i]);
      crossings_.rebuild();
    } else {
      for (std::size_t i = 0; i < m; ++i) set_prediction(out[i], tp[i]);
    }
    sync_wakeup();
  }

  // Whether an input w (or a kick of w) that left a neuron at (p, q), not held at rest, may change its
  // prediction (per lane for double2): a crossing was pending (gate +inf), or the input is excitatory and a
  // crossing is now possible (at or above threshold now, or the kernel's may_cross). In a refractory period
  // (reset "subtract", or the instant after a spike) the neuron integrates freely and only its firing waits:
  // a trajectory that never reaches threshold has no crossing after the release either.
  template <class T>
  __attribute__((always_inline)) auto may_change(T p, T q, T w, T gate, T theta, double sgn, const frame& f) const {
    const auto x = k_.state(p, q, f);
    const auto possible = (k_.potential(x) >= theta) | k_.may_cross(x, theta);
    return (gate == inf) | ((w * sgn > 0.0) & possible);
  }
  // The same for a neuron held at rest until its release (reset "zero" with a refractory period), its
  // synaptic current now q. After the release it starts from u = 0 with the current decayed since now, so its
  // potential stays at or below that of a free neuron starting from u = 0 with the current now (a positive
  // current only decays; a negative one never lifts u above 0): where the kernel's may_cross rules that out,
  // against a threshold lowered by 1e-9 (relative) to cover the roundings of the two states, so does the
  // exact prediction from the release.
  bool may_change_held(std::uint32_t i, double q, double w, double theta, double sgn, const frame& f) const {
    if (t_pred_[i] != inf) return true;
    if (!(w * sgn > 0.0)) return false;
    if (theta <= 0.0) return true;
    return k_.may_cross(k_.state(k_.zero_p(q, f), q, f), theta * (1.0 - 1e-9));
  }

  void repredict(std::uint32_t i, double t_ms, const frame& f) {
    ++counters().crossing_predictions;
    set_prediction(i, predict(i, t_ms, f));
  }

  template <bool Staged = false>
  __attribute__((always_inline)) void set_prediction(std::uint32_t i, double tp) {
    if (tp != t_pred_[i]) {
      t_pred_[i] = tp;
      if constexpr (Staged)
        crossings_.stage(i, tp);
      else
        crossings_.set(i, tp);
    }
    gate_[i] = clamp_[i] ? std::numeric_limits<double>::quiet_NaN() : (tp != inf ? inf : -inf);
  }

  // Replaces deferred front entries by their crossings until the front is exact (each moves later or leaves).
  void resolve_front() {
    while (!crossings_.empty() && deferred_[crossings_.top()]) {
      const std::uint32_t i = crossings_.top();
      deferred_[i] = 0;
      set_prediction(i, resolved(i));
    }
  }

  // Keeps the earliest predicted crossing queued: a new wakeup only when it moved earlier.
  void sync_wakeup() {
    resolve_front();
    const double top = crossings_.top_time();
    if (top < queued_ms_) {
      queued_ms_ = top;
      port().schedule_wakeup(id(), 0, top, ++version_);
    }
  }

  void fire(std::uint32_t i, double t_ms, const frame& f) {
    apply_clamp(i, t_ms);
    const double theta = params_.threshold[i];
    if (params_.reset == reset_mode::subtract)
      p_[i] -= theta * f.em;
    else
      p_[i] = k_.zero_p(q_[i], f);
    // At most one spike per instant: a neuron still at threshold after its spike (no refractory period, an
    // input far above threshold) fires again at the next representable time, not at the same one, so the
    // events of one instant stay finite (a runaway neuron cannot pile same-time events without bound).
    release_[i] = std::max(t_ms + params_.refractory_ms, std::nextafter(t_ms, inf));
    if (params_.reset == reset_mode::zero && params_.refractory_ms > 0.0) {
      clamp_[i] = 1;
      ++n_clamped_;
    }
    ++counters().neuron_updates;
    if (!n_spikes_.empty() && ++n_spikes_[i] == params_.max_spikes) theta_[i] = inf;
    t_pred_[i] = inf;
    repredict(i, t_ms, f);
    port().emit_spike(id(), i, t_ms, 1.0f);
  }

  // Neuron i's next crossing from its state at t_ms: the crossing time, or (deferred_[i] set, the state kept
  // in deferred_state_[i]) a lower bound of it, finite exactly when the crossing is.
  __attribute__((always_inline)) double predict(std::uint32_t i, double t_ms, const frame& f) {
    double t0 = t_ms;
    local x;
    if (release_[i] > t_ms) {
      t0 = release_[i];
      x = k_.state_at(p_[i], q_[i], t0 - grid_.t_ref(), clamp_[i] != 0);
    } else {
      x = k_.state(p_[i], q_[i], f);
    }
    const double theta = theta_[i];
    deferred_[i] = 0;
    if (k_.potential(x) >= theta) return t0;
    bool exact;
    double hint;
    const double s = k_.crossing_bound(x, theta, exact, hint);
    if (s == inf) return inf;
    if (!exact) {
      deferred_[i] = 1;
      deferred_state_[i] = {x, t0, hint};
    }
    return t0 + s;
  }

  // The crossing a deferred prediction of neuron i stands for (what predict would have returned).
  double resolved(std::uint32_t i) const {
    const deferred_prediction& d = deferred_state_[i];
    return d.t0 + k_.resolve(d.x, theta_[i], d.hint);
  }

  Kernel k_;
  spiking_params params_;
  std::vector<double> p_, q_, t_pred_, release_;
  struct deferred_prediction {
    local x;    // the state at t0
    double t0;  // time of the prediction (the release time when it was made in a refractory period)
    double hint;  // the bound's by-product from which Kernel::resolve finishes the crossing
  };
  std::vector<deferred_prediction> deferred_state_;
  // Per neuron, what deliver_row's lanes read of clamp_ and t_pred_ in one load: NaN while held at rest, else
  // +inf while a crossing is pending, else -inf (set wherever either changes: reset, set_prediction, the
  // releases).
  std::vector<double> gate_;
  wakeup_heap crossings_;
  std::uint32_t version_ = 0;  // of the queued wakeup
  double queued_ms_ = inf;     // time of the queued wakeup (+inf: none)
  std::vector<std::uint8_t> clamp_;
  std::vector<std::uint8_t> deferred_;  // t_pred_ is a lower bound (deferred_state_ gives the crossing)
  std::vector<std::uint32_t> pending_;  // deliver_row's targets to re-predict (n_pending_ left by deferred rows)
  std::vector<std::uint8_t> listed_;    // marks of the neurons in a merged list (all 0 outside merge..repredict)
  std::size_t n_pending_ = 0;           // targets listed by this instant's deferred rows, not yet re-predicted
  double pending_t_ms_ = 0.0;           // their time, and its frame
  frame pending_f_{};
  bool defer_ = false;                  // the simulator said another row follows at this time
  std::vector<double> predicted_;       // scratch for deliver_row: their new crossings
  std::vector<double> theta_;           // the threshold crossings are tested against (+inf: capped)
  std::vector<std::uint32_t> n_spikes_; // spikes since reset (only with a spike cap)
  bool uniform_threshold_;              // no cap, every neuron has the same threshold (deliver_row need not gather it)
  std::uint32_t n_clamped_ = 0;
  rebase_grid grid_;  // the reference time T of p_, q_
  bool wide_;         // rows in four lanes (deliver_wide)
  bool deferral_ = true;
};

}  // namespace evsnn
