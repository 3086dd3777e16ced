// li: the readout value is exact at any time, for exponential and delta synapses.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

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

// ---- tau_syn next to (and equal to) tau_mem: against a 50-digit reference -----------------------------------
// The constants below are the output of tests/models/reference_near_singular.py (rerun it to regenerate).
namespace {
// li: tau_mem_ms = 10; inputs (t_ms, w): (1.0, 0.5), (7.5, -0.25), (12.0, 1.0)
const std::vector<double> li_times_ms{2.0, 10.0, 12.0, 30.0, 400.0};
struct li_case {
  const char* gap;
  double tau_syn_ms;
  std::vector<double> values;
};
const std::vector<li_case> li_cases{
    {"0.1", 0x1.2000000000000p+3, {0.044991455497154093623, 0.12610076054371901247, 0.10236379245031002433, 0.28542127155141245594, 1.2614150089106021325e-16}},
    {"0.001", 0x1.3fae147ae147bp+3, {0.045239606619447246025, 0.13420499987902047041, 0.11126132535723692112, 0.31771773719987627987, 5.4206611959672839443e-16}},
    {"1e-06", 0x1.3fffeb074a772p+3, {0.045241868639702246961, 0.13428122169527976531, 0.11134584442290397768, 0.31803428729193098367, 5.5268158549326141398e-16}},
    {"1e-10", 0x1.3fffffff768fap+3, {0.045241870901571769285, 0.13428129793368219795, 0.11134592896803890411, 0.31803460403292030174, 5.5269233818156657553e-16}},
    {"1e-13", 0x1.3fffffffffdcdp+3, {0.045241870901797752429, 0.13428129794129917081, 0.11134592897648580272, 0.31803460406456588151, 5.5269233925588042328e-16}},
    {"1e-15", 0x1.3fffffffffffap+3, {0.045241870901797976247, 0.13428129794130671482, 0.11134592897649416871, 0.31803460406459722397, 5.5269233925694444647e-16}},
    {"ulp", 0x1.3ffffffffffffp+3, {0.045241870901797978256, 0.13428129794130678254, 0.11134592897649424381, 0.31803460406459750532, 5.5269233925695399785e-16}},
    {"0.0", 0x1.4000000000000p+3, {0.045241870901797978658, 0.13428129794130679608, 0.11134592897649425883, 0.31803460406459756159, 5.5269233925695590812e-16}},
};
}  // namespace

TEST_CASE("li: value exact for any gap between tau_mem and tau_syn, equality included (50-digit reference)") {
  double worst = 0.0;
  for (const li_case& c : li_cases) {
    CAPTURE(c.gap);
    auto pop = std::make_unique<li>("r", 1, 10.0, c.tau_syn_ms);
    li* raw = pop.get();
    network net;
    net.add_population(spike_source::replay("in", 3, {{1.0, 0, 1.f}, {7.5, 1, 1.f}, {12.0, 2, 1.f}}));
    net.add_population(std::move(pop));
    net.add_projection(projection("p", 0, 1, 3, 1, 0.0, false, {{0, 0, 0.5f}, {1, 0, -0.25f}, {2, 0, 1.0f}}));
    simulator sim(net, 1);
    sim.begin_sample(0.0);
    for (std::size_t k = 0; k < li_times_ms.size(); ++k) {
      CAPTURE(li_times_ms[k]);
      sim.run_until(li_times_ms[k]);  // inputs up to this time delivered; the value is read at it
      const double expect = c.values[k];
      const double got = raw->potential(0, li_times_ms[k]);
      CHECK(std::fabs(got - expect) <= 1e-12 * std::fabs(expect));  // relative: 1e-16 at 400 ms included
      worst = std::max(worst, std::fabs(got - expect) / std::fabs(expect));
    }
  }
  MESSAGE("largest relative error of the li value against the 50-digit reference: ", worst);
}
