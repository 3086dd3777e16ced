// cuba_lif: against lif_alpha when tau_mem = 2 tau_syn, a fine numerical integration, and the
// crossing that rises and falls back between two inputs.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/rng.hpp"
#include "models/cuba_lif.hpp"
#include "models/lif_alpha.hpp"
#include "tests/support/single_neuron.hpp"

using namespace evsnn;
using evsnn::test::random_inputs;
using evsnn::test::timed_input;

namespace {

std::unique_ptr<cuba_lif> make(double tau_mem, double tau_syn, double th, reset_mode reset = reset_mode::subtract) {
  spiking_params p;
  p.threshold = {th};
  p.reset = reset;
  return std::make_unique<cuba_lif>("t", 1, exp_kernel(tau_mem, tau_syn), p);
}


// RK4 on tau_m dv/dt = -v + I, tau_s dI/dt = -I (I += c' w at inputs with c' chosen so the PSP is
// w tau_s/(tau_m - tau_s) (e^{-s/tau_m} - e^{-s/tau_s})), reset by subtraction, linear
// interpolation of the crossing inside the step.
std::vector<double> integrate(const std::vector<timed_input>& in, double tau_m, double tau_s, double th, double T,
                              double dt) {
  std::vector<double> spikes;
  double v = 0.0, I = 0.0, t = 0.0;
  std::size_t next = 0;
  auto f = [&](double vv, double ii, double& dv, double& di) {
    dv = (-vv + ii) / tau_m;
    di = -ii / tau_s;
  };
  while (t < T) {
    while (next < in.size() && in[next].t_ms <= t + 1e-12) I += in[next++].w;
    double h = dt;
    if (next < in.size() && in[next].t_ms < t + h) h = in[next].t_ms - t;
    if (h <= 0) h = dt;
    double k1v, k1i, k2v, k2i, k3v, k3i, k4v, k4i;
    f(v, I, k1v, k1i);
    f(v + 0.5 * h * k1v, I + 0.5 * h * k1i, k2v, k2i);
    f(v + 0.5 * h * k2v, I + 0.5 * h * k2i, k3v, k3i);
    f(v + h * k3v, I + h * k3i, k4v, k4i);
    const double v_new = v + h / 6 * (k1v + 2 * k2v + 2 * k3v + k4v);
    const double i_new = I + h / 6 * (k1i + 2 * k2i + 2 * k3i + k4i);
    if (v < th && v_new >= th) {
      // Cubic Hermite interpolation of v on the step for the crossing time.
      const double d0 = k1v, d1 = (-v_new + i_new) / tau_m;
      double lo = 0, hi = 1;
      for (int it = 0; it < 80; ++it) {
        const double s = 0.5 * (lo + hi);
        const double h00 = 2 * s * s * s - 3 * s * s + 1, h10 = s * s * s - 2 * s * s + s, h01 = -2 * s * s * s + 3 * s * s,
                     h11 = s * s * s - s * s;
        const double vs = h00 * v + h10 * h * d0 + h01 * v_new + h11 * h * d1;
        (vs >= th ? hi : lo) = s;
      }
      spikes.push_back(t + hi * h);
      v = v_new - th * std::exp(-(1.0 - hi) * h / tau_m);  // reset at the crossing, decayed to step end
    } else {
      v = v_new;
    }
    I = i_new;
    t += h;
  }
  return spikes;
}

}  // namespace

TEST_CASE("cuba_lif: equals lif_alpha when tau_mem = 2 tau_syn") {
  const auto in = random_inputs(3, 80, 200.0, 0.5, 0.4);
  spiking_params p;
  p.threshold = {1.0};
  const auto alpha = test::run_population(std::make_unique<lif_alpha>("a", 1, alpha_kernel(16.0), p), in, 210.0)[0];
  const auto cuba = test::run_population(make(16.0, 8.0, 1.0), in, 210.0)[0];
  CHECK(alpha.size() >= 3);
  REQUIRE(cuba.size() == alpha.size());
  for (std::size_t k = 0; k < cuba.size(); ++k) CHECK(std::fabs(cuba[k] - alpha[k]) < 1e-9);
}

TEST_CASE("cuba_lif: agrees with fine numerical integration") {
  for (auto [tm, ts] : {std::pair{10.0, 3.0}, std::pair{5.0, 8.0}, std::pair{20.0, 1.0}}) {
    CAPTURE(tm);
    CAPTURE(ts);
    // Scale weights so that the PSP peaks as lif_alpha's does (1/4 per unit weight).
    const exp_kernel k(tm, ts);
    const double s_peak = std::log(tm / ts) / (1.0 / ts - 1.0 / tm);
    const double scale = 0.25 / (k.norm * (std::exp(-s_peak / tm) - std::exp(-s_peak / ts)));
    auto in = random_inputs(7, 50, 100.0, 0.7 * scale, 0.4 * scale);
    const auto ode = integrate(in, tm, ts, 1.0, 110.0, 1e-3);
    const auto got = test::run_population(make(tm, ts, 1.0), in, 110.0)[0];
    CHECK(ode.size() >= 2);
    REQUIRE(got.size() == ode.size());
    for (std::size_t s = 0; s < got.size(); ++s) CHECK(std::fabs(got[s] - ode[s]) < 1e-6);
    // And the brute-force kernel reference, to 1e-9.
    test::reference_lif ref{tm, ts, 1.0};
    const auto exact = ref.spike_times(in, 110.0);
    REQUIRE(exact.size() == got.size());
    for (std::size_t s = 0; s < got.size(); ++s) CHECK(std::fabs(got[s] - exact[s]) < 1e-9);
  }
}

TEST_CASE("cuba_lif: finds a crossing that rises and falls back between two inputs") {
  const double tm = 10.0, ts = 2.5, w = 1.0;
  const exp_kernel k(tm, ts);
  // Peak of the PSP of one input.
  const double s_peak = std::log(tm / ts) / (1.0 / ts - 1.0 / tm);
  const double peak = w * k.norm * (std::exp(-s_peak / tm) - std::exp(-s_peak / ts));
  for (double rel : {0.999, 1.0 - 1e-9}) {
    CAPTURE(rel);
    const double th = peak * rel;
    // Second input far later: at both input times the potential is well below threshold.
    const std::vector<timed_input> in{{0.0, w}, {100.0, 0.01}};
    test::reference_lif ref{tm, ts, th};
    CHECK(ref.potential(0.0, in, {}) < th);
    CHECK(ref.potential(100.0, in, {}) < th);
    const auto got = test::run_population(make(tm, ts, th), in, 200.0)[0];
    REQUIRE(got.size() == 1);
    // The crossing is the root on the rising flank, before the peak.
    double lo = 0.0, hi = s_peak;
    for (int i = 0; i < 200; ++i) {
      const double mid = 0.5 * (lo + hi);
      (ref.potential(mid, in, {}) >= th ? hi : lo) = mid;
    }
    CHECK(got[0] <= s_peak + 1e-12);
    CHECK(std::fabs(got[0] - hi) < (rel > 0.9999 ? 1e-7 : 1e-9));
  }
  // Just above the peak: no spike.
  CHECK(test::run_population(make(tm, ts, peak * (1 + 1e-9)), {{0.0, w}, {100.0, 0.01}}, 200.0)[0].empty());
}
