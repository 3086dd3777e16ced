// readout_unroll (bptt on chains ending in a leaky readout): the unrolled twin spikes and reads out as the
// event-driven network did; its backward pass equals finite differences of the smooth surrogate network in
// every weight (input, hidden, dense and sparse recurrent, readout) and in the input, for LIF and ALIF, both
// surrogates and a loss window; the bptt rule trains a recurrent chain and serves as eprop's alignment
// reference.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "readout_chain_fixture.hpp"
#include "rule_fixture.hpp"
#include "rules/readout_unroll.hpp"
#include "trainer_fixture.hpp"

using namespace evsnn;
using namespace evsnn::rules;
using nlohmann::json;
using test::net_shape;

namespace {

std::vector<std::vector<tick_input>> steps_of(const std::vector<input_event>& in, std::uint32_t T) {
  std::vector<std::vector<tick_input>> x(T);
  for (const input_event& e : in) {
    auto& step = x[static_cast<std::size_t>(std::ceil(e.time_ms - 1e-9))];
    bool found = false;
    for (tick_input& t : step)
      if (t.pre == e.channel) t.x += 1.0, found = true;
    if (!found) step.push_back({e.channel, 1.0});
  }
  return x;
}

// The readout layer's potentials seen by a hook at mid-step ticks, and the hidden spikes per step.
struct watcher : hook {
  const layer_chain* chain = nullptr;
  std::vector<double> y;
  void on_tick(double t) override {
    const double tk = std::floor(t);
    for (std::uint32_t c = 0; c < chain->output().size; ++c) y.push_back(chain->output().membrane->membrane_potential(c, tk));
  }
};

}  // namespace

TEST_CASE("readout_unroll: the twin spikes and reads out as the event-driven network") {
  for (bool alif : {false, true}) {
    CAPTURE(alif);
    net_shape s;
    s.alif = alif;
    s.hidden = {6, 5};
    test::rule_fixture f(test::eprop_network(s, 12));
    watcher w;
    w.chain = &f.chain;
    hook_subscription sub;
    sub.tick_period_ms = 1.0;
    sub.tick_first_ms = 0.5;
    f.sim->add_hook(w, sub);
    const std::uint32_t T = 40;
    const auto input = test::grid_input(s.n_in, T, 3, 0.3, 0.05);
    f.run(input, T);
    readout_net net = make_readout_net(*f.net, f.chain, "test");
    readout_unroll u;
    readout_forward(net, steps_of(input, T), 0, 0, nullptr, u);
    std::size_t engine = 0, twin = 0;
    for (const spike_record& r : f.sim->spikes())
      if (r.population != f.chain.input && r.time_ms < T) ++engine;
    for (const auto& layer : u.s)
      for (double v : layer) twin += v != 0.0;
    CHECK(engine == twin);
    CHECK(twin > 20);
    REQUIRE(w.y.size() == u.y.size());
    double worst = 0.0;
    for (std::size_t k = 0; k < u.y.size(); ++k) worst = std::max(worst, std::fabs(w.y[k] - u.y[k]));
    CHECK(worst < 1e-12);
  }
}

TEST_CASE("readout_unroll: the backward pass equals finite differences of the smooth surrogate network") {
  struct variant {
    const char* name;
    bool alif, sparse, piecewise;
    std::uint64_t window_start;
    double reg = 0.0;  // the firing-rate regulariser's c (f₀ 0.2 per step)
  };
  for (const variant& v : {variant{"LIF, dense recurrence, fast sigmoid", false, false, false, 0},
                           variant{"ALIF, sparse recurrence, piecewise, window", true, true, true, 6},
                           variant{"ALIF, dense recurrence, fast sigmoid, window", true, false, false, 10},
                           variant{"ALIF, sparse, piecewise, rate regulariser", true, true, true, 4, 0.7}}) {
    INFO(v.name);
    net_shape s;
    s.alif = v.alif;
    s.sparse_recurrent = v.sparse;
    s.hidden = {5, 4};
    s.n_in = 4;
    test::rule_fixture f(test::eprop_network(s, 5));
    readout_net net = make_readout_net(*f.net, f.chain, "test");
    const std::uint32_t T = 16;
    auto x = steps_of(test::grid_input(s.n_in, T, 8, 0.4, 0.1), T);
    tick_surrogate sg;
    sg.piecewise = v.piecewise;
    sg.gamma = 0.6;
    sg.slope = 2.0;
    readout_unroll u;
    readout_forward(net, x, 1, v.window_start, &sg, u);
    std::vector<std::vector<double>> grads, ds;
    std::vector<double> input_grad;
    rate_regulariser(u, v.reg, 0.2, ds);
    readout_backward(net, x, u, sg, grads, &input_grad, v.reg > 0 ? &ds : nullptr);
    auto loss_at = [&] {
      readout_unroll w;
      readout_forward(net, x, 1, v.window_start, &sg, w);
      std::vector<std::vector<double>> unused;
      return w.loss.value + (v.reg > 0 ? rate_regulariser(w, v.reg, 0.2, unused) : 0.0);
    };
    const double h = 1e-6;
    double worst = 0.0, scale = 0.0;
    for (std::size_t b = 0; b < net.blocks.size(); ++b) {
      std::span<double> w = net.blocks[b].proj->weights();
      for (std::size_t k = 0; k < w.size(); ++k) {
        const double w0 = w[k];
        w[k] = w0 + h;
        const double up = loss_at();
        w[k] = w0 - h;
        const double down = loss_at();
        w[k] = w0;
        worst = std::max(worst, std::fabs((up - down) / (2 * h) - grads[b][k]));
        scale = std::max(scale, std::fabs(grads[b][k]));
      }
    }
    CHECK(scale > 1e-3);
    CHECK(worst < 1e-6 * scale);
    // The input: perturb x of channel j at step k (added when absent).
    double worst_in = 0.0, scale_in = 0.0;
    for (std::uint32_t k = 0; k < T; ++k)
      for (std::uint32_t j = 0; j < s.n_in; ++j) {
        std::vector<tick_input>& step = x[k];
        std::size_t at = step.size();
        for (std::size_t q = 0; q < step.size(); ++q)
          if (step[q].pre == j) at = q;
        if (at == step.size()) step.push_back({j, 0.0});
        const double x0 = step[at].x;
        step[at].x = x0 + h;
        const double up = loss_at();
        step[at].x = x0 - h;
        const double down = loss_at();
        step[at].x = x0;
        const double g = input_grad[k * s.n_in + j];
        worst_in = std::max(worst_in, std::fabs((up - down) / (2 * h) - g));
        scale_in = std::max(scale_in, std::fabs(g));
      }
    CHECK(scale_in > 1e-3);
    CHECK(worst_in < 1e-6 * scale_in);
  }
}

TEST_CASE("bptt on a recurrent readout chain trains, deterministically, and is eprop's alignment reference") {
  net_shape s;
  s.n_in = 30;
  s.hidden = {16};
  s.alif = true;
  s.tau_out_ms = 10.0;
  auto config = [&](const json& rule, const std::filesystem::path& out, unsigned threads) {
    return test::readout_train_config(s, rule, out, threads);
  };
  auto a = test::make_trainer(config({{"type", "bptt"}, {"loss_window_ms", 10}}, test::fresh_dir("bptt_ro_a"), 1));
  auto b = test::make_trainer(config({{"type", "bptt"}, {"loss_window_ms", 10}}, test::fresh_dir("bptt_ro_b"), 3));
  a.train(nullptr, nullptr);
  b.train(nullptr, nullptr);
  REQUIRE(a.chain().blocks.size() == 3);
  test::check_same_blocks(a, b);
  CHECK(a.log().back().loss < a.log().front().loss);
  // eprop with alignment: the default reference on this chain is bptt; cosines per block and model-wide.
  json cfg = config({{"type", "eprop"}}, test::fresh_dir("eprop_align"), 1);
  cfg["alignment"] = {{"every_batches", 2}};
  auto e = test::make_trainer(cfg);
  e.train(nullptr, nullptr);
  const auto& m = e.log().back();
  REQUIRE(m.update_cosine.size() == 3);
  for (double c : m.update_cosine) CHECK((c >= -1.0 && c <= 1.0));
  CHECK(m.update_cosine[1] > 0.5);  // the readout's gradient is exact in both
}
