// bp_exact: the gradient through spike times checked against central finite differences of the
// simulated network (several spikes per neuron, two layers, lif_alpha and cuba_lif, count-style,
// first-spike and readout losses).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "rules/bp_exact.hpp"
#include "tests/rules/rule_fixture.hpp"

using namespace evsnn;

namespace {

struct probe {
  rules::loss_input input;
  std::vector<double> c;  // dL/d(quantity)
};

// L(w) for the probe: sum_o c_o * (sum of spike times | first spike time | readout value).
double pseudo_loss(test::rule_fixture& f, const probe& p, double duration, std::vector<std::size_t>& counts) {
  const auto& out = f.chain.output();
  double L = 0.0;
  counts.clear();
  for (std::size_t l = 0; l < f.chain.layers.size(); ++l)
    for (std::uint32_t i = 0; i < f.chain.layers[l].size; ++i)
      if (!f.chain.layers[l].readout) counts.push_back(f.spikes_of(l, i).size());
  for (std::uint32_t o = 0; o < out.size; ++o) {
    if (p.input == rules::loss_input::readout) {
      L += p.c[o] * f.net->pop(out.population).potential(o, duration);
      continue;
    }
    const auto t = f.spikes_of(f.chain.layers.size() - 1, o);
    if (p.input == rules::loss_input::first_spike) {
      if (!t.empty()) L += p.c[o] * t[0];
    } else {
      for (double x : t) L += p.c[o] * x;
    }
  }
  return L;
}

// Checks every weight whose perturbation keeps all spike counts; returns how many were compared.
int check_gradient(const nlohmann::json& doc, const probe& p, int inputs_per_channel, double t_in, double duration,
                   std::uint64_t seed) {
  test::rule_fixture f(doc);
  rules::bp_exact rule(f.chain, p.input);
  auto worker = rule.make_worker(*f.sim, f.chain);
  const auto in = test::random_input(f.chain.input_size, inputs_per_channel, t_in, seed);
  f.run(in, duration);
  // Count-style errors: dL/dt_k = -dL/dn_o = c_o, so pass grad = -c.
  std::vector<double> grad(p.c);
  if (p.input == rules::loss_input::counts)
    for (double& g : grad) g = -g;
  rules::fixed_sum_set sums = rule.make_sums();
  worker->accumulate({p.input, grad, duration}, sums);
  std::vector<std::vector<double>> g;
  rule.end_batch(sums, 1, g);
  std::vector<std::size_t> base_counts;
  pseudo_loss(f, p, duration, base_counts);
  std::size_t multi = 0;
  for (std::size_t c : base_counts) multi += c >= 2;
  CHECK(multi >= 2);  // the test must exercise the reset coupling
  worker->set_learning(false);
  int compared = 0;
  const double h = 0x1p-16;  // w +- h exact for |w| < 2^36; truncation error O(h^2)
  for (std::size_t l = 0; l < f.chain.layers.size(); ++l) {
    const auto& info = f.chain.layers[l];
    for (std::uint32_t j = 0; j < info.fan_in; ++j)
      for (std::uint32_t i = 0; i < info.size; ++i) {
        double& w = f.weight(l, j, i);
        const double w0 = w;
        std::vector<std::size_t> cp, cm;
        w = w0 + h;
        f.run(in, duration);
        const double lp = pseudo_loss(f, p, duration, cp);
        w = w0 - h;
        f.run(in, duration);
        const double lm = pseudo_loss(f, p, duration, cm);
        w = w0;
        if (cp != base_counts || cm != base_counts) continue;  // a spike appeared or vanished: not differentiable here
        const double fd = (lp - lm) / (2.0 * static_cast<double>(h));
        const double an = g[l][std::size_t(j) * info.size + i];
        INFO("layer " << l << " w[" << j << "][" << i << "] analytic " << an << " finite difference " << fd);
        CHECK(std::abs(an - fd) <= 2e-4 * std::max(1.0, std::abs(fd)));
        ++compared;
      }
  }
  return compared;
}

}  // namespace

TEST_CASE("bp_exact: multi-spike gradient of summed spike times matches finite differences (lif_alpha)") {
  const auto doc = test::chain_network({6, 5, 3}, {0.4, 0.5}, {0.9, 0.7}, {0.5, 0.4});
  const int n = check_gradient(doc, {rules::loss_input::counts, {1.0, -0.5, 0.25}}, 3, 20.0, 60.0, 7);
  CHECK(n > 30);
}

TEST_CASE("bp_exact: first-spike-time gradient matches finite differences through two hidden layers") {
  const auto doc = test::chain_network({5, 6, 4, 3}, {0.3, 0.4, 0.4}, {0.8, 0.6, 0.6}, {0.4, 0.4, 0.3});
  const int n = check_gradient(doc, {rules::loss_input::first_spike, {0.7, -1.0, 0.4}}, 3, 15.0, 60.0, 11);
  CHECK(n > 40);
}

TEST_CASE("bp_exact: li readout value gradient matches finite differences") {
  const auto doc = test::chain_network({6, 5, 3}, {0.4, 0.0}, {0.9, 0.5}, {0.5, 0.5}, 10.0, "lif_alpha", true);
  const int n = check_gradient(doc, {rules::loss_input::readout, {1.0, -2.0, 0.5}}, 3, 20.0, 40.0, 5);
  CHECK(n > 20);
}

TEST_CASE("bp_exact: general tau_mem != 2 tau_syn (cuba_lif) matches finite differences") {
  const auto doc = test::chain_network({6, 5, 3}, {0.3, 0.4}, {0.9, 0.7}, {0.5, 0.4}, 12.0, "cuba_lif");
  const int n = check_gradient(doc, {rules::loss_input::counts, {0.5, 1.0, -0.75}}, 3, 20.0, 60.0, 3);
  CHECK(n > 30);
}

TEST_CASE("bp_exact: the gradient in the input spike times (FGSM on TTFS) matches finite differences") {
  const auto doc = test::chain_network({6, 5, 3}, {0.4, 0.5}, {0.9, 0.7}, {0.5, 0.4});
  const probe p{rules::loss_input::first_spike, {0.7, -1.0, 0.4}};
  test::rule_fixture f(doc);
  rules::bp_exact rule(f.chain, p.input);
  auto worker = rule.make_worker(*f.sim, f.chain);
  const double duration = 60.0;
  auto in = test::random_input(f.chain.input_size, 3, 20.0, 7);
  f.run(in, duration);
  rules::fixed_sum_set sums = rule.make_sums();
  worker->accumulate({p.input, p.c, duration}, sums);
  const auto g = worker->input_time_gradient();
  REQUIRE(g.size() == in.size());
  std::vector<std::size_t> base;
  pseudo_loss(f, p, duration, base);
  worker->set_learning(false);
  int compared = 0;
  const double h = 1e-5;
  for (std::size_t z = 0; z < in.size(); ++z) {
    // The arrival z is the input event of the same channel and time.
    std::size_t e = in.size();
    for (std::size_t k = 0; k < in.size(); ++k)
      if (in[k].channel == g[z].channel && in[k].time_ms == g[z].t_ms) e = k;
    REQUIRE(e < in.size());
    auto moved = [&](double dt) {
      auto x = in;
      x[e].time_ms += dt;
      std::sort(x.begin(), x.end(), [](const input_event& a, const input_event& b) { return a.time_ms < b.time_ms; });
      return x;
    };
    std::vector<std::size_t> cp, cm;
    f.run(moved(h), duration);
    const double lp = pseudo_loss(f, p, duration, cp);
    f.run(moved(-h), duration);
    const double lm = pseudo_loss(f, p, duration, cm);
    if (cp != base || cm != base) continue;
    const double fd = (lp - lm) / (2 * h);
    INFO("input " << z << " analytic " << g[z].dl_dt << " finite difference " << fd);
    CHECK(std::abs(g[z].dl_dt - fd) <= 1e-4 * std::max(1.0, std::abs(fd)));
    compared += fd != 0.0;
  }
  CHECK(compared >= 4);
}
