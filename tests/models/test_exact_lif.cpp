// exact_lif row delivery: a row delivered in one call (two inputs at a time as SIMD lanes, a pair naming one
// neuron twice one input after the other, an odd row's last input alone) gives bit-identical spike times to
// the same inputs delivered one per call, for dense and sparse rows, both kernels, mixed signs, per-neuron
// thresholds, refractory clamps and pending crossings.
// Deferred crossings: each kernel's crossing_bound stays at or below its crossing as computed and is finite
// exactly when it is, and resolve from its hint gives the crossing's bits; neurons whose bounds interleave
// with other neurons' crossings fire at their crossings' exact bits, in (time, neuron) order.
// Refractory periods (reset "subtract", and "zero" holding the neuron at rest): after every row of 400 random
// ones, each neuron's predicted crossing is an independent long double integrator's next spike, and every
// spike is the integrator's within 1e-9 ms, for both kernels, dense and sparse rows and two refractory periods
// (a prediction skipped where the release is followed by a crossing leaves a stale one).
// A neuron held at rest (reset "zero") through a silence of 1 s to 1000 s answers its next input as from
// rest (its release used to compute 0 * inf, a NaN that silenced it for good).
// Rows four inputs at a time (AVX2), dense and sparse, give the bits and counters of two at a time.
// Same-time rows re-predicted once after the instant's last row (population::defer_predictions) give the
// spikes of re-predicting after every row, bit for bit, with fewer predictions, also where an instant's
// arrivals alternate between two populations; a deferred row that leaves a listed neuron at threshold
// re-predicts at once.
// Spike cap (max_spikes): each neuron keeps exactly its first K spikes of the uncapped run, bit for bit, in
// both samples of a two-sample run (the count resets), and the time-stepped twin caps the same way.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "engine/network.hpp"
#include "engine/rng.hpp"
#include "engine/simulator.hpp"
#include "engine/stepped_simulator.hpp"
#include "models/cuba_lif.hpp"
#include "models/lif_alpha.hpp"
#include "models/spike_source.hpp"

using namespace evsnn;

namespace {

constexpr std::uint32_t n_post = 7;  // odd: every dense row ends with one input alone

spiking_params params(std::uint64_t seed, reset_mode reset) {
  rng r(seed);
  spiking_params p;
  for (std::uint32_t i = 0; i < n_post; ++i) p.threshold.push_back(r.uniform(0.6, 1.2));
  p.reset = reset;
  p.refractory_ms = reset == reset_mode::zero ? 2.0 : 0.0;
  return p;
}

std::unique_ptr<population> make(bool alpha, std::uint64_t seed, reset_mode reset) {
  if (alpha) return std::make_unique<lif_alpha>("t", n_post, alpha_kernel(20.0), params(seed, reset));
  return std::make_unique<cuba_lif>("t", n_post, exp_kernel(10.0, 3.0), params(seed, reset));
}

struct row {
  double t_ms;
  std::vector<std::uint32_t> post;  // ascending, ties adjacent (CSR order)
  std::vector<double> w;
};

// Rows at distinct random times; dense: every row holds each target once; sparse: random targets with
// repeats (multapses), some rows empty.
std::vector<row> make_rows(std::uint64_t seed, bool dense) {
  rng r(seed);
  std::vector<row> rows;
  for (int k = 0; k < 300; ++k) {
    row x;
    x.t_ms = r.uniform(0.0, 200.0);
    const std::uint32_t len = dense ? n_post : static_cast<std::uint32_t>(r.below(10));
    for (std::uint32_t i = 0; i < len; ++i) x.post.push_back(dense ? i : static_cast<std::uint32_t>(r.below(n_post)));
    std::sort(x.post.begin(), x.post.end());
    for (std::uint32_t i = 0; i < len; ++i) x.w.push_back(r.normal(0.25, 0.45));
    rows.push_back(std::move(x));
  }
  return rows;
}

// one_per_call: every input is its own source neuron, fired at its row's time, in row order (same-time
// arrivals apply in source order), so each delivery is a row of one.
network make_net(std::unique_ptr<population> target, const std::vector<row>& rows, bool one_per_call) {
  std::vector<input_event> events;
  std::vector<synapse_triplet> syn;
  for (const row& x : rows) {
    if (!one_per_call) events.push_back({x.t_ms, static_cast<std::uint32_t>(events.size()), 1.0f});
    for (std::size_t i = 0; i < x.post.size(); ++i) {
      if (one_per_call) events.push_back({x.t_ms, static_cast<std::uint32_t>(events.size()), 1.0f});
      syn.push_back({static_cast<std::uint32_t>(events.size() - 1), x.post[i], x.w[i]});
    }
  }
  const auto n_in = static_cast<std::uint32_t>(events.size());
  network net;
  net.add_population(spike_source::replay("in", n_in, std::move(events)));
  net.add_population(std::move(target));
  net.add_projection(projection("in->t", 0, 1, n_in, n_post, 0.0, false, std::move(syn)));
  return net;
}

std::vector<spike_record> run(std::unique_ptr<population> target, const std::vector<row>& rows, bool one_per_call) {
  network net = make_net(std::move(target), rows, one_per_call);
  simulator sim(net, 1);
  sim.run(220.0);
  std::vector<spike_record> out;
  for (const spike_record& s : sim.spikes())
    if (s.population == 1) out.push_back(s);
  return out;
}

}  // namespace

TEST_CASE("exact_lif: a row in one call spikes at the same bits as its inputs one per call") {
  for (const bool alpha : {true, false})
    for (const bool dense : {true, false})
      for (const reset_mode reset : {reset_mode::subtract, reset_mode::zero})
        for (std::uint64_t seed = 1; seed <= 3; ++seed) {
          CAPTURE(alpha);
          CAPTURE(dense);
          CAPTURE(seed);
          const auto rows = make_rows(seed, dense);
          const auto whole = run(make(alpha, seed, reset), rows, false);
          const auto single = run(make(alpha, seed, reset), rows, true);
          CHECK(whole.size() >= 20);
          REQUIRE(whole.size() == single.size());
          for (std::size_t k = 0; k < whole.size(); ++k) {
            CHECK(whole[k].neuron == single[k].neuron);
            CHECK(whole[k].time_ms == single[k].time_ms);  // bit-identical
          }
        }
}

TEST_CASE("exact_lif: dense rows are delivered as dense and sparse ones with multapses in pairs") {
  // The cases above exercise what they claim: dense rows make a dense projection, and the sparse rows hold
  // pairs naming one neuron twice at even offsets (one input after the other) and at odd ones.
  const auto rows = make_rows(1, false);
  bool even_pair = false, odd_pair = false;
  for (const row& x : rows)
    for (std::size_t i = 0; i + 1 < x.post.size(); ++i)
      if (x.post[i] == x.post[i + 1]) (i % 2 == 0 ? even_pair : odd_pair) = true;
  CHECK(even_pair);
  CHECK(odd_pair);
  std::vector<synapse_triplet> syn;
  for (std::uint32_t i = 0; i < n_post; ++i) syn.push_back({0, i, 0.5});
  CHECK(projection("p", 0, 1, 1, n_post, 0.0, false, syn).dense());
}

namespace {

// Rows into n neurons of which kernel, reset and thresholds, with four lanes or two (set_wide_lanes): the
// spikes and the population's counters. Dense: every row holds each neuron once; sparse: 0 to 2n random targets
// in CSR order, repeats (multapses) adjacent.
template <class Kernel>
std::pair<std::vector<spike_record>, population_counters> run_lanes(Kernel kernel, std::uint32_t n, reset_mode reset,
                                                                    bool uniform, bool dense, bool wide,
                                                                    std::uint64_t seed) {
  rng r(seed);
  spiking_params p;
  for (std::uint32_t i = 0; i < n; ++i) p.threshold.push_back(uniform ? 0.9 : r.uniform(0.6, 1.2));
  p.reset = reset;
  p.refractory_ms = reset == reset_mode::zero ? 2.0 : 0.0;
  auto target = std::make_unique<exact_lif<Kernel>>("t", n, kernel, p);
  target->set_wide_lanes(wide);
  std::vector<input_event> events;
  std::vector<synapse_triplet> syn;
  for (std::uint32_t k = 0; k < 300; ++k) {
    // Every fourth row at the previous one's time: same-time rows too.
    const double t = k % 4 == 3 ? events.back().time_ms : r.uniform(0.0, 200.0);
    events.push_back({t, k, 1.0f});
    std::vector<std::uint32_t> post;
    const std::uint32_t len = dense ? n : static_cast<std::uint32_t>(r.below(2 * n + 1));
    for (std::uint32_t i = 0; i < len; ++i) post.push_back(dense ? i : static_cast<std::uint32_t>(r.below(n)));
    std::sort(post.begin(), post.end());
    for (const std::uint32_t i : post) syn.push_back({k, i, r.normal(dense ? 0.2 : 0.15, 0.45)});
  }
  std::sort(events.begin(), events.end(), [](const input_event& a, const input_event& b) {
    return a.time_ms < b.time_ms || (a.time_ms == b.time_ms && a.channel < b.channel);
  });
  network net;
  net.add_population(spike_source::replay("in", 300, std::move(events)));
  net.add_population(std::move(target));
  net.add_projection(projection("in->t", 0, 1, 300, n, 0.0, false, std::move(syn)));
  simulator sim(net, 1);
  sim.run(220.0);
  return {sim.spikes(), sim.counters().populations[1]};
}

}  // namespace

TEST_CASE("exact_lif: rows in four lanes spike at the bits of two lanes") {
  if (!cpu_has_wide_lanes()) MESSAGE("this CPU has no AVX2: both runs take two lanes");
  // Dense rows of 37 (nine quads and one input alone) and 6 (one quad and one pair); sparse rows of up to 74
  // and 12 targets with multapses inside quads; held neurons within quads (reset zero, 2 ms refractory), one
  // threshold and several.
  for (const bool alpha : {true, false})
    for (const bool dense : {true, false})
      for (const std::uint32_t n : {37u, 6u})
        for (const reset_mode reset : {reset_mode::subtract, reset_mode::zero})
          for (const bool uniform : {true, false}) {
            CAPTURE(alpha);
            CAPTURE(dense);
            CAPTURE(n);
            CAPTURE(uniform);
            const std::uint64_t seed = 11 + n;
            const auto go = [&](bool wide) {
              return alpha ? run_lanes(alpha_kernel(20.0), n, reset, uniform, dense, wide, seed)
                           : run_lanes(exp_kernel(10.0, 3.0), n, reset, uniform, dense, wide, seed);
            };
            const auto wide = go(true);
            const auto narrow = go(false);
            CHECK(wide.first.size() >= 30);
            REQUIRE(wide.first.size() == narrow.first.size());
            for (std::size_t k = 0; k < wide.first.size(); ++k) {
              CHECK(wide.first[k].neuron == narrow.first[k].neuron);
              CHECK(std::bit_cast<std::uint64_t>(wide.first[k].time_ms) ==
                    std::bit_cast<std::uint64_t>(narrow.first[k].time_ms));
            }
            CHECK(wide.second.crossing_predictions == narrow.second.crossing_predictions);
            CHECK(wide.second.neuron_updates == narrow.second.neuron_updates);
          }
}

namespace {

// Checks one state: the bound is at or below the crossing, +inf exactly with it, and exact (equal) when flagged.
template <class Kernel>
void check_bound(const Kernel& k, const typename Kernel::local& x, double theta, std::size_t& finite,
                 std::size_t& deferred) {
  bool exact = false;
  double hint = 0.0;
  const double bound = k.crossing_bound(x, theta, exact, hint);
  const double s = k.crossing(x, theta);
  REQUIRE(std::isinf(bound) == std::isinf(s));
  if (exact) {
    REQUIRE(bound == s);
  } else {
    REQUIRE(bound <= s);
    REQUIRE(std::bit_cast<std::uint64_t>(k.resolve(x, theta, hint)) == std::bit_cast<std::uint64_t>(s));
  }
  REQUIRE(bound >= 0.0);
  if (!std::isinf(s)) ++finite;
  if (!exact) ++deferred;
}

}  // namespace

TEST_CASE("exact_lif: crossing_bound is a lower bound of the crossing, finite exactly when it is") {
  rng r(11);
  SUBCASE("alpha_kernel") {
    const alpha_kernel k(20.0);
    std::size_t finite = 0, deferred = 0;
    for (int n = 0; n < 200000; ++n) {
      const double theta = r.uniform(0.1, 2.0);
      const double A = r.uniform(-1.0, 5.0);
      double B;
      switch (n % 4) {
        case 0: B = r.uniform(-1.0, 6.0); break;                                     // anything
        case 1: B = A + theta * (1.0 - std::ldexp(r.uniform(), -static_cast<int>(r.below(50)))); break;  // y -> 1
        case 2: B = std::sqrt(4.0 * std::fabs(A) * theta) * (1.0 + r.uniform(-1e-9, 1e-9)); break;  // tangent
        default: B = r.uniform(0.0, 2.0 * std::fabs(A)); break;                       // vertex ahead
      }
      if (B - A >= theta) continue;  // crossing() requires u(0) < theta
      check_bound(k, {B, A}, theta, finite, deferred);
    }
    CHECK(finite > 20000);
    CHECK(deferred > 20000);
  }
  SUBCASE("exp_kernel") {
    for (const double tau_syn : {3.0, 10.0, 10.0 * (1.0 + 1e-12), 25.0}) {
      CAPTURE(tau_syn);
      const exp_kernel k(10.0, tau_syn);
      std::size_t finite = 0, deferred = 0;
      for (int n = 0; n < 20000; ++n) {
        const double theta = r.uniform(0.1, 2.0);
        const double v = n % 2 == 0 ? r.uniform(-2.0, theta) : theta * (1.0 - std::ldexp(r.uniform(), -static_cast<int>(r.below(45))));
        const double j = r.uniform(-1.0, 8.0);
        if (v >= theta) continue;
        check_bound(k, {v, j}, theta, finite, deferred);
      }
      CHECK(finite > 2000);
      CHECK(deferred > 2000);
    }
  }
}

TEST_CASE("exact_lif: deferred crossings fire at their exact bits in (time, neuron) order") {
  // One input at t = 0 to each of 64 resting neurons: u(s) = w kappa(s), whose crossing the kernel gives from
  // the state (B, A) = (w, w) (alpha) or (v, J) = (0, w) (exp). The weights put the crossings within 1e-3 ms
  // (several exactly equal), closer than the lower bounds are tight (0.09 ms for alpha), so every bound lies
  // below every crossing: the front is resolved entry by entry, and neuron order is not time order.
  constexpr std::uint32_t n = 64;
  const double theta = 1.0;
  for (const bool alpha : {true, false}) {
    CAPTURE(alpha);
    rng r(5);
    std::vector<double> w(n);
    for (std::uint32_t i = 0; i < n; ++i) w[i] = (alpha ? 4.6 : 6.5) + 1e-5 * static_cast<double>(r.below(16));
    std::vector<synapse_triplet> syn;
    for (std::uint32_t i = 0; i < n; ++i) syn.push_back({0, i, w[i]});
    spiking_params p;
    p.threshold.assign(n, theta);
    p.refractory_ms = 1000.0;  // one spike each
    network net;
    net.add_population(spike_source::replay("in", 1, {{0.0, 0, 1.0f}}));
    if (alpha)
      net.add_population(std::make_unique<lif_alpha>("t", n, alpha_kernel(20.0), p));
    else
      net.add_population(std::make_unique<cuba_lif>("t", n, exp_kernel(10.0, 3.0), p));
    net.add_projection(projection("in->t", 0, 1, 1, n, 0.0, false, std::move(syn)));
    simulator sim(net, 1);
    sim.run(100.0);
    std::vector<spike_record> out;
    for (const spike_record& s : sim.spikes())
      if (s.population == 1) out.push_back(s);
    REQUIRE(out.size() == n);
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint32_t i = out[k].neuron;
      const double expected = alpha ? alpha_kernel(20.0).crossing({w[i], w[i]}, theta)
                                    : exp_kernel(10.0, 3.0).crossing({0.0, w[i]}, theta);
      CHECK(out[k].time_ms == expected);
      if (k > 0) {
        const bool ordered = out[k - 1].time_ms < out[k].time_ms ||
                             (out[k - 1].time_ms == out[k].time_ms && out[k - 1].neuron < i);
        CHECK(ordered);
      }
    }
    // The bounds interleave: the earliest and latest crossings lie within what one bound leaves open.
    bool exact = false;
    double hint = 0.0;
    const double s0 = out.front().time_ms;
    const double b_last = alpha ? alpha_kernel(20.0).crossing_bound({w[out.back().neuron], w[out.back().neuron]}, theta, exact, hint)
                                : exp_kernel(10.0, 3.0).crossing_bound({0.0, w[out.back().neuron]}, theta, exact, hint);
    CHECK_FALSE(exact);
    CHECK(b_last < s0);
  }
}

namespace {

// 6 neurons, each driven by its own strong 1 kHz input for 60 ms so that it spikes many times per sample.
network capped_network(bool alpha, std::uint32_t max_spikes) {
  constexpr std::uint32_t n = 6;
  std::vector<input_event> events;
  for (int k = 0; k < 60; ++k)
    for (std::uint32_t i = 0; i < n; ++i) events.push_back({1.0 * k + 0.1 * i, i, 1.0f});
  std::vector<synapse_triplet> syn;
  for (std::uint32_t i = 0; i < n; ++i) syn.push_back({i, i, 0.6 + 0.1 * i});
  spiking_params p;
  p.threshold.assign(n, 1.0);
  p.max_spikes = max_spikes;
  network net;
  net.add_population(spike_source::replay("in", n, std::move(events)));
  if (alpha)
    net.add_population(std::make_unique<lif_alpha>("t", n, alpha_kernel(20.0), p));
  else
    net.add_population(std::make_unique<cuba_lif>("t", n, exp_kernel(10.0, 3.0), p));
  net.add_projection(projection("in->t", 0, 1, n, n, 0.0, false, std::move(syn)));
  return net;
}

// Per neuron, the spike times of population 1.
template <class Sim>
std::vector<std::vector<double>> per_neuron(const Sim& sim) {
  std::vector<std::vector<double>> out(6);
  for (const spike_record& s : sim.spikes())
    if (s.population == 1) out[s.neuron].push_back(s.time_ms);
  return out;
}

}  // namespace

TEST_CASE("exact_lif: a spike cap keeps each neuron's first max_spikes spikes, per sample") {
  constexpr std::uint32_t cap = 3;
  for (const bool alpha : {true, false}) {
    CAPTURE(alpha);
    network free_net = capped_network(alpha, 0);
    simulator free_sim(free_net, 1);
    free_sim.run(80.0);
    const auto free = per_neuron(free_sim);
    network net = capped_network(alpha, cap);
    simulator sim(net, 1);
    for (int sample = 0; sample < 2; ++sample) {
      CAPTURE(sample);
      sim.clear_spikes();
      sim.run(80.0);
      const auto capped = per_neuron(sim);
      for (std::uint32_t i = 0; i < 6; ++i) {
        REQUIRE(free[i].size() > cap + 2);
        REQUIRE(capped[i].size() == cap);
        for (std::uint32_t k = 0; k < cap; ++k) CHECK(capped[i][k] == free[i][k]);  // bit-identical
      }
    }
    // The declared thresholds (what rules read) are unchanged by the cap.
    for (const double th : net.pop(1).membrane()->thresholds()) CHECK(th == 1.0);
    // The time-stepped twin: at most cap spikes per neuron, and its uncapped twin has more.
    network stepped_net = capped_network(alpha, cap), stepped_free_net = capped_network(alpha, 0);
    stepped_simulator st(stepped_net, 0.1, 1), st_free(stepped_free_net, 0.1, 1);
    st.record_spikes(true);
    st_free.record_spikes(true);
    st.run(80.0);
    st_free.run(80.0);
    const auto stepped = per_neuron(st), stepped_free = per_neuron(st_free);
    for (std::uint32_t i = 0; i < 6; ++i) {
      CHECK(stepped[i].size() == cap);
      CHECK(stepped_free[i].size() > cap);
      for (std::uint32_t k = 0; k < cap; ++k) CHECK(stepped[i][k] == stepped_free[i][k]);
    }
  }
}

namespace {

// An independent integrator of one neuron (long double, closed form between inputs): tau_mem du/dt = -u + I,
// tau_syn dI/dt = -I, an input of weight w adds w to I. A crossing between two inputs is found by sampling
// u (and its one stationary point) and bisecting the first interval that reaches the threshold. Refractory
// period: no spike before the release; reset "zero" holds u at 0 until then, "subtract" integrates freely.
struct reference_neuron {
  long double tau_mem = 0.0L, tau_syn = 0.0L, theta = 0.0L, refractory = 0.0L;
  bool zero = false;
  long double u = 0.0L, cur = 0.0L, t = 0.0L, release = -1.0L;
  bool held = false;
  std::vector<double> spikes;

  long double k_of(long double c) const { return c * tau_syn / (tau_syn - tau_mem); }
  long double u_after(long double s) const {
    return u * std::exp(-s / tau_mem) + k_of(cur) * (std::exp(-s / tau_syn) - std::exp(-s / tau_mem));
  }
  void evolve(long double s) {
    u = u_after(s);
    cur *= std::exp(-s / tau_syn);
    t += s;
  }
  // First s in [0, len) with u(s) >= theta, or -1.
  long double first_crossing(long double len) const {
    if (u >= theta) return 0.0L;
    std::vector<long double> at;
    // With the stationary point among the samples, u is monotone between samples below it and above it, so
    // few samples suffice: they only bracket the crossing.
    constexpr int n = 16;
    for (int i = 1; i <= n; ++i) at.push_back(len * i / n);
    const long double a = 1.0L / tau_mem, b = 1.0L / tau_syn, kk = k_of(cur);
    const long double ratio = kk * b / ((kk - u) * a);
    if (ratio > 0.0L) {
      const long double s_star = std::log(ratio) / (b - a);
      if (s_star > 0.0L && s_star < len) at.push_back(s_star);
    }
    std::sort(at.begin(), at.end());
    long double lo = 0.0L;
    for (const long double hi0 : at) {
      if (u_after(hi0) >= theta) {
        long double hi = hi0;
        for (int it = 0; it < 200 && hi - lo > 1e-16L * (1.0L + hi); ++it) {
          const long double mid = 0.5L * (lo + hi);
          (u_after(mid) >= theta ? hi : lo) = mid;
        }
        return hi < len ? hi : -1.0L;
      }
      lo = hi0;
    }
    return -1.0L;
  }
  // Runs up to time `to` (exclusive of an input there).
  void advance(long double to) {
    while (t < to) {
      if (t < release) {
        const long double end = std::min(to, release);
        if (held) {
          cur *= std::exp(-(end - t) / tau_syn);
          t = end;
        } else {
          evolve(end - t);
        }
        if (t < release) return;
        held = false;
      }
      const long double s = first_crossing(to - t);
      if (s < 0.0L) {
        evolve(to - t);
        return;
      }
      evolve(s);
      spikes.push_back(static_cast<double>(t));
      release = t + refractory;
      if (zero) {
        u = 0.0L;
        held = true;
      } else {
        u -= theta;
      }
    }
  }
};

}  // namespace

TEST_CASE("exact_lif: through refractory periods, predictions and spikes are an independent integrator's") {
  // Inputs keep arriving during refractory periods, where a neuron integrates (subtract) or is held at rest
  // (zero), and predictions are skipped where no crossing can follow the release. After every row, each
  // neuron's predicted crossing must be the reference's next spike without further input (a skipped
  // prediction that was needed leaves a stale one), and every spike must be the reference's.
  constexpr std::uint32_t n = n_post;
  double worst = 0.0;
  std::size_t total = 0, checked_finite = 0;
  for (const bool alpha : {true, false})
    for (const bool dense : {true, false})
      for (const reset_mode reset : {reset_mode::subtract, reset_mode::zero})
        for (const double refractory : {0.5, 3.0})
          for (std::uint64_t seed = 1; seed <= 2; ++seed) {
            CAPTURE(alpha);
            CAPTURE(dense);
            CAPTURE(refractory);
            CAPTURE(seed);
            rng r(seed * 977 + (alpha ? 1 : 0));
            std::vector<row> rows;
            for (int k = 0; k < 400; ++k) {  // about two inputs per neuron and ms: a few per refractory period
              row x;
              x.t_ms = r.uniform(0.0, 200.0);
              const std::uint32_t len = dense ? n : static_cast<std::uint32_t>(r.below(10));
              for (std::uint32_t i = 0; i < len; ++i)
                x.post.push_back(dense ? i : static_cast<std::uint32_t>(r.below(n)));
              std::sort(x.post.begin(), x.post.end());
              // Some strong inputs leave neurons above threshold for a while after a spike (subtract).
              for (std::uint32_t i = 0; i < len; ++i) x.w.push_back(r.below(25) == 0 ? 3.0 : r.normal(0.3, 0.5));
              rows.push_back(std::move(x));
            }
            std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) { return a.t_ms < b.t_ms; });
            spiking_params p;
            for (std::uint32_t i = 0; i < n; ++i) p.threshold.push_back(r.uniform(0.6, 1.2));
            p.reset = reset;
            p.refractory_ms = refractory;
            const double tau_mem = alpha ? 20.0 : 10.0, tau_syn = alpha ? 10.0 : 3.0;
            std::unique_ptr<population> target;
            if (alpha)
              target = std::make_unique<lif_alpha>("t", n, alpha_kernel(tau_mem), p);
            else
              target = std::make_unique<cuba_lif>("t", n, exp_kernel(tau_mem, tau_syn), p);
            network net = make_net(std::move(target), rows, false);
            const auto predicted = [&](std::uint32_t i) {
              return alpha ? static_cast<const lif_alpha&>(net.pop(1)).predicted_crossing(i)
                           : static_cast<const cuba_lif&>(net.pop(1)).predicted_crossing(i);
            };
            std::vector<reference_neuron> ref(n);
            for (std::uint32_t i = 0; i < n; ++i) {
              ref[i].tau_mem = tau_mem;
              ref[i].tau_syn = tau_syn;
              ref[i].theta = p.threshold[i];
              ref[i].refractory = refractory;
              ref[i].zero = reset == reset_mode::zero;
            }
            simulator sim(net, 1);
            sim.begin_sample(0.0);
            for (const row& x : rows) {
              sim.run_until(x.t_ms);
              for (std::uint32_t i = 0; i < n; ++i) ref[i].advance(x.t_ms);
              for (std::size_t k = 0; k < x.post.size(); ++k) ref[x.post[k]].cur += x.w[k];
              for (std::uint32_t i = 0; i < n; ++i) {
                CAPTURE(i);
                CAPTURE(x.t_ms);
                reference_neuron next = ref[i];
                const std::size_t before = next.spikes.size();
                next.advance(x.t_ms + 400.0);
                const double model = predicted(i);
                if (next.spikes.size() == before) {
                  CHECK(std::isinf(model));
                } else {
                  REQUIRE(std::isfinite(model));
                  CHECK(std::fabs(model - next.spikes[before]) <= 1e-9);
                  ++checked_finite;
                }
              }
            }
            sim.end_sample(220.0);
            for (std::uint32_t i = 0; i < n; ++i) ref[i].advance(220.0L);
            std::vector<std::vector<double>> got(n);
            for (const spike_record& s : sim.spikes())
              if (s.population == 1) got[s.neuron].push_back(s.time_ms);
            for (std::uint32_t i = 0; i < n; ++i) {
              CAPTURE(i);
              REQUIRE(got[i].size() == ref[i].spikes.size());
              for (std::size_t k = 0; k < got[i].size(); ++k) {
                worst = std::max(worst, std::fabs(got[i][k] - ref[i].spikes[k]));
                CHECK(std::fabs(got[i][k] - ref[i].spikes[k]) <= 1e-9);
              }
              total += got[i].size();
            }
          }
  MESSAGE("spikes ", total, ", largest difference from the reference ", worst, " ms; finite predictions checked ",
          checked_finite);
  CHECK(total > 2000);
}

TEST_CASE("exact_lif: a neuron held at rest through a long silence answers its next input as from rest") {
  // Reset "zero" with a refractory period: the neuron's last spike leaves it held at rest, and it is released
  // at its next input. After a silence of thousands of time constants the population's reference time has
  // moved far past the release (its state flushed to 0): the release must give u = 0, not 0 * inf (a NaN that
  // silenced the neuron for good). Its spikes after the silence then repeat, in time from the input, those
  // of the first input at rest, and its potential before that input is 0 (to 1e-12).
  for (const bool alpha : {true, false})
    for (const double gap_ms : {1000.0, 30000.0, 1e6}) {
      CAPTURE(alpha);
      CAPTURE(gap_ms);
      spiking_params p;
      p.threshold = {1.0};
      p.reset = reset_mode::zero;
      p.refractory_ms = 2.0;
      network net;
      net.add_population(spike_source::replay("in", 1, {{1.0, 0, 1.0f}, {gap_ms, 0, 1.0f}}));
      if (alpha)
        net.add_population(std::make_unique<lif_alpha>("t", 1, alpha_kernel(20.0), p));
      else
        net.add_population(std::make_unique<cuba_lif>("t", 1, exp_kernel(20.0, 5.0), p));
      net.add_projection(projection("in->t", 0, 1, 1, 1, 0.0, false, {{0, 0, 30.0}}));
      simulator sim(net, 1);
      sim.begin_sample(0.0);
      sim.run_until(gap_ms - 1.0);
      CHECK(std::fabs(net.pop(1).membrane()->membrane_potential(0, gap_ms - 1.0)) <= 1e-12);
      sim.end_sample(gap_ms + 100.0);
      std::vector<double> first, second;
      for (const spike_record& s : sim.spikes())
        if (s.population == 1) (s.time_ms < gap_ms ? first : second).push_back(s.time_ms);
      REQUIRE(first.size() >= 3);
      REQUIRE(second.size() == first.size());
      for (std::size_t k = 0; k < first.size(); ++k)
        CHECK(std::fabs((second[k] - gap_ms) - (first[k] - 1.0)) <= 1e-9);
    }
}

namespace {

struct deferral_run {
  std::vector<spike_record> spikes;
  std::uint64_t predictions_t = 0, predictions_u = 0, wakeups_t = 0;
};

// Populations t (n neurons) and u (11) of one kernel, driven by 400 input spikes on a 0.25 ms grid (many at one
// time) through fan-out groups of different delays whose arrivals meet: in->t dense (1 ms), in->u dense
// (0.75 ms), in->t sparse with multapses and graded by the spikes' grades (0.5 ms), and t->u dense (0.25 ms).
// At one time the arrivals thus come t, u, t (in the order their spikes were emitted): only the runs to one
// population may share their re-predictions.
template <class Kernel>
deferral_run run_deferral(Kernel kernel, std::uint32_t n, reset_mode reset, bool uniform, bool deferral,
                          std::uint64_t seed) {
  rng r(seed);
  const auto params_of = [&](std::uint32_t size) {
    spiking_params p;
    for (std::uint32_t i = 0; i < size; ++i) p.threshold.push_back(uniform ? 0.9 : r.uniform(0.6, 1.2));
    p.reset = reset;
    p.refractory_ms = reset == reset_mode::zero ? 2.0 : 0.0;
    return p;
  };
  auto t = std::make_unique<exact_lif<Kernel>>("t", n, kernel, params_of(n));
  auto u = std::make_unique<exact_lif<Kernel>>("u", 11, kernel, params_of(11));
  t->set_deferral(deferral);
  u->set_deferral(deferral);
  constexpr std::uint32_t n_in = 80;
  std::vector<input_event> events;
  for (std::uint32_t k = 0; k < 400; ++k) {
    const float grade = k % 5 == 0 ? -0.5f : (k % 5 == 1 ? 1.5f : 1.0f);
    events.push_back({0.25 * static_cast<double>(r.below(400)), static_cast<std::uint32_t>(r.below(n_in)), grade});
  }
  std::sort(events.begin(), events.end(), [](const input_event& a, const input_event& b) {
    return a.time_ms < b.time_ms || (a.time_ms == b.time_ms && a.channel < b.channel);
  });
  events.erase(std::unique(events.begin(), events.end(),
                           [](const input_event& a, const input_event& b) {
                             return a.time_ms == b.time_ms && a.channel == b.channel;
                           }),
               events.end());
  const auto dense = [&](std::uint32_t pre, std::uint32_t post, double mean) {
    std::vector<synapse_triplet> syn;
    for (std::uint32_t i = 0; i < pre; ++i)
      for (std::uint32_t j = 0; j < post; ++j) syn.push_back({i, j, r.normal(mean, 0.45)});
    return syn;
  };
  std::vector<synapse_triplet> sparse;
  for (std::uint32_t i = 0; i < n_in; ++i) {
    std::vector<std::uint32_t> post;
    for (std::uint64_t k = r.below(2 * n + 1); k > 0; --k) post.push_back(static_cast<std::uint32_t>(r.below(n)));
    std::sort(post.begin(), post.end());
    for (const std::uint32_t j : post) sparse.push_back({i, j, r.normal(0.15, 0.45)});
  }
  network net;
  net.add_population(spike_source::replay("in", n_in, std::move(events)));
  net.add_population(std::move(t));
  net.add_population(std::move(u));
  net.add_projection(projection("in->t", 0, 1, n_in, n, 1.0, false, dense(n_in, n, 0.05)));
  net.add_projection(projection("in->u", 0, 2, n_in, 11, 0.75, false, dense(n_in, 11, 0.05)));
  net.add_projection(projection("in->t sparse", 0, 1, n_in, n, 0.5, true, std::move(sparse)));
  net.add_projection(projection("t->u", 1, 2, n, 11, 0.25, false, dense(n, 11, 0.1)));
  simulator sim(net, 1);
  sim.run(110.0);
  return {sim.spikes(), sim.counters().populations[1].crossing_predictions,
          sim.counters().populations[2].crossing_predictions, sim.counters().populations[1].wakeups_scheduled};
}

}  // namespace

TEST_CASE("exact_lif: same-time rows re-predicted once spike at the bits of row by row") {
  // Re-predicting the targets of an instant's rows once, after the last of them, gives the spikes of
  // re-predicting after every row, bit for bit, with fewer predictions: both kernels, dense rows (37 and 6
  // targets) and sparse graded ones with multapses, held neurons (reset zero, 2 ms refractory), one threshold
  // and several, and arrivals at one time alternating between two populations.
  for (const bool alpha : {true, false})
    for (const std::uint32_t n : {37u, 6u})
      for (const reset_mode reset : {reset_mode::subtract, reset_mode::zero})
        for (const bool uniform : {true, false}) {
          CAPTURE(alpha);
          CAPTURE(n);
          CAPTURE(uniform);
          CAPTURE(reset == reset_mode::zero);
          const std::uint64_t seed = 3 + n;
          const auto go = [&](bool deferral) {
            return alpha ? run_deferral(alpha_kernel(20.0), n, reset, uniform, deferral, seed)
                         : run_deferral(exp_kernel(10.0, 3.0), n, reset, uniform, deferral, seed);
          };
          const deferral_run once = go(true);
          const deferral_run each = go(false);
          std::size_t in_t = 0, in_u = 0;
          for (const spike_record& s : each.spikes) (s.population == 1 ? in_t : in_u) += s.population > 0;
          CHECK(in_t >= 30);
          CHECK(in_u >= 10);
          REQUIRE(once.spikes.size() == each.spikes.size());
          for (std::size_t k = 0; k < once.spikes.size(); ++k) {
            CHECK(once.spikes[k].population == each.spikes[k].population);
            CHECK(once.spikes[k].neuron == each.spikes[k].neuron);
            CHECK(std::bit_cast<std::uint64_t>(once.spikes[k].time_ms) ==
                  std::bit_cast<std::uint64_t>(each.spikes[k].time_ms));
          }
          CHECK(once.predictions_t < each.predictions_t);
          CHECK(once.predictions_u < each.predictions_u);
          CHECK(once.wakeups_t <= each.wakeups_t);
        }
}

namespace {

// A port that records what a population asks for, for driving one population by hand.
struct recording_port final : spike_port {
  std::vector<double> wakeups_ms;
  void emit_spike(std::uint32_t, std::uint32_t, double, float) override {}
  void schedule_wakeup(std::uint32_t, std::uint32_t, double t_ms, std::uint32_t) override { wakeups_ms.push_back(t_ms); }
  void schedule_settle(std::uint32_t, double) override {}
};

}  // namespace

TEST_CASE("exact_lif: deferred rows are re-predicted at finish, or at once where a neuron is at threshold") {
  spiking_params p;
  p.threshold.assign(3, 1.0);
  lif_alpha pop("t", 3, alpha_kernel(20.0), p);
  recording_port port;
  population_counters c;
  pop.attach(0, &port, &c);
  pop.reset(0.0);
  // Two deferred rows at 5 ms: nothing is re-predicted or asked for until finish_predictions, which re-predicts
  // each listed neuron once (three, not six) from the state after both rows.
  pop.defer_predictions();
  pop.deliver_dense(5.0, std::vector<double>{5.0, 6.0, 7.0}, 1.0f);
  pop.defer_predictions();
  pop.deliver_dense(5.0, std::vector<double>{1.0, 1.0, 1.0}, 1.0f);
  CHECK(c.crossing_predictions == 0);
  CHECK(port.wakeups_ms.empty());
  pop.finish_predictions();
  CHECK(c.crossing_predictions == 3);
  REQUIRE(port.wakeups_ms.size() == 1);
  lif_alpha ref("r", 3, alpha_kernel(20.0), p);
  recording_port ref_port;
  population_counters ref_c;
  ref.attach(0, &ref_port, &ref_c);
  ref.reset(0.0);
  ref.deliver_dense(5.0, std::vector<double>{6.0, 7.0, 8.0}, 1.0f);
  for (std::uint32_t i = 0; i < 3; ++i) CHECK(pop.predicted_crossing(i) == doctest::Approx(ref.predicted_crossing(i)).epsilon(1e-14));
  CHECK(port.wakeups_ms[0] == ref_port.wakeups_ms[0]);
  // Kicked to its threshold at 6 ms, neuron 1 crosses at 6 ms: a deferred row at that time that lists it
  // re-predicts at once (the wakeup must come before the instant's later rows).
  pop.kick(std::vector<double>{0.0, 5.0, 0.0}, 6.0);
  CHECK(pop.predicted_crossing(1) == 6.0);
  const std::uint64_t before = c.crossing_predictions;
  pop.defer_predictions();
  pop.deliver_dense(6.0, std::vector<double>{-0.5, -0.5, -0.5}, 1.0f);
  CHECK(c.crossing_predictions > before);
  CHECK(pop.predicted_crossing(1) == 6.0);
  pop.finish_predictions();  // nothing left
  CHECK(c.crossing_predictions == before + 3);
}
