// rebase_grid: a population's reference time moves on a fixed grid, so what a neuron computes does not
// depend on which other events its population saw — the property a population dealt over MPI ranks needs
// (each rank holds some neurons and sees other events). Checked on the grid itself and on every model
// that rebases: neuron 0's spike times are bit-identical with and without unrelated inputs to neuron 1.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "models/cuba_lif.hpp"
#include "models/lif_alpha.hpp"
#include "models/lif_delta.hpp"
#include "engine/rebase_grid.hpp"
#include "tests/support/single_neuron.hpp"

using namespace evsnn;
using evsnn::test::random_inputs;
using evsnn::test::run_population;
using evsnn::test::timed_input;

TEST_CASE("rebase_grid: the same grid point and steps whatever times it is advanced at") {
  const double period = 0.7;
  rebase_grid a(period), b(period);
  a.reset(3.0);
  b.reset(3.0);
  int steps_a = 0, steps_b = 0;
  for (double t = 3.0; t <= 100.0; t += 0.013) a.advance(t, [&] { return ++steps_a, false; });
  b.advance(100.0, [&] { return ++steps_b, false; });
  CHECK(a.t_ref() == b.t_ref());
  CHECK(steps_a == steps_b);
  CHECK(steps_a == 138);  // the least k with 100 - (3 + 0.7 k) <= 0.7
  CHECK(100.0 - b.t_ref() <= period);
  // A state that becomes zero stops the steps; the grid point is the same.
  rebase_grid c(period);
  c.reset(3.0);
  int steps_c = 0;
  c.advance(100.0, [&] { return ++steps_c >= 5; });
  CHECK(steps_c == 5);
  CHECK(c.t_ref() == b.t_ref());
  // Far away (a silent gap of 1e9 periods) with a zero state: no loop over the gap.
  c.advance(7e8, [&] { return ++steps_c, true; });
  CHECK(steps_c == 6);
  CHECK(7e8 - c.t_ref() <= period);
  CHECK(7e8 - c.t_ref() > 0.0);
  // Infinite period (no leak): never steps.
  rebase_grid d;
  d.reset(0.0);
  int steps_d = 0;
  d.advance(1e12, [&] { return ++steps_d, false; });
  CHECK(steps_d == 0);
  CHECK(d.t_ref() == 0.0);
}

namespace {

// Spike times of neuron 0 of a 2-neuron population over a long run (many rebases), with or without
// inputs to neuron 1 at other times.
template <class Make>
std::vector<double> neuron0_spikes(Make make, bool distractors) {
  std::vector<timed_input> in = random_inputs(11, 6000, 3000.0, 0.35, 0.2);
  if (distractors) {
    std::vector<timed_input> extra = random_inputs(12, 700, 3000.0, 0.1, 0.05);
    for (timed_input& e : extra) e.neuron = 1;
    in.insert(in.end(), extra.begin(), extra.end());
    std::sort(in.begin(), in.end(), [](const timed_input& a, const timed_input& b) { return a.t_ms < b.t_ms; });
  }
  return run_population(make(), in, 3000.0)[0];
}

spiking_params params() {
  spiking_params p;
  p.threshold = {1.0, 1.0};
  return p;
}

}  // namespace

TEST_CASE("rebase_grid: a neuron's spikes do not depend on its population's other events") {
  SUBCASE("cuba_lif") {
    auto make = [] { return std::make_unique<cuba_lif>("t", 2, exp_kernel(5.0, 1.5), params()); };
    const auto alone = neuron0_spikes(make, false), crowded = neuron0_spikes(make, true);
    CHECK(alone.size() > 20);
    CHECK(alone == crowded);
  }
  SUBCASE("lif_alpha") {
    auto make = [] { return std::make_unique<lif_alpha>("t", 2, alpha_kernel(4.0), params()); };
    const auto alone = neuron0_spikes(make, false), crowded = neuron0_spikes(make, true);
    CHECK(alone.size() > 20);
    CHECK(alone == crowded);
  }
  SUBCASE("lif_delta") {
    auto make = [] { return std::make_unique<lif_delta>("t", 2, 3.0, params()); };
    const auto alone = neuron0_spikes(make, false), crowded = neuron0_spikes(make, true);
    CHECK(alone.size() > 20);
    CHECK(alone == crowded);
  }
}
