// li: the readout value is exact at any time, for exponential and delta synapses.
#include <doctest/doctest.h>

#include <cmath>

#include "models/li.hpp"
#include "tests/support/single_neuron.hpp"

using namespace evsnn;

TEST_CASE("li: value equals the sum of kernels at any time") {
  for (double ts : {0.0, 4.0, 30.0}) {
    CAPTURE(ts);
    auto pop = std::make_unique<li>("r", 1, 10.0, ts);
    li* raw = pop.get();
    network net;
    net.add_population(spike_source::replay("in", 2, {{1.0, 0, 1.f}, {7.5, 1, 1.f}}));
    net.add_population(std::move(pop));
    net.add_projection(projection("p", 0, 1, 2, 1, 0.0, false, {{0, 0, 0.5f}, {1, 0, -0.25f}}));
    simulator sim(net, 1);
    sim.run(400.0);  // long enough to rebase several times
    auto kernel = [&](double s) {
      if (ts == 0.0) return std::exp(-s / 10.0);
      return ts / (10.0 - ts) * (std::exp(-s / 10.0) - std::exp(-s / ts));
    };
    // Read after the run (the reference time has moved past both inputs).
    const double t = 400.0;
    const double expect = 0.5 * kernel(t - 1.0) - 0.25 * kernel(t - 7.5);
    CHECK(raw->potential(0, t) == doctest::Approx(expect).epsilon(1e-9).scale(1e-30));
    CHECK(sim.counters().populations[1].spikes == 0);
  }
}

TEST_CASE("li: mid-run value") {
  auto pop = std::make_unique<li>("r", 1, 10.0, 5.0);
  li* raw = pop.get();
  network net;
  net.add_population(spike_source::replay("in", 1, {{1.0, 0, 1.f}}));
  net.add_population(std::move(pop));
  net.add_projection(projection("p", 0, 1, 1, 1, 0.0, false, {{0, 0, 2.0f}}));
  simulator sim(net, 1);
  sim.begin_sample(0.0);
  sim.run_until(3.0);
  CHECK(raw->potential(0, 3.0) == doctest::Approx(2.0 * (std::exp(-0.2) - std::exp(-0.4))).epsilon(1e-13));
  CHECK(raw->potential(0, 9.0) == doctest::Approx(2.0 * (std::exp(-0.8) - std::exp(-1.6))).epsilon(1e-13));
}
