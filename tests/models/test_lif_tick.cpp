// lif_tick: the seed-004 discrete-tick LIF — hand-computed steps, bias-driven crossings against a
// direct iteration of the recurrence, and event-driven runs against the time-stepped twin (identical
// spikes, pre-reset potentials to 1e-12) on zero-delay chains, in either declaration order, with
// delayed recurrence; refusals (zero-delay loops, bad JSON, a twin on another clock).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "engine/network_loader.hpp"
#include "engine/rng.hpp"
#include "engine/simulator.hpp"
#include "engine/stepped_simulator.hpp"
#include "models/builtin_models.hpp"
#include "models/lif_tick.hpp"
#include "models/stepped_lif_tick.hpp"
#include "tests/support/error_of.hpp"

using namespace evsnn;
using nlohmann::json;

namespace {

std::unique_ptr<network> build(const json& doc) {
  static const model_registry models = builtin_model_registry();
  return build_network(doc, "net.json", ".", models);
}

const lif_tick& tick_pop(network& net, const std::string& name) {
  return dynamic_cast<const lif_tick&>(net.pop(*net.find_population(name)));
}

// Records, at every tick (k+1) tick_ms, Ũ_k and s_k of every neuron of the watched populations.
struct step_recorder : hook {
  network* net = nullptr;
  double tick_ms = 1.0;
  std::vector<std::uint32_t> watched;
  // [population][step][neuron]
  std::map<std::uint32_t, std::vector<std::vector<double>>> pre;
  std::map<std::uint32_t, std::vector<std::vector<bool>>> spiked;
  void on_tick(double t) override {
    const auto k = static_cast<std::uint64_t>(std::llround(t / tick_ms)) - 1;
    for (std::uint32_t p : watched) {
      const tick_membrane* tm = net->pop(p).membrane()->tick();
      std::vector<double> row;
      std::vector<bool> srow;
      for (std::uint32_t i = 0; i < net->pop(p).size(); ++i) {
        row.push_back(tm->pre_reset_potential(i, k));
        srow.push_back(tm->spiked_at(i, k));
      }
      REQUIRE(pre[p].size() == k);  // one tick per step, in order
      pre[p].push_back(row);
      spiked[p].push_back(srow);
    }
  }
};

using spike_key = std::tuple<double, std::string, std::uint32_t>;

std::vector<spike_key> keyed(const network& net, const std::vector<spike_record>& spikes) {
  std::vector<spike_key> out;
  for (const spike_record& s : spikes) out.emplace_back(s.time_ms, net.pop(s.population).name(), s.neuron);
  std::sort(out.begin(), out.end());
  return out;
}

json single(const json& params, const json& spikes, const json& weights, std::uint32_t size = 1, bool graded = false) {
  return {{"format", "evsnn-network/1"},
          {"populations",
           {{{"name", "in"}, {"model", "spike_source"}, {"size", weights.size()}, {"params", {{"spikes", spikes}}}},
            {{"name", "n"}, {"model", "lif_tick"}, {"size", size}, {"params", params}}}},
          {"projections", {{{"pre", "in"}, {"post", "n"}, {"weights", weights}, {"graded", graded}}}}};
}

// Runs the event-driven engine with a step recorder on population "n"; returns (spike steps, Ũ per step).
struct single_run {
  std::vector<std::vector<double>> spike_times;  // per neuron
  std::vector<std::vector<double>> pre;          // [step][neuron]
  std::vector<std::vector<bool>> spiked;
  run_counters counters;
};

single_run run_single(const json& doc, double duration_ms, double tick_ms = 1.0) {
  auto net = build(doc);
  const std::uint32_t n = *net->find_population("n");
  step_recorder rec;
  rec.net = net.get();
  rec.tick_ms = tick_ms;
  rec.watched = {n};
  simulator sim(*net, 1);
  hook_subscription sub;
  sub.tick_period_ms = tick_ms;
  sim.add_hook(rec, sub);
  sim.run(duration_ms);
  single_run r;
  r.spike_times.resize(net->pop(n).size());
  for (const spike_record& s : sim.spikes())
    if (s.population == n) r.spike_times[s.neuron].push_back(s.time_ms);
  r.pre = rec.pre[n];
  r.spiked = rec.spiked[n];
  r.counters = sim.counters();
  return r;
}

}  // namespace

TEST_CASE("lif_tick: hand-computed steps — leak, several inputs in a step, a negative input cancelling, resets") {
  // λ = 0.5 keeps every value exact. Channels: 0: 0.75, 1: 0.5, 2: 0.5, 3: 1.5, 4: -1.5, 5: 0.25 (graded).
  const json w = {{0.75}, {0.5}, {0.5}, {1.5}, {-1.5}, {0.25}};
  const json spikes = {{0.0, 0}, {1.0, 1}, {2.0, 0}, {3.0, 1}, {3.0, 2}, {4.0, 3}, {4.0, 4}, {6.0, 5, 4.0}};
  for (const char* reset : {"subtract", "zero"}) {
    CAPTURE(reset);
    const bool zero = std::string(reset) == "zero";
    // Graded projection: grade 1 for all but the last spike (4 x 0.25 = 1).
    const auto r = run_single(single({{"leak", 0.5}, {"reset", reset}}, spikes, w, 1, true), 8.0);
    // Ũ0 = 0.75; Ũ1 = 0.375 + 0.5; Ũ2 = 0.4375 + 0.75 = 1.1875 spikes (U2 = 0.1875 or 0);
    // Ũ3 = λU2 + 0.5 + 0.5 = 1.09375 or 1.0: spikes (>= θ); U3 = 0.09375 or 0;
    // Ũ4 = λU3 + 1.5 − 1.5 = 0.046875 or 0 (no spike: the negative input of the same step cancels);
    // Ũ5 = λU4; Ũ6 = λU5 + 1 spikes; Ũ7 = λ U6.
    const double u3 = zero ? 0.0 : 0.09375;
    const double u6 = u3 / 8.0 + 1.0;
    const std::vector<double> expect = {0.75, 0.875, 1.1875, zero ? 1.0 : 1.09375, u3 / 2.0, u3 / 4.0, u6,
                                        (zero ? 0.0 : u6 - 1.0) / 2.0};
    REQUIRE(r.pre.size() == 8);
    for (std::size_t k = 0; k < 8; ++k) {
      CAPTURE(k);
      CHECK(r.pre[k][0] == expect[k]);
      CHECK(r.spiked[k][0] == (k == 2 || k == 3 || k == 6));
    }
    CHECK(r.spike_times[0] == std::vector<double>{2.0, 3.0, 6.0});
  }
  // Bias: Ũ_k = 0.5 U + in + 0.25 — with 0.5 at step 1 and 0.75 at step 2: 0.25, 0.875, 1.4375 (spike),
  // then 0.21875 + 0.25 = 0.46875 with the subtractive reset.
  const auto b = run_single(single({{"leak", 0.5}, {"bias", 0.25}}, json{{1.0, 0}, {2.0, 1}}, json{{0.5}, {0.75}}), 4.0);
  REQUIRE(b.pre.size() == 4);
  CHECK(b.pre[0][0] == 0.25);
  CHECK(b.pre[1][0] == 0.875);
  CHECK(b.pre[2][0] == 1.4375);
  CHECK(b.pre[3][0] == 0.46875);
  CHECK(b.spike_times[0] == std::vector<double>{2.0});
  // The default leak is σ(3) (the seed's tau_param = 3).
  auto net = build(single(json::object(), json::array(), json{{1.0}}));
  CHECK(tick_pop(*net, "n").leak() == 1.0 / (1.0 + std::exp(-3.0)));
  CHECK(tick_pop(*net, "n").tick_ms() == 1.0);
}

TEST_CASE("lif_tick: bias-driven crossings with no input fall on the steps of a direct iteration") {
  const int steps = 2500;
  int cases = 0, crossings = 0;
  for (double lam : {0.3, 0.8, 1.0 / (1.0 + std::exp(-3.0)), 0.99})
    for (double theta : {0.5, 1.0, 2.5})
      for (double above : {-0.01, 1e-6, 1e-3, 0.1, 1.0, 10.0})  // U∞ = θ (1 + above)
        for (const char* reset : {"subtract", "zero"}) {
          const double b = theta * (1.0 + above) * (1.0 - lam);
          CAPTURE(lam);
          CAPTURE(theta);
          CAPTURE(above);
          CAPTURE(reset);
          // Direct iteration (the recurrence, no input).
          std::vector<double> expect;
          double u = 0.0;
          for (int k = 0; k < steps; ++k) {
            const double v = lam * u + b;
            u = v;
            if (v >= theta) {
              expect.push_back(0.5 * k);
              u = std::string(reset) == "zero" ? 0.0 : v - theta;
            }
          }
          // Tick 0.5 ms: spike times k * 0.5.
          const json params = {{"leak", lam}, {"threshold", theta}, {"bias", b}, {"reset", reset}, {"tick_ms", 0.5}};
          auto net = build(single(params, json::array(), json{{1.0}}));
          simulator sim(*net, 1);
          sim.run(0.5 * steps - 0.25);
          std::vector<double> got;
          for (const spike_record& s : sim.spikes()) got.push_back(s.time_ms);
          CHECK(got == expect);
          // Cost follows activity: one wakeup and one settle per spike, one evaluation per spike.
          const population_counters& pc = sim.counters().populations[1];
          CHECK(pc.neuron_updates == expect.size());
          CHECK(pc.stale_wakeups == 0);
          CHECK(sim.counters().events == 2 + 2 * expect.size());
          ++cases;
          crossings += static_cast<int>(expect.size());
        }
  CHECK(cases == 4 * 3 * 6 * 2);
  CHECK(crossings > 1000);  // the sweep does exercise crossings
}

TEST_CASE("lif_tick: a zero-reset neuron with U∞ just above θ crosses at the closed-form step") {
  // λ = 0.9, θ = 1, U∞ = 1 + 1e-6: U_k = U∞ (1 − λ^{k+1}) >= 1 first when λ^{k+1} <= 1e-6/U∞.
  const double lam = 0.9, u_inf = 1.0 + 1e-6, b = u_inf * (1.0 - lam);
  const auto r = run_single(single({{"leak", lam}, {"bias", b}, {"reset", "zero"}}, json::array(), json{{1.0}}), 300.0);
  const double first = std::ceil(std::log(1e-6 / u_inf) / std::log(lam)) - 1.0;
  REQUIRE(!r.spike_times[0].empty());
  CHECK(r.spike_times[0][0] == first);
  CHECK(r.spike_times[0].size() == 2);  // the zero reset starts the same climb again
  CHECK(r.spike_times[0][1] == 2.0 * first + 1.0);
}

namespace {

// A 3-layer chain in -> l1 -> l2 -> l3 with zero-delay dense projections (random weights, some
// negative; the input projection graded), per-neuron biases and random on-grid input (some channels
// spiking several times in one step). extra: more projections.
json chain(std::uint64_t seed, int steps, bool reverse, const json& extra = json::array()) {
  rng r(seed);
  const std::uint32_t n_in = 12, n = 16;
  auto matrix = [&](std::uint32_t rows, std::uint32_t cols, double mean, double sd) {
    json m = json::array();
    for (std::uint32_t i = 0; i < rows; ++i) {
      json row = json::array();
      for (std::uint32_t j = 0; j < cols; ++j) row.push_back(static_cast<float>(r.normal(mean, sd)));
      m.push_back(row);
    }
    return m;
  };
  auto biases = [&](std::uint32_t size) {
    json b = json::array();
    for (std::uint32_t i = 0; i < size; ++i) b.push_back(r.uniform(-0.05, 0.09));
    return b;
  };
  json spikes = json::array();
  for (int k = 0; k < steps; ++k)
    for (std::uint32_t c = 0; c < n_in; ++c) {
      if (r.uniform() >= 0.3) continue;
      const int copies = r.uniform() < 0.15 ? 2 : 1;
      for (int m = 0; m < copies; ++m) spikes.push_back({static_cast<double>(k), c, static_cast<float>(r.uniform(0.5, 1.5))});
    }
  json thresholds = json::array();
  for (std::uint32_t i = 0; i < n; ++i) thresholds.push_back(r.uniform(0.8, 1.2));
  json pops = {
      {{"name", "in"}, {"model", "spike_source"}, {"size", n_in}, {"params", {{"spikes", spikes}}}},
      {{"name", "l1"}, {"model", "lif_tick"}, {"size", n}, {"params", {{"bias", biases(n)}}}},
      {{"name", "l2"}, {"model", "lif_tick"}, {"size", n},
       {"params", {{"leak", 0.8}, {"bias", biases(n)}, {"threshold", thresholds}}}},
      {{"name", "l3"}, {"model", "lif_tick"}, {"size", n},
       {"params", {{"tau_param", 2.0}, {"bias", biases(n)}, {"reset", "zero"}}}}};
  json projs = {{{"pre", "in"}, {"post", "l1"}, {"weights", matrix(n_in, n, 0.25, 0.5)}, {"graded", true}},
                {{"pre", "l1"}, {"post", "l2"}, {"weights", matrix(n, n, 0.12, 0.45)}},
                {{"pre", "l2"}, {"post", "l3"}, {"weights", matrix(n, n, 0.12, 0.45)}}};
  for (const json& e : extra) projs.push_back(e);
  if (reverse) {
    std::reverse(pops.begin(), pops.end());
    std::reverse(projs.begin(), projs.end());
  }
  return {{"format", "evsnn-network/1"}, {"populations", pops}, {"projections", projs}};
}

// Event-driven (with a step recorder) against the twin: identical spikes; Ũ at every step within 1e-12,
// and the recorder's spiked_at(i, k) equal to the twin's spikes. Returns the spike count.
std::size_t compare_with_twin(const json& doc, int steps) {
  auto ed_net = build(doc);
  auto ts_net = build(doc);
  std::vector<std::uint32_t> tick_pops;
  for (std::uint32_t p = 0; p < ed_net->population_count(); ++p)
    if (ed_net->pop(p).membrane() != nullptr && ed_net->pop(p).membrane()->tick() != nullptr) tick_pops.push_back(p);
  step_recorder rec;
  rec.net = ed_net.get();
  rec.watched = tick_pops;
  simulator ed(*ed_net, 7);
  hook_subscription sub;
  sub.tick_period_ms = 1.0;
  ed.add_hook(rec, sub);
  ed.run(steps);
  stepped_simulator ts(*ts_net, 1.0, 7);
  ts.run(steps);
  // The event-driven run also processes the events AT its end time (step `steps`); the twin's last step
  // is steps - 1.
  auto a = keyed(*ed_net, ed.spikes());
  std::erase_if(a, [&](const spike_key& x) { return std::get<0>(x) >= steps; });
  const auto b = keyed(*ts_net, ts.spikes());
  CHECK(a.size() == b.size());
  CHECK(a == b);
  for (std::size_t k = 0; k < std::min(a.size(), b.size()); ++k)
    if (a[k] != b[k]) {
      FAIL_CHECK(fmt::format("first difference at {}: event-driven {} {} {}, twin {} {} {}", k, std::get<0>(a[k]),
                          std::get<1>(a[k]), std::get<2>(a[k]), std::get<0>(b[k]), std::get<1>(b[k]), std::get<2>(b[k])));
      break;
    }
  // The twin's Ũ at step k: a run of k+1 steps ends with it.
  std::map<std::tuple<std::string, int, std::uint32_t>, bool> twin_spiked;
  for (const auto& [t, name, i] : b) twin_spiked[{name, static_cast<int>(t), i}] = true;
  double worst = 0.0;
  int mismatched_spikes = 0;
  for (int k = 0; k < steps; ++k) {
    ts.run(k + 1);
    for (std::uint32_t p : tick_pops) {
      const auto& tw = dynamic_cast<const stepped_lif_tick&>(ts.pop(p));
      REQUIRE(rec.pre[p].size() == static_cast<std::size_t>(steps));
      for (std::uint32_t i = 0; i < tw.size(); ++i) {
        worst = std::max(worst, std::fabs(rec.pre[p][k][i] - tw.pre_reset(i)));
        mismatched_spikes += rec.spiked[p][k][i] != (twin_spiked.count({tw.name(), k, i}) > 0);
      }
    }
  }
  CHECK(worst <= 1e-12);
  CHECK(mismatched_spikes == 0);
  return a.size();
}

}  // namespace

TEST_CASE("lif_tick: a zero-delay 3-layer chain gives the twin's spikes exactly, in either declaration order") {
  const int steps = 60;
  for (std::uint64_t seed : {1u, 2u, 3u})
    for (bool reverse : {false, true}) {
      CAPTURE(seed);
      CAPTURE(reverse);
      const json doc = chain(seed, steps, reverse);
      const std::size_t spikes = compare_with_twin(doc, steps);
      auto net = build(doc);
      simulator sim(*net, 7);
      sim.run(steps - 0.5);
      // Every layer is active, and the deepest layer fires in the same step as the input that drives it.
      std::map<std::string, int> per_pop;
      for (const spike_record& s : sim.spikes()) ++per_pop[net->pop(s.population).name()];
      CHECK(per_pop["l1"] > 20);
      CHECK(per_pop["l2"] > 20);
      CHECK(per_pop["l3"] > 20);
      CHECK(spikes == sim.spikes().size());
      // Ranks follow the chain whatever the declaration order.
      const auto& rank = sim.settle_ranks();
      CHECK(rank[*net->find_population("l1")] == 0);
      CHECK(rank[*net->find_population("l2")] == 1);
      CHECK(rank[*net->find_population("l3")] == 2);
    }
}

TEST_CASE("lif_tick: zero-delay spikes reach the next layer in the same step") {
  // One input at t = 3 drives l1, l1 drives l2 at once: both spike at t = 3.
  const json doc = {{"format", "evsnn-network/1"},
                    {"populations",
                     {{{"name", "l2"}, {"model", "lif_tick"}, {"size", 1}, {"params", {{"leak", 0.5}}}},
                      {{"name", "l1"}, {"model", "lif_tick"}, {"size", 1}, {"params", {{"leak", 0.5}}}},
                      {{"name", "in"}, {"model", "spike_source"}, {"size", 1}, {"params", {{"spikes", {{3.0, 0}}}}}}}},
                    {"projections",
                     {{{"pre", "l1"}, {"post", "l2"}, {"weights", {{1.0}}}}, {{"pre", "in"}, {"post", "l1"}, {"weights", {{1.0}}}}}}};
  auto net = build(doc);
  simulator sim(*net, 1);
  sim.run(10.0);
  REQUIRE(sim.spikes().size() == 3);  // in, l1, l2
  CHECK(sim.spikes()[1].time_ms == 3.0);
  CHECK(net->pop(sim.spikes()[1].population).name() == "l1");
  CHECK(sim.spikes()[2].time_ms == 3.0);
  CHECK(net->pop(sim.spikes()[2].population).name() == "l2");
  auto ts_net = build(doc);
  stepped_simulator ts(*ts_net, 1.0, 1);
  ts.run(10.0);
  CHECK(keyed(*net, sim.spikes()) == keyed(*ts_net, ts.spikes()));
}

TEST_CASE("lif_tick: a zero-delay loop is refused; a delayed recurrent projection runs and matches the twin") {
  const int steps = 50;
  rng r(11);
  auto rec_matrix = [&](double sd) {
    json m = json::array();
    for (int i = 0; i < 16; ++i) {
      json row = json::array();
      for (int j = 0; j < 16; ++j) row.push_back(static_cast<float>(r.normal(0.0, sd)));
      m.push_back(row);
    }
    return m;
  };
  const json loop = {{{"name", "back"}, {"pre", "l3"}, {"post", "l1"}, {"weights", rec_matrix(0.3)}}};
  const std::string msg = "zero-delay loop through projection 'back' between tick populations: give it a delay >= tick_ms";
  CHECK(test::error_of([&] {
          auto net = build(chain(1, steps, false, loop));
          simulator sim(*net, 1);
        }) == msg);
  CHECK(test::error_of([&] {
          auto net = build(chain(1, steps, false, loop));
          stepped_simulator ts(*net, 1.0, 1);
        }) == msg);
  const json self = {{{"name", "self"}, {"pre", "l2"}, {"post", "l2"}, {"weights", rec_matrix(0.3)}}};
  CHECK(test::error_of([&] {
          auto net = build(chain(1, steps, true, self));
          simulator sim(*net, 1);
        }).find("projection 'self'") != std::string::npos);
  // Delayed: l2 -> l2 one tick later, l3 -> l1 two ticks later.
  const json delayed = {{{"name", "self"}, {"pre", "l2"}, {"post", "l2"}, {"weights", rec_matrix(0.3)}, {"delay_ms", 1.0}},
                        {{"name", "back"}, {"pre", "l3"}, {"post", "l1"}, {"weights", rec_matrix(0.3)}, {"delay_ms", 2.0}}};
  for (bool reverse : {false, true}) {
    CAPTURE(reverse);
    CHECK(compare_with_twin(chain(4, steps, reverse, delayed), steps) > 100);
  }
}

TEST_CASE("lif_tick: input between ticks joins the next step; on-grid input within rounding stays in its own") {
  // tick 0.1: 0.3 / 0.1 = 2.9999999999999996 is step 3; 0.25 is between steps 2 and 3: step 3 as well.
  const json params = {{"leak", 0.5}, {"tick_ms", 0.1}};
  const auto on = run_single(single(params, json{{0.3, 0}}, json{{1.0}}), 1.0, 0.1);
  REQUIRE(on.spike_times[0].size() == 1);
  CHECK(on.spike_times[0][0] == doctest::Approx(0.3).epsilon(1e-15));
  const auto off = run_single(single(params, json{{0.25, 0}}, json{{1.0}}), 1.0, 0.1);
  REQUIRE(off.spike_times[0].size() == 1);
  CHECK(off.spike_times[0][0] == doctest::Approx(0.3).epsilon(1e-15));
  // Two half-inputs 0.21 and 0.29 land in the same step (3) and add up to the threshold there.
  const auto two = run_single(single(params, json{{0.21, 0}, {0.29, 1}}, json{{0.5}, {0.5}}), 1.0, 0.1);
  REQUIRE(two.spike_times[0].size() == 1);
  CHECK(two.pre[3][0] == 1.0);
  // The twin bins by floor(t/dt): 0.21 -> step 2, 0.29 -> step 2 — this is why grid input is required there.
}

namespace {

// Changes the biases of population "n" in the middle of every step (as the online trainer does) on a fixed
// random schedule, and records Ũ_k of every neuron at that tick, before the change.
struct bias_changer : hook {
  network* net = nullptr;
  std::uint32_t pop = 0;
  std::vector<std::vector<double>> schedule;  // [step k][neuron]: the bias from step k + 1 on
  std::vector<std::vector<double>> pre;       // [step][neuron]
  void on_tick(double t) override {
    const auto k = static_cast<std::size_t>(std::llround(t - 0.5));
    const tick_membrane* tm = net->pop(pop).membrane()->tick();
    std::vector<double> row;
    for (std::uint32_t i = 0; i < net->pop(pop).size(); ++i) row.push_back(tm->pre_reset_potential(i, k));
    pre.push_back(row);
    if (k < schedule.size()) net->pop(pop).trainable()->set_bias(schedule[k], t);
  }
};

}  // namespace

TEST_CASE("lif_tick: biases changed in the middle of steps apply from the next step, crossings re-predicted") {
  // 6 neurons, leak 0.8, θ 1; the biases jump every few steps between values that cannot cross (b < 0.2),
  // that cross on their own (b >= 0.2: U∞ >= θ) and negative ones; sparse inputs. Against the recurrence
  // Ũ_k = λU_{k−1} + in_k + b_k iterated directly, b_k being the bias set in the middle of step k − 1.
  const std::uint32_t n = 6, steps = 400;
  const double lam = 0.8;
  rng r(11);
  std::vector<std::vector<double>> bias(steps + 1, std::vector<double>(n));
  for (std::uint32_t i = 0; i < n; ++i) bias[0][i] = r.uniform(-0.1, 0.3);
  for (std::uint32_t k = 1; k <= steps; ++k)
    for (std::uint32_t i = 0; i < n; ++i)
      bias[k][i] = r.uniform(0.0, 1.0) < 0.15 ? r.uniform(-0.2, 0.5) : bias[k - 1][i];
  json spikes = json::array();
  std::vector<std::vector<double>> in(steps, std::vector<double>(n, 0.0));
  json weights = json::array();
  std::vector<std::vector<double>> w(3, std::vector<double>(n));
  for (auto& row : w) {
    json jr = json::array();
    for (double& v : row) jr.push_back(v = r.uniform(-0.6, 0.9));
    weights.push_back(jr);
  }
  for (std::uint32_t k = 0; k < steps; ++k)
    for (std::uint32_t c = 0; c < 3; ++c)
      if (r.uniform(0.0, 1.0) < 0.04) {
        spikes.push_back({static_cast<double>(k), c});
        for (std::uint32_t i = 0; i < n; ++i) in[k][i] += w[c][i];
      }
  json b0 = json::array();
  for (double v : bias[0]) b0.push_back(v);
  auto net = build(single({{"leak", lam}, {"bias", b0}}, spikes, weights, n));
  simulator sim(*net, 1);
  bias_changer ch;
  ch.net = net.get();
  ch.pop = *net->find_population("n");
  ch.schedule.assign(bias.begin() + 1, bias.end());
  hook_subscription sub;
  sub.tick_period_ms = 1.0;
  sub.tick_first_ms = 0.5;
  sim.add_hook(ch, sub);
  sim.run(static_cast<double>(steps) - 0.25);
  // The recurrence.
  std::vector<std::vector<double>> expect(n);
  std::vector<double> u(n, 0.0);
  double max_err = 0.0;
  std::size_t bias_only = 0;
  for (std::uint32_t k = 0; k < steps; ++k)
    for (std::uint32_t i = 0; i < n; ++i) {
      const double v = lam * u[i] + in[k][i] + bias[k][i];
      max_err = std::max(max_err, std::fabs(ch.pre[k][i] - v));
      u[i] = v;
      if (v >= 1.0) {
        expect[i].push_back(k);
        u[i] = v - 1.0;
        bias_only += in[k][i] == 0.0 && (k == 0 || in[k - 1][i] == 0.0);
      }
    }
  CHECK(max_err < 1e-12);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::vector<double> got;
    for (const spike_record& s : sim.spikes())
      if (s.population == ch.pop && s.neuron == i) got.push_back(s.time_ms);
    CAPTURE(i);
    CHECK(got == expect[i]);
  }
  CHECK(bias_only > 20);  // crossings with no input: predicted from the changed biases
}

TEST_CASE("lif_tick: potential, membrane view and tick view between evaluations") {
  // λ = 0.5, bias 0.125: U∞ = 0.25. Input 0.5 at step 2: Ũ2 = 0.5 U1 + 0.5 + 0.125.
  auto net = build(single({{"leak", 0.5}, {"bias", 0.125}}, json{{2.0, 0}}, json{{0.5}}));
  simulator sim(*net, 1);
  sim.run(6.0);
  const lif_tick& p = tick_pop(*net, "n");
  // U0 = 0.125, U1 = 0.1875, Ũ2 = 0.71875 (evaluated, no spike), then free: 0.484375, 0.3671875, ...
  CHECK(p.last_step(0) == 2);
  CHECK(p.pre_reset_potential(0, 2) == 0.71875);
  CHECK(p.pre_reset_potential(0, 3) == 0.484375);
  CHECK(p.pre_reset_potential(0, 4) == 0.3671875);
  CHECK(std::isnan(p.pre_reset_potential(0, 1)));
  CHECK(!p.spiked_at(0, 2));
  CHECK(p.potential(0, 2.0) == 0.71875);
  CHECK(p.potential(0, 3.5) == 0.484375);
  CHECK(p.membrane_potential(0, 4.0) == 0.3671875);
  CHECK(p.synaptic_current(0, 4.0) == 0.0);
  CHECK(p.membrane()->tick() == &p);
  CHECK(p.thresholds().size() == 1);
  CHECK(p.spike_reset() == reset_kind::subtract);
  CHECK(p.refractory_ms() == 0.0);
  CHECK(p.bias()[0] == 0.125);
  // The kernel sampled on the grid is λ^j.
  CHECK(p.kernel().value(3.0) == doctest::Approx(0.125).epsilon(1e-14));
  CHECK(p.kernel().inv_tau_syn == 0.0);
  // Only the touched neuron was ever evaluated (one evaluation, bias asymptote below θ: no wakeups).
  CHECK(sim.counters().populations[1].neuron_updates == 1);
  CHECK(sim.counters().populations[1].wakeups_scheduled == 0);
}

TEST_CASE("lif_tick: JSON errors name the file and path; the twin needs dt == tick_ms") {
  auto err = [](const json& params) {
    return test::error_of([&] { build(single(params, json::array(), json{{1.0}})); });
  };
  CHECK(err({{"leak", 0.9}, {"tau_param", 2.0}}) == "net.json: /populations/1/params: give 'leak' or 'tau_param', not both");
  CHECK(err({{"leak", 1.0}}) == "net.json: /populations/1/params/leak: must be in (0, 1), got 1");
  CHECK(err({{"leak", 0.0}}) == "net.json: /populations/1/params/leak: must be in (0, 1), got 0");
  CHECK(err({{"tick_ms", 0.0}}) == "net.json: /populations/1/params/tick_ms: must be > 0, got 0");
  CHECK(err({{"tick_ms", 1e-7}}) == "net.json: /populations/1/params/tick_ms: must be in [1e-06, 1000000000000] ms, got 1e-07");
  CHECK(err({{"tick_ms", -1.0}}).find("/params/tick_ms: must be > 0") != std::string::npos);
  CHECK(err({{"tau_param", 40.0}}).find("/params/tau_param: gives leak 1") != std::string::npos);
  CHECK(err({{"bias", {0.1, 0.2}}}) == "net.json: /populations/1/params/bias: 2 biases, expected 1 (the population size)");
  CHECK(err({{"bias", "x"}}).find("/params/bias: expected a number") != std::string::npos);
  CHECK(err({{"threshold", 0.0}}).find("/params/threshold: must be > 0") != std::string::npos);
  CHECK(err({{"reset", "none"}}).find("/params/reset") != std::string::npos);
  CHECK(err({{"refractory_ms", 1.0}}) == "net.json: /populations/1/params/refractory_ms: lif_tick has no refractory period");
  CHECK(err({{"tau_mem_ms", 10.0}}).find("tau_mem_ms") != std::string::npos);
  CHECK(err({{"leak", 0.9}, {"tick_ms", 0.5}, {"bias", {0.1}}, {"threshold", {1.5}}}) == "(no error)");
  auto net = build(single({{"tick_ms", 0.5}}, json::array(), json{{1.0}}));
  CHECK(test::error_of([&] { stepped_simulator ts(*net, 1.0, 1); }) ==
        "population 'n': lif_tick steps on its own tick: the time-stepped twin needs --dt-ms equal to tick_ms (0.5), got 1");
  CHECK(test::error_of([&] { stepped_simulator ts(*net, 0.5, 1); }) == "(no error)");
}

TEST_CASE("lif_tick ALIF: the adaptive threshold against a direct iteration, crossings with no input, the twin") {
  // Direct iteration of Ũ = λU + in + b, A = θ + β a, s = [Ũ >= A], U = Ũ − θ s, a = ρ a + s.
  const double lam = 0.95, theta = 1.0, beta = 2.0, tau_a = 1.0 / std::log(2.0);  // ρ = 0.5
  const double rho = std::exp(-1.0 / tau_a);
  rng r(5);
  std::vector<double> input(60, 0.0);
  input[0] = 3.5;  // a spike, then one more at step 2 with no input (A falls faster than Ũ)
  for (int k = 20; k < 60; ++k)
    if (r.uniform() < 0.3) input[k] = static_cast<float>(r.uniform(0.2, 1.6));
  // Graded spikes of grade input[k] through a weight-1 graded projection.
  json graded = json::array();
  for (int k = 0; k < 60; ++k)
    if (input[k] != 0.0) graded.push_back({static_cast<double>(k), 0, input[k]});
  const json params = {{"leak", lam}, {"threshold", theta}, {"adapt_beta", beta}, {"adapt_tau_ms", tau_a}};
  const single_run run = run_single(single(params, graded, json{{1.0}}, 1, true), 60.0);
  double U = 0.0, a = 0.0;
  std::vector<double> expected;
  for (int k = 0; k < 60; ++k) {
    const double v = lam * U + input[k];
    const bool s = v >= theta + beta * a;
    CHECK(run.pre[k][0] == doctest::Approx(v).epsilon(1e-14));
    U = s ? v - theta : v;
    a = rho * a + (s ? 1.0 : 0.0);
    if (s) expected.push_back(k);
  }
  REQUIRE(expected.size() >= 4);
  CHECK(expected[0] == 0.0);
  CHECK(expected[1] == 2.0);  // no input at step 2: found by the prediction
  std::vector<double> got = run.spike_times[0];
  std::erase_if(got, [](double t) { return t >= 60.0; });  // the run also settles the step at its end time
  INFO(fmt::format("{} vs {}", fmt::join(got, ","), fmt::join(expected, ",")));
  CHECK(got == expected);
  // The event-driven ALIF network against the twin: feed-forward and delayed recurrence.
  json doc = chain(3, 80, false, json::array({{{"name", "self"}, {"pre", "l2"}, {"post", "l2"}, {"delay_ms", 1.0},
                                               {"weights", json::array()}}}));
  rng w(9);
  for (int i = 0; i < 16; ++i) {
    json row = json::array();
    for (int j = 0; j < 16; ++j) row.push_back(w.normal(0.0, 0.4));
    doc["projections"].back()["weights"].push_back(row);
  }
  for (int p = 1; p <= 2; ++p) {
    doc["populations"][p]["params"]["adapt_beta"] = 0.7 * p;
    doc["populations"][p]["params"]["adapt_tau_ms"] = 5.0 * p;
    doc["populations"][p]["params"]["bias"] = 0.0;
  }
  CHECK(compare_with_twin(doc, 80) > 50);
  // Refusals.
  auto err = [](const json& p) { return test::error_of([&] { build(single(p, json::array(), json{{1.0}})); }); };
  CHECK(err({{"adapt_beta", 1.0}}) ==
        "net.json: /populations/1/params: adapt_beta > 0 needs adapt_tau_ms (the adaptation's time constant)");
  CHECK(err({{"adapt_beta", -1.0}}).find("/params/adapt_beta: must be >= 0") != std::string::npos);
  CHECK(err({{"adapt_beta", 1.0}, {"adapt_tau_ms", 0.0}}).find("/params/adapt_tau_ms: must be > 0") != std::string::npos);
  CHECK(err({{"adapt_beta", 1.0}, {"adapt_tau_ms", 10.0}, {"leak", 0.9}, {"bias", 0.2}}).find(
            "/params/bias: neuron 0: bias 0.2 drives the neuron across its threshold 1") != std::string::npos);
  CHECK(err({{"adapt_beta", 1.0}, {"adapt_tau_ms", 10.0}, {"leak", 0.9}, {"bias", 0.05}}) == "(no error)");
}

TEST_CASE("lif_tick ALIF: a crossing more than one scan (4096 steps) after the last input is still found") {
  // λ close to 1 keeps the free potential above θ for thousands of steps while a large adaptation decays.
  const double lam = 0.99999, beta = 100.0, tau_a = 2000.0, rho = std::exp(-1.0 / tau_a);
  const json params = {{"leak", lam}, {"threshold", 1.0}, {"adapt_beta", beta}, {"adapt_tau_ms", tau_a}};
  const int steps = 20000;
  const single_run run = run_single(single(params, json::array({{0.0, 0, 5.0}}), json{{1.0}}, 1, true), steps);
  double U = 0.0, a = 0.0;
  std::vector<double> expected;
  for (int k = 0; k < steps; ++k) {
    const double v = lam * U + (k == 0 ? 5.0 : 0.0);
    const bool s = v >= 1.0 + beta * a;
    U = s ? v - 1.0 : v;
    a = rho * a + (s ? 1.0 : 0.0);
    if (s) expected.push_back(k);
  }
  REQUIRE(expected.size() >= 2);
  CHECK(expected[1] - expected[0] > static_cast<double>(lif_tick::adaptive_scan_limit));
  std::vector<double> got = run.spike_times[0];
  std::erase_if(got, [&](double t) { return t >= steps; });
  CHECK(got == expected);
}
