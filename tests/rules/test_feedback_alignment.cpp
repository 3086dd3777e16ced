// feedback_alignment (sfdfa / dfa): the local spike-time gradient against the closed form of a single
// neuron (eq. 17 and its singularity, the eq. 18 bound), the output-layer gradient against exact BP,
// and SFDFA's grades and feedback learning.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/error.hpp"
#include "engine/json_node.hpp"
#include "rules/bp_exact.hpp"
#include "rules/feedback_alignment.hpp"
#include "tests/rules/rule_fixture.hpp"
#include "tests/rules/trainer_fixture.hpp"

using namespace evsnn;

namespace {

nlohmann::json single_neuron(double w, double theta, double tau_mem) {
  return {{"format", "evsnn-network/1"},
          {"populations",
           {{{"name", "in"}, {"model", "spike_source"}, {"size", 1}, {"params", {{"external", true}}}},
            {{"name", "out"}, {"model", "lif_alpha"}, {"size", 1}, {"params", {{"tau_mem_ms", tau_mem}, {"threshold", theta}}}}}},
          {"projections", {{{"pre", "in"}, {"post", "out"}, {"weights", {{w}}}}}}};
}

std::unique_ptr<rules::learning_rule> make(const nlohmann::json& spec, const rules::layer_chain& chain, bool sfdfa,
                                           rules::loss_input in = rules::loss_input::counts) {
  const json_node node(spec, "rule.json");
  return rules::make_feedback_alignment(node, chain, in, 1, sfdfa);
}

}  // namespace

TEST_CASE("feedback_alignment: local gradient of one spike = closed form; eq. 17 diverges at the critical point, eq. 18 stays bounded") {
  const double theta = 0.5, tau = 10.0;
  for (double eps : {0.5, 1e-2, 1e-4, 1e-6}) {
    // One input spike at t = 0 of weight w: u = w (e^{-t/tau} - e^{-2t/tau}) peaks at w/4, so it crosses
    // iff w >= 4 theta, at y = e^{-t/tau} = (1 + s)/2, s = sqrt(1 - 4 theta / w).
    const double w = static_cast<double>(static_cast<float>(4.0 * theta * (1.0 + eps)));
    const double s = std::sqrt(1.0 - 4.0 * theta / w), y = (1.0 + s) / 2.0;
    const double dt_dw = -tau * (theta / (w * w * s)) / y;
    for (const bool exact : {true, false}) {
      test::rule_fixture f(single_neuron(w, theta, tau));
      auto rule = make({{"gradient", exact ? "exact" : "bounded"}}, f.chain, false);
      auto worker = rule->make_worker(*f.sim, f.chain);
      f.run({{0.0, 0, 1.0f}}, 100.0);
      REQUIRE(f.spikes_of(0, 0).size() == 1);
      CHECK(f.spikes_of(0, 0)[0] == doctest::Approx(-tau * std::log(y)).epsilon(1e-9));
      // The output layer's gradient with dL/dn = -1 is its eligibility (sum of dt_k/dw).
      auto sums = rule->make_sums();
      const std::vector<double> grad = {-1.0};
      worker->accumulate({rules::loss_input::counts, grad, 100.0}, sums);
      std::vector<std::vector<double>> g;
      rule->end_batch(sums, 1, g);
      const double elig = g[0][0];
      INFO("eps " << eps << (exact ? " exact" : " bounded") << " elig " << elig << " analytic " << dt_dw);
      if (exact) {
        CHECK(elig == doctest::Approx(dt_dw).epsilon(eps < 1e-5 ? 1e-3 : 1e-5));
      } else {
        // |g| = tau P / I with I > theta at an upward crossing and P <= 1/4: bounded by tau / (4 theta).
        CHECK(std::abs(elig) <= tau / (4.0 * theta) * (1 + 1e-6));
        CHECK(elig < 0.0);
      }
    }
  }
}

TEST_CASE("dfa with the exact factor: the output layer's gradient equals exact BP (several spikes per neuron)") {
  const auto doc = test::chain_network({8, 4}, {0.4}, {0.8}, {0.5});
  test::rule_fixture f(doc);
  auto rule = make({{"gradient", "exact"}}, f.chain, false);
  rules::bp_exact bp(f.chain, rules::loss_input::counts);
  auto w1 = rule->make_worker(*f.sim, f.chain);
  auto w2 = bp.make_worker(*f.sim, f.chain);
  f.run(test::random_input(8, 3, 20.0, 4), 60.0);
  std::size_t multi = 0;
  for (std::uint32_t o = 0; o < 4; ++o) multi += f.spikes_of(0, o).size() >= 2;
  CHECK(multi >= 2);
  const std::vector<double> grad = {0.5, -1.0, 2.0, -0.25};  // dL/dn_o
  auto s1 = rule->make_sums();
  auto s2 = bp.make_sums();
  w1->accumulate({rules::loss_input::counts, grad, 60.0}, s1);
  w2->accumulate({rules::loss_input::counts, grad, 60.0}, s2);
  std::vector<std::vector<double>> g1, g2;
  rule->end_batch(s1, 1, g1);
  bp.end_batch(s2, 1, g2);
  double max_abs = 0.0;
  for (double x : g2[0]) max_abs = std::max(max_abs, std::abs(x));
  CHECK(max_abs > 1.0);
  for (std::size_t k = 0; k < g1[0].size(); ++k) {
    INFO("synapse " << k);
    CHECK(g1[0][k] == doctest::Approx(g2[0][k]).epsilon(1e-5).scale(max_abs * 1e-6));
  }
}

TEST_CASE("sfdfa: grades carry w * d forward; output grade sums give D_o = sum_i w_oi p_i") {
  // One hidden layer whose neurons each spike once; the output's grade sum over its spikes is the
  // directional derivative of eq. 8.
  const auto doc = test::chain_network({10, 6, 2}, {0.3, 0.3}, {1.0, 1.0}, {0.2, 0.2});
  test::rule_fixture f(doc);
  auto rule = make({{"feedback_lr", 0.5}}, f.chain, true);
  auto w = rule->make_worker(*f.sim, f.chain);
  f.run(test::random_input(10, 1, 10.0, 2), 80.0);
  // Feedback update with one sample and alpha = 0.5 from B = 0: B_io = 0.5 * D_o p_i for hidden neurons that fired.
  auto sums = rule->make_sums();
  const std::vector<double> grad = {0.0, 0.0};
  w->accumulate({rules::loss_input::counts, grad, 80.0}, sums);
  std::vector<std::vector<double>> g;
  rule->end_batch(sums, 1, g);
  const auto* fa = dynamic_cast<const rules::feedback_alignment*>(rule.get());
  REQUIRE(fa);
  const auto& B = fa->feedback_matrices()[0];
  // Recompute D_o p_i by hand from the spikes: p_i is the rule's N(0,1) draw for this sample, which the
  // grades expose: every hidden neuron spiking once emits d_i = p_i (inputs carry no grade).
  std::size_t fired = 0, nonzero = 0;
  for (std::uint32_t i = 0; i < 6; ++i) {
    const bool spiked = !f.spikes_of(0, i).empty();
    fired += spiked;
    for (std::uint32_t o = 0; o < 2; ++o) {
      if (!spiked) CHECK(B[i * 2 + o] == 0.0f);
      nonzero += B[i * 2 + o] != 0.0f;
    }
  }
  CHECK(fired >= 3);
  CHECK(nonzero >= 2);
}

TEST_CASE("feedback alignment rules refuse layers whose time constants nearly agree (their traces would cancel)") {
  auto net = test::chain_network({30, 5, 3}, {0.5, 0.5}, {0.1, 0.1}, {0.3, 0.3}, 10.0, "cuba_lif");
  net["populations"][1]["params"]["tau_syn_ms"] = 10.0;  // the limit kernel: accepted by the model
  const auto cfg = test::small_train_config(net, {{"type", "sfdfa"}}, test::fresh_dir("fa_singular"));
  CHECK_THROWS_WITH_AS(test::make_trainer(cfg),
                       doctest::Contains("layer 'l1' has tau_syn_ms within 0.1% of tau_mem_ms"), input_error);
  auto ok = net;
  ok["populations"][1]["params"]["tau_syn_ms"] = 5.0;
  CHECK_NOTHROW(test::make_trainer(test::small_train_config(ok, {{"type", "dfa"}}, test::fresh_dir("fa_singular2"))));
}
