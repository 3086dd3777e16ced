// lif_alpha: spike times against the closed form and an independent brute-force reference (1e-9 ms).
#include <doctest/doctest.h>

#include <cmath>

#include "engine/rng.hpp"
#include "models/lif_alpha.hpp"
#include "tests/support/single_neuron.hpp"

using namespace evsnn;
using evsnn::test::random_inputs;
using evsnn::test::timed_input;

namespace {

std::unique_ptr<lif_alpha> make(std::uint32_t n, double tau, double th, reset_mode reset = reset_mode::subtract,
                                double refractory = 0.0) {
  spiking_params p;
  p.threshold.assign(n, th);
  p.reset = reset;
  p.refractory_ms = refractory;
  return std::make_unique<lif_alpha>("t", n, alpha_kernel(tau), p);
}


}  // namespace

TEST_CASE("lif_alpha: one input crosses at the closed-form time") {
  // w = 1.5, th = 0.3: exactly one spike (after the reset the PSP peaks at 0.196 < th).
  const double tau = 20.0, w = 1.5, th = 0.3, t0 = 3.25;
  auto spikes = test::run_population(make(1, tau, th), {{t0, w}}, 100.0);
  REQUIRE(spikes[0].size() == 1);
  // w (x - x^2) = th with x = e^{-(t-t0)/tau}: larger root.
  const double x = (1.0 + std::sqrt(1.0 - 4.0 * th / w)) / 2.0;
  CHECK(spikes[0][0] == doctest::Approx(t0 - tau * std::log(x)).epsilon(1e-13));
  CHECK(std::fabs(spikes[0][0] - (t0 - tau * std::log(x))) < 1e-9);
}

TEST_CASE("lif_alpha: below the kernel peak there is no spike") {
  // The peak of x - x^2 is 1/4: weight 1 never reaches threshold 0.25 + 1e-9.
  auto spikes = test::run_population(make(1, 10.0, 0.25 + 1e-9), {{1.0, 1.0}}, 200.0);
  CHECK(spikes[0].empty());
  auto tangent = test::run_population(make(1, 10.0, 0.25 - 1e-12), {{1.0, 1.0}}, 200.0);
  REQUIRE(tangent[0].size() == 1);
  CHECK(std::fabs(tangent[0][0] - (1.0 + 10.0 * std::log(2.0))) < 1e-4);  // near-tangent: at the peak
}

TEST_CASE("lif_alpha: many inputs and spikes match the brute-force reference") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    CAPTURE(seed);
    const auto in = random_inputs(seed, 60, 150.0, 0.45, 0.35);
    test::reference_lif ref{20.0, 10.0, 1.0};
    const auto expected = ref.spike_times(in, 160.0);
    const auto got = test::run_population(make(1, 20.0, 1.0), in, 160.0)[0];
    CHECK(expected.size() >= 3);
    REQUIRE(got.size() == expected.size());
    for (std::size_t k = 0; k < got.size(); ++k) CHECK(std::fabs(got[k] - expected[k]) < 1e-9);
  }
}

TEST_CASE("lif_alpha: inhibition cancels a predicted crossing") {
  // Excitation alone crosses at t*; a strong inhibitory input before t* removes the crossing.
  const double tau = 20.0, w = 2.0, th = 0.3;
  const double t_star = -tau * std::log((1.0 + std::sqrt(1.0 - 4.0 * th / w)) / 2.0);
  auto spikes = test::run_population(make(1, tau, th), {{0.0, w}, {0.5 * t_star, -3.0}}, 200.0);
  CHECK(spikes[0].empty());
}

TEST_CASE("lif_alpha: long samples stay exact (reference time moves forward)") {
  const auto base = random_inputs(11, 40, 120.0, 0.5, 0.3);
  const auto first = test::run_population(make(1, 10.0, 1.0), base, 130.0)[0];
  REQUIRE(first.size() >= 2);
  for (double shift : {5000.0, 100000.0}) {
    CAPTURE(shift);
    auto shifted = base;
    for (auto& x : shifted) x.t_ms += shift;
    // A spike-free warm-up before the pattern forces many rebases.
    shifted.insert(shifted.begin(), {0.0, 0.01});
    const auto got = test::run_population(make(1, 10.0, 1.0), shifted, shift + 130.0)[0];
    REQUIRE(got.size() == first.size());
    for (std::size_t k = 0; k < got.size(); ++k) CHECK(std::fabs((got[k] - shift) - first[k]) < 1e-9);
  }
}

TEST_CASE("lif_alpha: refractory period, reset by subtraction and to zero") {
  const auto in = random_inputs(5, 80, 150.0, 0.6, 0.3);
  for (bool zero : {false, true}) {
    CAPTURE(zero);
    test::reference_lif ref{20.0, 10.0, 1.0, zero, 4.0};
    const auto expected = ref.spike_times(in, 160.0);
    const auto got =
        test::run_population(make(1, 20.0, 1.0, zero ? reset_mode::zero : reset_mode::subtract, 4.0), in, 160.0)[0];
    CHECK(expected.size() >= 3);
    REQUIRE(got.size() == expected.size());
    for (std::size_t k = 0; k < got.size(); ++k) {
      CHECK(std::fabs(got[k] - expected[k]) < 1e-9);
      if (k > 0) CHECK(got[k] - got[k - 1] >= 4.0 - 1e-12);
    }
  }
}

TEST_CASE("lif_alpha: per-neuron thresholds and graded input") {
  spiking_params p;
  p.threshold = {0.2, 0.3, 0.35};  // all below the PSP peak 1.5/4
  auto pop = std::make_unique<lif_alpha>("t", 3, alpha_kernel(10.0), p);
  auto spikes = test::run_population(std::move(pop), {{1.0, 1.5, 0}, {1.0, 1.5, 1}, {1.0, 1.5, 2}}, 100.0);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(!spikes[i].empty());
    const double x = (1.0 + std::sqrt(1.0 - 4.0 * p.threshold[i] / 1.5)) / 2.0;
    CHECK(std::fabs(spikes[i][0] - (1.0 - 10.0 * std::log(x))) < 1e-9);
  }
  // A graded projection scales the weight by the spike's grade: w = 1 with grade 2 acts as w = 2.
  auto graded = test::run_population(make(1, 10.0, 0.3), {{1.0, 1.0}}, 100.0, {2.0f}, true);
  auto plain = test::run_population(make(1, 10.0, 0.3), {{1.0, 2.0}}, 100.0);
  REQUIRE(!plain[0].empty());
  CHECK(graded[0] == plain[0]);
}

TEST_CASE("lif_alpha: potential follows the formula") {
  auto pop = make(1, 10.0, 100.0);
  lif_alpha* raw = pop.get();
  network net;
  net.add_population(spike_source::replay("in", 1, {{2.0, 0, 1.0f}}));
  net.add_population(std::move(pop));
  net.add_projection(projection("p", 0, 1, 1, 1, 0.5, false, {{0, 0, 1.5f}}));
  simulator sim(net, 1);
  sim.run(30.0);
  const double s = 30.0 - 2.5;
  CHECK(raw->potential(0, 30.0) == doctest::Approx(1.5 * (std::exp(-s / 10.0) - std::exp(-s / 5.0))).epsilon(1e-12));
}
