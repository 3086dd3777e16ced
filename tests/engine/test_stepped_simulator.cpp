// stepped_simulator: the time-stepped twin — exact per-step propagators, binning, exact counts
// (recomputed from the spikes and the connectivity), same input as the event-driven run, and
// convergence of its spike times to the event-driven ones as dt -> 0.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/network_loader.hpp"
#include "engine/rng.hpp"
#include "engine/simulator.hpp"
#include "engine/stepped_simulator.hpp"
#include "models/builtin_models.hpp"
#include "tools/bench_networks.hpp"

using namespace evsnn;
using nlohmann::json;

namespace {

std::unique_ptr<network> build(const json& doc) {
  static const model_registry models = builtin_model_registry();
  return build_network(doc, "test.json", ".", models);
}

json one_input(const std::string& model, const json& params, double t_in, double w) {
  return {{"format", "evsnn-network/1"},
          {"populations",
           {{{"name", "in"}, {"model", "spike_source"}, {"size", 1}, {"params", {{"spikes", {{t_in, 0}}}}}},
            {{"name", "n"}, {"model", model}, {"size", 1}, {"params", params}}}},
          {"projections", {{{"pre", "in"}, {"post", "n"}, {"weights", {{w}}}}}}};
}

// Spikes of one population, per neuron, in time order.
std::map<std::uint32_t, std::vector<double>> trains(const std::vector<spike_record>& spikes, std::uint32_t pop) {
  std::map<std::uint32_t, std::vector<double>> t;
  for (const spike_record& s : spikes)
    if (s.population == pop) t[s.neuron].push_back(s.time_ms);
  return t;
}

// Synaptic events recomputed from the spikes and the connectivity: every spike reaches the fan-out of
// its neuron in every outgoing projection whose arrival falls inside the run.
std::pair<std::uint64_t, std::uint64_t> expected_events(const network& net, const std::vector<spike_record>& spikes,
                                                        const std::function<bool(double t, double delay)>& delivered) {
  std::uint64_t ac = 0, mac = 0;
  for (const spike_record& s : spikes)
    for (std::uint32_t p = 0; p < net.projection_count(); ++p) {
      const projection& pr = net.proj(p);
      if (pr.pre_population() != s.population || !delivered(s.time_ms, pr.delay_ms())) continue;
      (pr.graded() ? mac : ac) += pr.fan_out(s.neuron);
    }
  return {ac, mac};
}

}  // namespace

TEST_CASE("stepped twin: a lone input gives the exact event-driven kernel at every step end") {
  for (const char* model : {"cuba_lif", "lif_alpha"}) {
    CAPTURE(model);
    const bool alpha = std::string(model) == "lif_alpha";
    const json params = alpha ? json{{"tau_mem_ms", 10.0}, {"threshold", 100.0}}
                              : json{{"tau_mem_ms", 10.0}, {"tau_syn_ms", 3.0}, {"threshold", 100.0}};
    const double dt = 0.25, t_in = 2.0;  // t_in on a step boundary: binning is then exact
    auto ed_net = build(one_input(model, params, t_in, 0.8));
    auto ts_net = build(one_input(model, params, t_in, 0.8));
    stepped_simulator ts(*ts_net, dt, 0);
    for (int steps = 1; steps <= 160; steps += 13) {
      ts.run(steps * dt);
      simulator ed(*ed_net, 0);
      ed.run(steps * dt);
      const double v_ed = ed_net->pop(1).potential(0, steps * dt);
      CHECK(ts.pop(1).value(0) == doctest::Approx(v_ed).epsilon(1e-12));
    }
  }
}

TEST_CASE("stepped twin: li readouts (current and delta synapses) match the exact value on the grid") {
  for (double tau_syn : {0.0, 4.0}) {
    CAPTURE(tau_syn);
    const json params = {{"tau_mem_ms", 20.0}, {"tau_syn_ms", tau_syn}};
    json doc = one_input("li", params, 1.5, -0.7);
    doc["populations"][0]["params"]["spikes"] = {{1.5, 0}, {3.0, 0}, {7.5, 0}};
    auto a = build(doc), b = build(doc);
    simulator ed(*a, 0);
    ed.run(20.0);
    stepped_simulator ts(*b, 0.5, 0);
    ts.run(20.0);
    CHECK(ts.pop(1).value(0) == doctest::Approx(a->pop(1).potential(0, 20.0)).epsilon(1e-12));
  }
}

TEST_CASE("stepped twin: inputs are binned to the step they fall in, spikes come at step ends") {
  // lif_delta: an input above threshold at 1.03 ms spikes in the step [1.0, 1.1) -> at its end, 1.1.
  auto net = build(one_input("lif_delta", {{"tau_mem_ms", 10.0}}, 1.03, 1.5));
  stepped_simulator ts(*net, 0.1, 0);
  ts.run(5.0);
  REQUIRE(ts.spikes().size() == 2);
  CHECK(ts.spikes()[0].time_ms == 1.03);  // the input keeps its own time
  CHECK(ts.spikes()[1].time_ms == doctest::Approx(1.1).epsilon(1e-12));
  CHECK(ts.steps() == 50);
  // A 0.25 ms delay spans floor(0.25/0.1) = 2 steps: the spike lands in step 10 + 2 = 12, fires at 1.3.
  json doc = one_input("lif_delta", {{"tau_mem_ms", 10.0}}, 1.03, 1.5);
  doc["projections"][0]["delay_ms"] = 0.25;
  auto delayed = build(doc);
  stepped_simulator td(*delayed, 0.1, 0);
  td.run(5.0);
  REQUIRE(td.spikes().size() == 2);
  CHECK(td.spikes()[1].time_ms == doctest::Approx(1.3).epsilon(1e-12));
  CHECK(td.delay_steps(0.3) == 3);  // 0.3/0.1 = 2.9999999999999996 counts as 3
}

TEST_CASE("stepped twin: refractory period and both resets") {
  // Constant strong drive: spikes every step unless refractory; with a 1 ms refractory period at
  // dt = 0.25 a neuron spikes at most every 4 steps.
  for (const char* reset : {"subtract", "zero"}) {
    CAPTURE(reset);
    json doc = one_input("cuba_lif", {{"tau_mem_ms", 10.0}, {"tau_syn_ms", 2.0}, {"reset", reset}, {"refractory_ms", 1.0}},
                         0.0, 0.0);
    json spikes = json::array();
    for (int k = 0; k < 400; ++k) spikes.push_back({k * 0.25, 0});
    doc["populations"][0]["params"]["spikes"] = spikes;
    doc["projections"][0]["weights"] = {{50.0}};
    auto net = build(doc);
    stepped_simulator ts(*net, 0.25, 0);
    ts.run(100.0);
    const auto t = trains(ts.spikes(), 1)[0];
    REQUIRE(t.size() > 10);
    for (std::size_t i = 1; i < t.size(); ++i) CHECK(t[i] - t[i - 1] >= 1.0 - 1e-9);
  }
}

TEST_CASE("stepped twin: counts are exact — synaptic events = sum of fan-outs, neuron updates = N T / dt") {
  for (const char* name : {"ff", "recurrent"}) {
    CAPTURE(name);
    json doc = cli::bench_network(name);
    doc["duration_ms"] = 300.0;
    auto net = build(doc);
    for (double dt : {1.0, 0.1, 0.3}) {
      CAPTURE(dt);
      stepped_simulator ts(*net, dt, net->seed);
      ts.run(300.0);
      const std::uint64_t steps = static_cast<std::uint64_t>(std::ceil(300.0 / dt - 1e-9));
      CHECK(ts.steps() == steps);
      std::uint64_t n_stepped = 0;
      for (std::uint32_t p = 0; p < net->population_count(); ++p)
        if (net->pop(p).takes_synaptic_input()) n_stepped += net->pop(p).size();
      CHECK(ts.stepped_neurons() == n_stepped);
      CHECK(ts.counters().total_neuron_updates() == n_stepped * steps);
      // Arrival step of a spike: its emission step (sources: the step its time falls in; neurons: the
      // step after the one they spiked in, i.e. time / dt) plus floor(delay / dt).
      const auto [ac, mac] = expected_events(*net, ts.spikes(), [&](double t, double delay) {
        const auto emitted = static_cast<std::uint64_t>(std::floor(t / dt + 1e-9));
        return emitted + ts.delay_steps(delay) < steps;
      });
      CHECK(ts.counters().total_synaptic_events() == ac + mac);
      std::uint64_t spikes = 0, dense = 0;
      for (std::uint32_t p = 0; p < net->population_count(); ++p) spikes += ts.counters().populations[p].spikes;
      CHECK(spikes == ts.spikes().size());
      for (std::uint32_t p = 0; p < net->projection_count(); ++p)
        dense += std::uint64_t{net->proj(p).n_pre()} * net->proj(p).n_post() * steps;
      CHECK(ts.total_dense_macs() == dense);
    }
  }
}

TEST_CASE("event-driven counts are exact too: synaptic events = sum over spikes of the fan-out") {
  for (const char* name : {"ff", "recurrent"}) {
    CAPTURE(name);
    json doc = cli::bench_network(name);
    auto net = build(doc);
    simulator ed(*net, net->seed);
    ed.run(400.0);
    const auto [ac, mac] = expected_events(*net, ed.spikes(), [](double t, double delay) { return t + delay <= 400.0; });
    std::uint64_t got_ac = 0, got_mac = 0, spikes_in = 0, expect_in = 0;
    for (const auto& p : ed.counters().projections) {
      got_ac += p.synaptic_events;
      got_mac += p.graded_events;
      spikes_in += p.spikes_in;
    }
    for (const spike_record& s : ed.spikes())
      for (std::uint32_t p = 0; p < net->projection_count(); ++p)
        expect_in += net->proj(p).pre_population() == s.population && s.time_ms + net->proj(p).delay_ms() <= 400.0;
    CHECK(got_ac == ac);
    CHECK(got_mac == mac);
    CHECK(spikes_in == expect_in);
    CHECK(ed.counters().total_spikes() == ed.spikes().size());
  }
}

TEST_CASE("stepped twin: the same input as the event-driven run (Poisson regenerated from the same seeds)") {
  json doc = cli::bench_network("ff");
  doc["duration_ms"] = 500.0;
  auto net = build(doc);
  simulator ed(*net, net->seed);
  ed.run(500.0);
  stepped_simulator ts(*net, 0.1, net->seed);
  ts.run(500.0);
  std::vector<std::pair<double, std::uint32_t>> a, b;
  for (const auto& s : ed.spikes())
    if (s.population == 0) a.emplace_back(s.time_ms, s.neuron);
  for (const auto& s : ts.spikes())
    if (s.population == 0) b.emplace_back(s.time_ms, s.neuron);
  REQUIRE(a.size() > 1000);
  CHECK(a == b);
  // A second run of the twin repeats itself bit for bit.
  const auto first = ts.spikes();
  stepped_simulator ts2(*net, 0.1, net->seed);
  ts2.run(500.0);
  REQUIRE(ts2.spikes().size() == first.size());
  for (std::size_t i = 0; i < first.size(); ++i) CHECK(ts2.spikes()[i].time_ms == first[i].time_ms);
}

TEST_CASE("stepped twin: a model without a twin, and a bad dt, are clear errors") {
  struct no_twin final : population {
    no_twin() : population("odd", 1) {}
    const char* model() const override { return "odd_model"; }
    void reset(double) override {}
    void deliver_sparse(double, std::span<const std::uint32_t>, std::span<const double>, float) override {}
    void deliver_dense(double, std::span<const double>, float) override {}
    void wakeup(double, std::uint32_t, std::uint32_t) override {}
    double potential(std::uint32_t, double) const override { return 0; }
  };
  network net;
  net.add_population(std::make_unique<no_twin>());
  CHECK_THROWS_WITH_AS(stepped_simulator(net, 0.1, 0), "population 'odd': model odd_model has no time-stepped twin",
                       input_error);
  auto ok = build(one_input("lif_delta", {{"tau_mem_ms", 10.0}}, 1.0, 1.0));
  CHECK_THROWS_AS(stepped_simulator(*ok, 0.0, 0), input_error);
  CHECK_THROWS_AS(stepped_simulator(*ok, -1.0, 0), input_error);
}

TEST_CASE("stepped twin: spike times converge to the event-driven ones as dt -> 0 (first order)") {
  // 40 inputs (replayed, 4 spikes each) -> 30 cuba_lif (subtract) -> 10 lif_alpha (zero reset,
  // refractory 2 ms), 1 ms delays (a whole number of steps at every dt below).
  rng r(11);
  json in_spikes = json::array();
  for (int ch = 0; ch < 40; ++ch)
    for (int k = 0; k < 4; ++k) in_spikes.push_back({r.uniform(0.0, 150.0), ch});
  json w1 = json::array(), w2 = json::array();
  for (int i = 0; i < 40; ++i) {
    json row = json::array();
    for (int j = 0; j < 30; ++j) row.push_back(r.normal(0.25, 0.35));
    w1.push_back(row);
  }
  for (int i = 0; i < 30; ++i) {
    json row = json::array();
    for (int j = 0; j < 10; ++j) row.push_back(r.normal(0.6, 0.5));
    w2.push_back(row);
  }
  const json doc = {
      {"format", "evsnn-network/1"},
      {"populations",
       {{{"name", "in"}, {"model", "spike_source"}, {"size", 40}, {"params", {{"spikes", in_spikes}}}},
        {{"name", "h"}, {"model", "cuba_lif"}, {"size", 30}, {"params", {{"tau_mem_ms", 10.0}, {"tau_syn_ms", 3.0}}}},
        {{"name", "o"},
         {"model", "lif_alpha"},
         {"size", 10},
         {"params", {{"tau_mem_ms", 8.0}, {"reset", "zero"}, {"refractory_ms", 2.0}}}}}},
      {"projections",
       {{{"pre", "in"}, {"post", "h"}, {"delay_ms", 1.0}, {"weights", w1}},
        {{"pre", "h"}, {"post", "o"}, {"delay_ms", 1.0}, {"weights", w2}}}}};
  auto net = build(doc);
  simulator ed(*net, 0);
  ed.run(200.0);
  std::vector<double> dts, errors;
  for (double dt = 0.05; dt >= 0.05 / 64; dt /= 2) {
    stepped_simulator ts(*net, dt, 0);
    ts.run(200.0);
    double err = 0.0;
    std::size_t n = 0;
    for (std::uint32_t pop : {1u, 2u}) {
      auto a = trains(ed.spikes(), pop), b = trains(ts.spikes(), pop);
      REQUIRE(a.size() == b.size());
      for (auto& [neuron, ta] : a) {
        const auto& tb = b[neuron];
        REQUIRE(ta.size() == tb.size());
        for (std::size_t i = 0; i < ta.size(); ++i) err = std::max(err, std::fabs(ta[i] - tb[i]));
        n += ta.size();
      }
    }
    REQUIRE(n > 50);
    CHECK(err <= 20 * dt);
    dts.push_back(dt);
    errors.push_back(err);
  }
  // Least-squares slope of log(error) against log(dt): the order of convergence.
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double m = static_cast<double>(dts.size());
  for (std::size_t i = 0; i < dts.size(); ++i) {
    const double x = std::log(dts[i]), y = std::log(errors[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double order = (m * sxy - sx * sy) / (m * sxx - sx * sx);
  std::string table;
  for (std::size_t i = 0; i < dts.size(); ++i) table += fmt::format("  dt {:.6f} ms: max |t_stepped - t_exact| = {:.3e} ms\n", dts[i], errors[i]);
  MESSAGE("convergence of stepped spike times:\n" << table << "  order " << order);
  CHECK(order > 0.8);
  CHECK(order < 1.3);
}

TEST_CASE("stepped twin: same-step populations step in zero-delay order and pass spikes on within the step") {
  // lif_tick (same-step): declared c, b, a; in -> a (t = 3) -> b (zero delay) -> c (delay 2 ticks), and
  // a -> d with delay 0.5 tick (lands in the first step at or after it: step 4).
  const json doc = {
      {"format", "evsnn-network/1"},
      {"populations",
       {{{"name", "c"}, {"model", "lif_tick"}, {"size", 1}},
        {{"name", "b"}, {"model", "lif_tick"}, {"size", 1}},
        {{"name", "d"}, {"model", "lif_tick"}, {"size", 1}},
        {{"name", "a"}, {"model", "lif_tick"}, {"size", 1}},
        {{"name", "in"}, {"model", "spike_source"}, {"size", 1}, {"params", {{"spikes", {{3.0, 0}}}}}}}},
      {"projections",
       {{{"pre", "b"}, {"post", "c"}, {"weights", {{1.0}}}, {"delay_ms", 2.0}},
        {{"pre", "a"}, {"post", "b"}, {"weights", {{1.0}}}},
        {{"pre", "a"}, {"post", "d"}, {"weights", {{1.0}}}, {"delay_ms", 0.5}},
        {{"pre", "in"}, {"post", "a"}, {"weights", {{1.0}}}}}}};
  auto net = build(doc);
  stepped_simulator ts(*net, 1.0, 1);
  CHECK(ts.step_order() == std::vector<std::uint32_t>{0, 2, 3, 1});  // b after a; the rest as declared
  ts.run(10.0);
  std::map<std::string, std::vector<double>> t;
  for (const spike_record& s : ts.spikes()) t[net->pop(s.population).name()].push_back(s.time_ms);
  CHECK(t["in"] == std::vector<double>{3.0});
  CHECK(t["a"] == std::vector<double>{3.0});
  CHECK(t["b"] == std::vector<double>{3.0});
  CHECK(t["c"] == std::vector<double>{5.0});
  CHECK(t["d"] == std::vector<double>{4.0});
  // The event-driven run agrees.
  auto ed_net = build(doc);
  simulator ed(*ed_net, 1);
  ed.run(9.5);
  std::map<std::string, std::vector<double>> e;
  for (const spike_record& s : ed.spikes()) e[ed_net->pop(s.population).name()].push_back(s.time_ms);
  CHECK(e == t);
  // Networks without same-step populations step in declaration order.
  auto plain = build(one_input("lif_delta", {{"tau_mem_ms", 10.0}}, 1.0, 2.0));
  stepped_simulator tp(*plain, 0.5, 1);
  CHECK(tp.step_order() == std::vector<std::uint32_t>{1});
}
