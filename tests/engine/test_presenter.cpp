// presenter: reset vs carry semantics, sample hooks, validation errors.
#include <doctest/doctest.h>

#include "engine/error.hpp"
#include "engine/presenter.hpp"
#include "models/lif_alpha.hpp"
#include "models/spike_source.hpp"

using namespace evsnn;

namespace {
struct sample_log : hook {
  std::vector<std::pair<double, double>> windows;
  double begin = 0;
  void on_sample_begin(double t, std::uint64_t) override { begin = t; }
  void on_sample_end(double t, std::uint64_t) override { windows.push_back({begin, t}); }
};

std::unique_ptr<network> make_net() {
  auto net = std::make_unique<network>();
  net->add_population(spike_source::input("in", 2));
  spiking_params p;
  p.threshold = {0.3};
  net->add_population(std::make_unique<lif_alpha>("n", 1, alpha_kernel(10.0), p));
  net->add_projection(projection("p", 0, 1, 2, 1, 0.0, false, {{0, 0, 1.5f}, {1, 0, 0.2f}}));  // 1.5: one spike
  return net;
}
}  // namespace

TEST_CASE("presenter: reset makes samples independent; carry streams them") {
  const std::vector<input_event> strong{{1.0, 0, 1.f}};
  const std::vector<input_event> weak{{1.0, 1, 1.f}};
  {
    auto net = make_net();
    simulator sim(*net, 1);
    sample_log log;
    sim.add_hook(log, {});
    presenter pr(sim, 0, state_policy::reset);
    pr.present(strong, 50.0);
    const auto first = sim.spikes();
    sim.clear_spikes();
    pr.present(weak, 50.0);  // 0.2 alone never reaches 0.3
    CHECK(sim.counters().populations[1].spikes == 1);
    sim.clear_spikes();
    pr.present(strong, 50.0);
    REQUIRE(sim.spikes().size() == first.size());
    CHECK(sim.spikes().back().time_ms == first.back().time_ms);  // same time: independent of history
    CHECK(log.windows == std::vector<std::pair<double, double>>{{0, 50}, {0, 50}, {0, 50}});
  }
  {
    auto net = make_net();
    simulator sim(*net, 1);
    sample_log log;
    sim.add_hook(log, {});
    presenter pr(sim, 0, state_policy::carry, 5.0);
    CHECK(pr.present(strong, 20.0) == 0.0);
    CHECK(pr.present(strong, 20.0) == 25.0);
    CHECK(log.windows == std::vector<std::pair<double, double>>{{0, 20}, {25, 45}});
    // The second sample's spike is earlier relative to its begin than the first's: residual state.
    std::vector<double> out;
    for (const auto& s : sim.spikes())
      if (s.population == 1) out.push_back(s.time_ms);
    REQUIRE(out.size() == 2);
    CHECK(out[1] - 25.0 < out[0]);
  }
}

TEST_CASE("presenter: invalid samples are rejected with their index") {
  auto net = make_net();
  simulator sim(*net, 1);
  presenter pr(sim, 0, state_policy::reset);
  const std::vector<input_event> ok{{1.0, 0, 1.f}};
  pr.present(ok, 10.0);
  const std::vector<input_event> bad_channel{{1.0, 2, 1.f}};
  CHECK_THROWS_WITH_AS(pr.present(bad_channel, 10.0), doctest::Contains("sample 1: event 0: channel 2 >= input size 2"), input_error);
  const std::vector<input_event> unsorted{{2.0, 0, 1.f}, {1.0, 0, 1.f}};
  CHECK_THROWS_WITH_AS(pr.present(unsorted, 10.0), doctest::Contains("not sorted"), input_error);
  const std::vector<input_event> negative{{-1.0, 0, 1.f}};
  CHECK_THROWS_WITH_AS(pr.present(negative, 10.0), doctest::Contains("not >= 0"), input_error);
  CHECK_THROWS_WITH_AS(pr.present(ok, 0.5), doctest::Contains("after the sample's end"), input_error);
  CHECK_THROWS_AS(presenter(sim, 1, state_policy::reset), input_error);  // lif_alpha takes no input
}

namespace {
// in -> n through a 5 ms delay: the input at 1 ms makes n spike after 6 ms.
std::unique_ptr<network> delayed_net() {
  auto net = std::make_unique<network>();
  net->add_population(spike_source::input("in", 1));
  spiking_params p;
  p.threshold = {0.3};
  net->add_population(std::make_unique<lif_alpha>("n", 1, alpha_kernel(10.0), p));
  net->add_projection(projection("p", 0, 1, 1, 1, 5.0, false, {{0, 0, 1.5f}}));
  return net;
}
}  // namespace

TEST_CASE("presenter: a drained sample records the spike its last input causes after a delay") {
  const std::vector<input_event> one{{1.0, 0, 1.f}};
  {
    // A fixed duration ending at the last input loses the spike in flight.
    auto net = delayed_net();
    simulator sim(*net, 1);
    presenter pr(sim, 0, state_policy::reset);
    pr.present(one, 1.0);
    CHECK(sim.counters().populations[1].spikes == 0);
    CHECK(pr.last_duration_ms() == 1.0);
  }
  auto net = delayed_net();
  simulator sim(*net, 1);
  sample_log log;
  sim.add_hook(log, {});
  presenter pr(sim, 0, state_policy::carry, 2.0);
  CHECK(pr.present_drained(one, 1.0) == 0.0);
  REQUIRE(sim.spikes().size() == 2);
  const double spike = sim.spikes()[1].time_ms;
  CHECK(sim.spikes()[1].population == 1);
  CHECK(spike > 6.0);  // after the arrival at 1 + 5 ms
  // The sample ends at its last event: the spike (its arrival at no target ends nothing later).
  CHECK(pr.last_duration_ms() == spike);
  CHECK(pr.next_begin_ms() == spike + 2.0);
  // A longer minimum duration wins over an earlier drain.
  CHECK(pr.present_drained(one, 50.0) == spike + 2.0);
  CHECK(pr.last_duration_ms() == 50.0);
  CHECK(log.windows.back() == std::pair<double, double>{spike + 2.0, spike + 52.0});
  CHECK(pr.samples_presented() == 2);
}

TEST_CASE("presenter: a sample the simulator stops in is cut there and not counted") {
  auto net = delayed_net();
  simulator sim(*net, 1);
  presenter pr(sim, 0, state_policy::reset);
  sim.set_limits(1, 0);  // the sample-begin marker is the first event
  const std::vector<input_event> one{{1.0, 0, 1.f}};
  pr.present_drained(one, 1.0);
  CHECK(sim.stopped() == stop_reason::max_events);
  CHECK(pr.samples_presented() == 0);
  CHECK(sim.spikes().empty());
  CHECK(pr.last_duration_ms() == 0.0);
}
