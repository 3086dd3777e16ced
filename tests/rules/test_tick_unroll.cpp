// tick_unroll: BPTT's backward (weights, recurrent weights and biases) against central finite differences
// of the surrogate network (spikes
// s = f(Ũ − θ), f(v) = v/(1 + slope|v|), whose derivative is the fast-sigmoid ψ), for one, two and three
// layers, on the spike loss and on the F- trace loss, with recurrent weights (delays of 1 and 2 steps); the
// Heaviside forward on a hand-computed case.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "engine/rng.hpp"
#include "rules/tick_unroll.hpp"

using namespace evsnn;
using namespace evsnn::rules;

namespace {

struct surrogate_net {
  std::vector<std::uint32_t> sizes;
  std::vector<std::vector<double>> w;
  std::vector<std::vector<double>> b;
  std::vector<std::vector<double>> wr;  // recurrent blocks (p.recurrent[r].weights)
  std::vector<std::vector<tick_input>> inputs;
  tick_params p;

  surrogate_net(std::vector<std::uint32_t> sz, std::uint32_t steps, std::uint64_t seed,
                std::vector<std::pair<std::size_t, std::uint32_t>> recurrent = {})
      : sizes(std::move(sz)) {
    rng r(seed);
    const std::size_t L = sizes.size() - 1;
    for (std::size_t l = 0; l < L; ++l) {
      std::vector<double> wl(std::size_t(sizes[l]) * sizes[l + 1]);
      for (double& v : wl) v = r.normal(0.3, 0.6);
      w.push_back(wl);
      std::vector<double> bl(sizes[l + 1]);
      for (double& v : bl) v = r.uniform(-0.1, 0.2);
      b.push_back(bl);
      p.info.leak.push_back(0.85 + 0.05 * static_cast<double>(l));
      p.info.threshold.push_back(std::vector<double>(sizes[l + 1], 1.0));
    }
    for (std::size_t l = 0; l < L; ++l)
      p.info.leak_next.push_back(l + 1 < L ? p.info.leak[l + 1] : p.info.leak[l]);
    inputs.resize(steps);
    for (std::uint32_t k = 0; k < steps; ++k)
      for (std::uint32_t j = 0; j < sizes[0]; ++j)
        if (r.uniform(0.0, 1.0) < 0.35) inputs[k].push_back({j, r.uniform(0.0, 1.0) < 0.8 ? 1.0 : 2.0});
    p.sizes = sizes;
    for (const auto& [layer, delay] : recurrent) {
      std::vector<double> m(static_cast<std::size_t>(sizes[layer + 1]) * sizes[layer + 1]);
      for (double& v : m) v = r.normal(0.0, 0.5);
      wr.push_back(m);
      p.recurrent.push_back({layer, delay, {}});
    }
    bind();
  }
  void bind() {
    p.weights.clear();
    p.bias.clear();
    for (std::size_t l = 0; l < w.size(); ++l) {
      p.weights.push_back(w[l]);
      p.bias.push_back(b[l]);
    }
    for (std::size_t r = 0; r < wr.size(); ++r) p.recurrent[r].weights = wr[r];
  }
  double loss(tick_loss_on on, double slope) {
    tick_unroll u;
    unroll_forward(p, inputs, 1, on, slope, u);
    return u.loss.value;
  }
};

void check_gradient(std::vector<std::uint32_t> sizes, tick_loss_on on,
                    std::vector<std::pair<std::size_t, std::uint32_t>> recurrent = {}) {
  const double slope = 5.0;  // smooth enough for central differences at h = 1e-5
  surrogate_net net(std::move(sizes), 12, 7, std::move(recurrent));
  tick_unroll u;
  unroll_forward(net.p, net.inputs, 1, on, slope, u);
  std::vector<std::vector<double>> grad, bias_grad;
  unroll_backward(net.p, net.inputs, u, on, slope, grad, &bias_grad);
  double max_err = 0.0, max_grad = 0.0;
  REQUIRE(grad.size() == net.w.size() + net.wr.size());
  REQUIRE(bias_grad.size() == net.b.size());
  grad.insert(grad.end(), bias_grad.begin(), bias_grad.end());  // the biases last
  for (std::size_t l = 0; l < grad.size(); ++l) {
    const std::size_t W = net.w.size(), R = net.wr.size();
    std::vector<double>& w = l < W ? net.w[l] : l < W + R ? net.wr[l - W] : net.b[l - W - R];
    for (std::size_t k = 0; k < w.size(); ++k) {
      const double w0 = w[k];
      const double up = w0 + 1e-5, down = w0 - 1e-5;  // truncation O(h²): 1e-6 at h = 1e-4 for biases
      w[k] = up;
      const double l_up = net.loss(on, slope);
      w[k] = down;
      const double l_down = net.loss(on, slope);
      w[k] = w0;
      const double fd = (l_up - l_down) / (static_cast<double>(up) - static_cast<double>(down));
      max_err = std::max(max_err, std::fabs(fd - grad[l][k]));
      max_grad = std::max(max_grad, std::fabs(grad[l][k]));
    }
  }
  CAPTURE(max_err);
  CAPTURE(max_grad);
  CHECK(max_grad > 1e-3);
  CHECK(max_err < 1e-7 * std::max(1.0, max_grad));
}

}  // namespace

TEST_CASE("bptt backward equals finite differences of the surrogate network") {
  SUBCASE("one layer, spike loss") { check_gradient({4, 3}, tick_loss_on::spikes); }
  SUBCASE("two layers, spike loss") { check_gradient({4, 5, 3}, tick_loss_on::spikes); }
  SUBCASE("three layers, spike loss") { check_gradient({3, 4, 4, 3}, tick_loss_on::spikes); }
  SUBCASE("three layers, trace loss") { check_gradient({3, 4, 4, 3}, tick_loss_on::trace); }
  SUBCASE("recurrent hidden layers (delays 1 and 2), spike loss") {
    check_gradient({3, 4, 4, 3}, tick_loss_on::spikes, {{0, 1}, {1, 2}});
  }
  SUBCASE("recurrent hidden and output layers, trace loss") {
    check_gradient({3, 5, 3}, tick_loss_on::trace, {{0, 1}, {1, 1}});
  }
}

TEST_CASE("heaviside forward: hand-computed potentials, spikes, subtractive reset and loss") {
  // One input, one neuron: λ = 0.5, w = 0.8, b = 0.1; input at steps 0, 1, 2.
  tick_params p;
  std::vector<double> w = {0.8};
  std::vector<double> b = {0.1};
  p.weights = {w};
  p.bias = {b};
  p.sizes = {1, 1};
  p.info.leak = {0.5};
  p.info.leak_next = {0.5};
  p.info.threshold = {{1.0}};
  std::vector<std::vector<tick_input>> in = {{{0, 1.0}}, {{0, 1.0}}, {{0, 1.0}}, {}};
  tick_unroll u;
  unroll_forward(p, in, 0, tick_loss_on::spikes, 0.0, u);
  const double w0 = 0.8;
  const double u0 = w0 + 0.1;                    // 0.9: no spike
  const double u1 = 0.5 * u0 + w0 + 0.1;         // 1.35: spike, U = 0.35
  const double u2 = 0.5 * (u1 - 1.0) + w0 + 0.1; // 1.075: spike
  const double u3 = 0.5 * (u2 - 1.0) + 0.1;
  CHECK(u.u_tilde[0] == std::vector<double>{u0, u1, u2, u3});
  CHECK(u.s[0] == std::vector<double>{0.0, 1.0, 1.0, 0.0});
  // One output neuron: softmax is 1, the loss 0; the prediction is neuron 0 (it spiked).
  CHECK(u.loss.value == 0.0);
  CHECK(u.loss.prediction == 0);
}
