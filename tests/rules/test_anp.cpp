// anp: the node-perturbation estimator against exact gradients of smooth functions and of a tiny rate
// network (cosine -> 1 as sigma -> 0 where the perturbation is isotropic), the critics learning a
// linearly separable task, the agreement gate, its KL gradient and its alternation by batch parity, and
// on the spiking trainer: learning above chance, bit-identical results for 1 and 3 threads, exact
// resume (critics and parity are checkpointed), config errors. The membrane kicks: tests/models/test_membrane_kick.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "engine/error.hpp"
#include "engine/rng.hpp"
#include "rules/anp.hpp"
#include "rules/anp_math.hpp"
#include "rules/trainer.hpp"
#include "tests/rules/rule_fixture.hpp"
#include "tests/rules/trainer_fixture.hpp"

using namespace evsnn;
namespace am = evsnn::rules::anp_math;

namespace {

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
  return ab / std::sqrt(aa * bb);
}

// A smooth test function of N activities: the CE of a fixed linear softmax critic on them.
struct critic_fn {
  std::vector<float> U, c;
  std::size_t n, classes;
  std::uint32_t label;
  double operator()(const std::vector<double>& a) const {
    std::vector<double> p(classes);
    am::critic_probs(U, c, a, p);
    return am::cross_entropy(p, label);
  }
  std::vector<double> grad(const std::vector<double>& a) const {  // U^T (p - y)
    std::vector<double> p(classes), dz(classes), g(n, 0.0);
    am::critic_probs(U, c, a, p);
    am::logit_grad(p, label, {}, 0.0, dz);
    for (std::size_t o = 0; o < classes; ++o)
      for (std::size_t i = 0; i < n; ++i) g[i] += U[o * n + i] * dz[o];
    return g;
  }
};

// The mean over m isotropic perturbations of the ANP estimate c(dL, |d|^2) d of grad f at a.
std::vector<double> mean_estimate(const critic_fn& f, const std::vector<double>& a, double sigma, int m,
                                  am::scale_kind kind) {
  rng r(77);
  const double f0 = f(a);
  std::vector<double> est(a.size(), 0.0), b(a.size()), d(a.size());
  for (int k = 0; k < m; ++k) {
    double nsq = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) d[i] = sigma * r.normal(), b[i] = a[i] + d[i], nsq += d[i] * d[i];
    const double coef = am::estimator_coefficient(f(b) - f0, nsq, am::scale_factor(kind, a.size()), 0.0);
    for (std::size_t i = 0; i < a.size(); ++i) est[i] += coef * d[i] / m;
  }
  return est;
}

critic_fn make_critic(std::size_t n, std::size_t classes) {
  critic_fn f{{}, {}, n, classes, 1};
  rng r(5);
  for (std::size_t q = 0; q < n * classes; ++q) f.U.push_back(static_cast<float>(r.normal(0.0, 1.0)));
  for (std::size_t o = 0; o < classes; ++o) f.c.push_back(static_cast<float>(r.normal(0.0, 0.5)));
  return f;
}

}  // namespace

TEST_CASE("anp: with N scaling the estimate's expectation is the gradient of a smooth function (sigma -> 0)") {
  const critic_fn f = make_critic(6, 3);
  const std::vector<double> a = {0.3, -0.2, 0.5, 1.0, 0.0, -0.7};
  const std::vector<double> g = f.grad(a);
  double gn = 0.0;
  for (double x : g) gn += x * x;
  gn = std::sqrt(gn);
  double prev_cos = -1.0;
  for (double sigma : {3.0, 0.3, 1e-3}) {
    const std::vector<double> e = mean_estimate(f, a, sigma, 200000, am::scale_kind::n);
    double en = 0.0;
    for (double x : e) en += x * x;
    const double c = cosine(e, g);
    INFO("sigma " << sigma << ": cosine " << c << ", |estimate| / |grad| " << std::sqrt(en) / gn);
    CHECK(c > prev_cos - 0.002);  // no worse as sigma shrinks (up to the Monte-Carlo error)
    if (sigma == 1e-3) {
      CHECK(c > 0.995);
      CHECK(std::sqrt(en) / gn == doctest::Approx(1.0).epsilon(0.03));  // N: unbiased magnitude too
    }
    if (sigma == 3.0) CHECK(std::sqrt(en) / gn < 0.9);  // large noise: the finite difference is biased
    prev_cos = c;
  }
  // sqrt(N) and none change only the magnitude.
  const auto es = mean_estimate(f, a, 1e-3, 20000, am::scale_kind::sqrt_n);
  const auto en = mean_estimate(f, a, 1e-3, 20000, am::scale_kind::n);
  for (std::size_t i = 0; i < es.size(); ++i) CHECK(es[i] * std::sqrt(6.0) == doctest::Approx(en[i]).epsilon(1e-9));
  CHECK(am::estimator_coefficient(1.0, 0.0, 6.0, 1e-8) == 0.0);  // no activity change: no contribution
}

TEST_CASE("anp: on a tiny rate network the layer-local update of the first layer follows dL/dW1 (sigma -> 0)") {
  // x (3) -> a1 = W1 x -> h = tanh(a1) (4) -> a2 = W2 h (2), L = 1/2 |a2 - t|^2. Noise on every layer's
  // pre-activation, propagated (ANP): da1 = e1, da2 = a2~ - a2. Layer 1 with the layer-local norm
  // |da1|^2 is unbiased (da1 is isotropic and e2 is independent of it); the whole-model update with the
  // global norm (ANP's original) is aligned but tilted by the propagation (da2 is not isotropic).
  rng r(11);
  const std::size_t nx = 3, nh = 4, no = 2;
  std::vector<double> W1(nh * nx), W2(no * nh), x = {0.5, -1.0, 0.8}, t = {0.3, -0.4};
  for (double& w : W1) w = r.normal(0.0, 0.8);
  for (double& w : W2) w = r.normal(0.0, 0.8);
  auto forward = [&](const std::vector<double>& e1, const std::vector<double>& e2, std::vector<double>& a1,
                     std::vector<double>& h, std::vector<double>& a2) {
    a1.assign(nh, 0.0), h.assign(nh, 0.0), a2.assign(no, 0.0);
    for (std::size_t i = 0; i < nh; ++i) {
      for (std::size_t j = 0; j < nx; ++j) a1[i] += W1[i * nx + j] * x[j];
      a1[i] += e1[i];
      h[i] = std::tanh(a1[i]);
    }
    double L = 0.0;
    for (std::size_t o = 0; o < no; ++o) {
      for (std::size_t i = 0; i < nh; ++i) a2[o] += W2[o * nh + i] * h[i];
      a2[o] += e2[o];
      L += 0.5 * (a2[o] - t[o]) * (a2[o] - t[o]);
    }
    return L;
  };
  std::vector<double> a1, h, a2;
  const std::vector<double> z1(nh, 0.0), z2(no, 0.0);
  const double L0 = forward(z1, z2, a1, h, a2);
  const std::vector<double> h0 = h, a20 = a2, a10 = a1;
  // Exact gradients.
  std::vector<double> g1(nh * nx), g2(no * nh), d2(no), d1(nh, 0.0);
  for (std::size_t o = 0; o < no; ++o) d2[o] = a20[o] - t[o];
  for (std::size_t o = 0; o < no; ++o)
    for (std::size_t i = 0; i < nh; ++i) g2[o * nh + i] = d2[o] * h0[i], d1[i] += W2[o * nh + i] * d2[o];
  for (std::size_t i = 0; i < nh; ++i)
    for (std::size_t j = 0; j < nx; ++j) g1[i * nx + j] = d1[i] * (1.0 - h0[i] * h0[i]) * x[j];
  auto estimate = [&](double sigma, int m, bool global, std::vector<double>& e1_out, std::vector<double>& e2_out) {
    rng n(3);
    e1_out.assign(nh * nx, 0.0), e2_out.assign(no * nh, 0.0);
    std::vector<double> e1(nh), e2(no);
    for (int k = 0; k < m; ++k) {
      for (double& v : e1) v = sigma * n.normal();
      for (double& v : e2) v = sigma * n.normal();
      const double dL = forward(e1, e2, a1, h, a2) - L0;
      double n1 = 0.0, n2 = 0.0;
      std::vector<double> da1(nh), da2(no);
      for (std::size_t i = 0; i < nh; ++i) da1[i] = a1[i] - a10[i], n1 += da1[i] * da1[i];
      for (std::size_t o = 0; o < no; ++o) da2[o] = a2[o] - a20[o], n2 += da2[o] * da2[o];
      const double c1 = am::estimator_coefficient(dL, global ? n1 + n2 : n1, am::scale_factor(am::scale_kind::n, global ? nh + no : nh), 0.0);
      const double c2 = am::estimator_coefficient(dL, global ? n1 + n2 : n2, am::scale_factor(am::scale_kind::n, global ? nh + no : no), 0.0);
      // dL/dW1 = dL/da1 x^T (the ANP update uses the clean presynaptic activity).
      for (std::size_t i = 0; i < nh; ++i)
        for (std::size_t j = 0; j < nx; ++j) e1_out[i * nx + j] += c1 * da1[i] * x[j] / m;
      for (std::size_t o = 0; o < no; ++o)
        for (std::size_t i = 0; i < nh; ++i) e2_out[o * nh + i] += c2 * da2[o] * h0[i] / m;
    }
  };
  std::vector<double> e1, e2;
  estimate(1e-3, 200000, false, e1, e2);
  const double c_small = cosine(e1, g1);
  estimate(2.0, 200000, false, e1, e2);
  const double c_large = cosine(e1, g1);
  INFO("layer 1, layer norm: cosine " << c_small << " (sigma 1e-3), " << c_large << " (sigma 2)");
  CHECK(c_small > 0.99);
  CHECK(c_large < c_small);
  estimate(1e-3, 200000, true, e1, e2);
  std::vector<double> all_e = e1, all_g = g1;
  all_e.insert(all_e.end(), e2.begin(), e2.end());
  all_g.insert(all_g.end(), g2.begin(), g2.end());
  const double c_model = cosine(all_e, all_g);
  INFO("whole model, global norm: cosine " << c_model);
  CHECK(c_model > 0.5);  // a descent direction
}

TEST_CASE("anp: a critic trained by the delta rule learns a linearly separable task") {
  // 3 classes, 12 units: class k fires more in units 4k..4k+3 (Poisson-like counts).
  const std::size_t n = 12, C = 3;
  std::vector<float> U(C * n, 0.0f), c(C, 0.0f);
  rng r(9);
  auto sample = [&](std::uint32_t y) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = std::floor(r.uniform(0.0, i / 4 == y ? 4.0 : 2.0));
    return x;
  };
  std::vector<double> p(C), dz(C), gU(C * n), gc(C);
  const double lr = 0.05;
  for (int batch = 0; batch < 300; ++batch) {
    std::fill(gU.begin(), gU.end(), 0.0), std::fill(gc.begin(), gc.end(), 0.0);
    for (int s = 0; s < 10; ++s) {
      const auto y = static_cast<std::uint32_t>(r.below(C));
      const auto x = sample(y);
      am::critic_probs(U, c, x, p);
      am::logit_grad(p, y, {}, 0.0, dz);
      for (std::size_t o = 0; o < C; ++o) {
        gc[o] += dz[o];
        for (std::size_t i = 0; i < n; ++i) gU[o * n + i] += dz[o] * x[i];
      }
    }
    for (std::size_t q = 0; q < U.size(); ++q) U[q] = static_cast<float>(U[q] - lr * gU[q] / 10);
    for (std::size_t o = 0; o < C; ++o) c[o] = static_cast<float>(c[o] - lr * gc[o] / 10);
  }
  int correct = 0;
  for (int s = 0; s < 600; ++s) {
    const auto y = static_cast<std::uint32_t>(s % C);
    am::critic_probs(U, c, sample(y), p);
    correct += static_cast<std::uint32_t>(std::max_element(p.begin(), p.end()) - p.begin()) == y;
  }
  INFO("held-out accuracy " << correct / 600.0);
  CHECK(correct / 600.0 > 0.9);  // the Bayes rate of this task is about 0.93
}

TEST_CASE("anp: agreement gate, KL gradient and alternation by batch parity") {
  const std::vector<double> confident = {0.85, 0.1, 0.05}, unsure = {0.5, 0.3, 0.2};
  CHECK(am::agreement_gate(confident, 0, 0.8, false));
  CHECK(am::agreement_gate(confident, 2, 0.8, false));
  CHECK_FALSE(am::agreement_gate(confident, 2, 0.8, true));  // confident but wrong
  CHECK_FALSE(am::agreement_gate(unsure, 0, 0.8, false));
  CHECK_FALSE(am::agreement_gate(confident, 0, 0.85, false));  // strictly above
  // The logit gradient: (p - y) + kappa (p - q), and kappa (p - q) is d/dz KL(q || softmax(z)).
  const std::vector<float> U = {0.0f}, c = {0.2f, -0.4f, 1.0f};
  std::vector<double> p(3), dz(3), none(3);
  const std::vector<double> r0 = {0.0};
  am::critic_probs(std::span<const float>(U.data(), 0), c, std::span<const double>(r0.data(), 0), p);
  am::logit_grad(p, 1, confident, 0.1, dz);
  am::logit_grad(p, 1, {}, 0.0, none);
  for (std::size_t o = 0; o < 3; ++o) {
    CHECK(none[o] == doctest::Approx(p[o] - (o == 1 ? 1.0 : 0.0)));
    std::vector<float> cp = c, cm = c;
    cp[o] += 1e-4f, cm[o] -= 1e-4f;
    std::vector<double> pp(3), pm(3);
    am::critic_probs(std::span<const float>(U.data(), 0), cp, std::span<const double>(r0.data(), 0), pp);
    am::critic_probs(std::span<const float>(U.data(), 0), cm, std::span<const double>(r0.data(), 0), pm);
    const double h = static_cast<double>(cp[o]) - static_cast<double>(cm[o]);
    const double fd = (am::cross_entropy(pp, 1) + 0.1 * am::kl_divergence(confident, pp) - am::cross_entropy(pm, 1) -
                       0.1 * am::kl_divergence(confident, pm)) / h;
    CHECK(dz[o] == doctest::Approx(fd).epsilon(1e-4));
  }
  // Even pairs (0-1, 2-3) on even batches, odd pairs (1-2) on odd ones: adjacent pairs never together.
  for (std::uint64_t b = 0; b < 6; ++b)
    for (std::size_t pair = 0; pair < 4; ++pair) {
      CHECK(am::pair_active(pair, b) == (pair % 2 == b % 2));
      CHECK(am::pair_active(pair, b) != am::pair_active(pair + 1, b));
    }
}

TEST_CASE("anp: each batch flips the parity that schedules the agreement pairs; it is checkpointed") {
  rules::layer_chain chain;
  chain.input_size = 2;
  for (std::uint32_t l = 0; l < 3; ++l) {
    rules::layer_info info;
    info.size = l == 2 ? 2 : 3;
    info.fan_in = l == 0 ? 2 : 3;
    chain.layers.push_back(info);
  }
  rules::anp rule({}, chain, 1);
  const rules::fixed_sum_set sums = rule.make_sums();
  std::vector<std::vector<double>> grads;
  CHECK(rule.state().size() == 5);  // U_0, c_0, U_1, c_1, parity
  CHECK(rule.state().back()[0] == 0.0f);
  rule.end_batch(sums, 1, grads);
  CHECK(rule.batches() == 1);
  CHECK(rule.state().back()[0] == 1.0f);
  rule.end_batch(sums, 1, grads);
  CHECK(rule.state().back()[0] == 0.0f);
  std::vector<std::vector<float>> blocks;
  for (const auto& s : rule.state()) blocks.emplace_back(s.begin(), s.end());
  blocks.back()[0] = 1.0f;
  rule.load_state(blocks);
  CHECK(rule.batches() % 2 == 1);
  blocks.back()[0] = 0.5f;
  CHECK_THROWS_AS(rule.load_state(blocks), input_error);
}

namespace {

nlohmann::json anp_config(const std::filesystem::path& out, nlohmann::json rule = {{"type", "anp"}}) {
  auto cfg = test::small_train_config(test::chain_network({30, 40, 40, 3}, {0.5, 0.5, 0.5}, {0.1, 0.03, 0.05},
                                                          {0.3, 0.15, 0.15}, 10.0),
                                      std::move(rule), out);
  return cfg;
}

std::vector<std::vector<double>> weights_and_state(const rules::trainer& tr) {
  std::vector<std::vector<double>> w;
  for (std::size_t l = 0; l < tr.chain().layers.size(); ++l) w.emplace_back(tr.weights(l).begin(), tr.weights(l).end());
  for (const auto& s : tr.rule().state()) w.emplace_back(s.begin(), s.end());
  return w;
}

}  // namespace

TEST_CASE("anp: trains a spiking chain above chance, online (batch 1) too, and its critics learn") {
  for (int batch : {10, 1}) {
    auto cfg = test::small_train_config(test::chain_network({30, 40, 3}, {0.5, 0.5}, {0.1, 0.05}, {0.3, 0.3}, 10.0),
                                        {{"type", "anp"}, {"sigma", 0.05}, {"critic_lr", 0.01}},
                                        test::fresh_dir("anp_learn" + std::to_string(batch)), 200);
    cfg["batch_size"] = batch;
    cfg["epochs"] = 6;
    cfg["optimizer"]["lr"] = batch == 1 ? 0.001 : 0.003;
    rules::trainer tr = test::make_trainer(cfg);
    tr.train(nullptr, nullptr);
    double best = 0.0;
    for (const auto& m : tr.log()) best = std::max(best, m.test_accuracy);
    INFO("batch " << batch << ": loss " << tr.log().front().loss << " -> " << tr.log().back().loss << ", best test "
                  << best);
    CHECK(tr.log().back().loss < tr.log().front().loss);
    CHECK(best > 0.5);  // chance: 1/3
    const auto& cr = dynamic_cast<const rules::anp&>(tr.rule()).critics();
    REQUIRE(cr.size() == 1);
    CHECK(std::any_of(cr[0].U.begin(), cr[0].U.end(), [](float u) { return u != 0.0f; }));
  }
}

TEST_CASE("anp: same seed, same weights and critics for 1, 2, 3 and 8 threads; resume continues exactly") {
  // On more than one thread a sample's noisy and clean passes are tasks of their own (split passes), so these
  // runs compare that path with one worker running both passes; batch 3 on 8 threads leaves threads idle.
  std::vector<std::vector<double>> ref;
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    auto cfg = anp_config(test::fresh_dir("anp_threads" + std::to_string(threads)));
    cfg["threads"] = threads;
    cfg["epochs"] = 2;
    cfg["batch_size"] = 3;
    rules::trainer tr = test::make_trainer(cfg);
    CHECK(tr.busy_threads() == std::min<std::size_t>(threads, 3 * 2));  // a task per sample and pass
    tr.train(nullptr, nullptr);
    const auto w = weights_and_state(tr);
    if (ref.empty())
      ref = w;
    else
      CHECK(w == ref);  // bit-identical
  }
  // Resume from the checkpoint of epoch 1 (critics and batch parity included): same as the full run.
  const auto part = test::fresh_dir("anp_part");
  auto cfg = anp_config(part);
  cfg["epochs"] = 2;
  cfg["batch_size"] = 7;  // an odd number of batches per epoch: the parity carries over
  {
    auto first = cfg;
    first["epochs"] = 1;
    rules::trainer tr = test::make_trainer(first);
    tr.train(nullptr, nullptr);
  }
  rules::trainer resumed = test::make_trainer(cfg);
  resumed.load_checkpoint(part / "checkpoint.evsnn", true);
  resumed.train(nullptr, nullptr);
  auto full_cfg = cfg;
  full_cfg["output_dir"] = test::fresh_dir("anp_full").string();
  rules::trainer full = test::make_trainer(full_cfg);
  full.train(nullptr, nullptr);
  CHECK(weights_and_state(resumed) == weights_and_state(full));
}

TEST_CASE("anp: a sample's passes on two workers add what one worker running both adds") {
  // The trainer's split passes (on more than one thread): the noisy pass on one worker, the clean one on
  // another, and whichever finishes last imports the other's record (export_pass) and accumulates. Each worker
  // has run another sample first, so a field left out of a record would leave that sample's value behind.
  const auto doc = anp_config(test::fresh_dir("anp_split"))["network"];
  test::rule_fixture f0(doc), f1(doc), f2(doc);
  rules::anp_params params;
  params.sigma = 0.3;  // noise that changes every layer's counts
  rules::anp rule(params, f0.chain, 7);
  // Critics that are not uniform (fresh ones are), so that the hidden layers' estimates do not vanish.
  std::vector<std::vector<float>> state;
  rng r(8);
  for (const auto block : rule.state()) {
    state.emplace_back(block.size());
    for (float& x : state.back()) x = static_cast<float>(r.normal(0.0, 1.0));
  }
  state.back() = {0.0f};  // the batch parity
  rule.load_state(state);
  auto w0 = rule.make_worker(*f0.sim, f0.chain), w1 = rule.make_worker(*f1.sim, f1.chain),
       w2 = rule.make_worker(*f2.sim, f2.chain);
  const auto in = test::random_input(30, 2, 15.0, 4), other = test::random_input(30, 3, 15.0, 5);
  std::vector<double> grad = {0.5, -0.25, 0.125};
  const rules::output_error err{rules::loss_input::counts, grad, 20.0};
  const auto pass = [](rules::rule_worker& w, test::rule_fixture& f, unsigned k, const std::vector<input_event>& ev,
                       std::uint64_t uid, std::uint32_t label, double loss) {
    w.set_target(label);
    w.set_duration(20.0);
    w.begin_pass(k);
    f.sim->set_sample_index(uid);
    f.run(ev, 20.0);
    w.end_pass(k, loss);
  };
  // One worker, both passes.
  rules::fixed_sum_set one = rule.make_sums();
  pass(*w0, f0, 1, in, 11, 2, 0.75);
  pass(*w0, f0, 0, in, 11, 2, 0.5);
  w0->accumulate(err, one);
  // Another sample first on each of the two, then the noisy pass on w1 and the clean one on w2.
  for (unsigned last : {0u, 1u}) {
    CAPTURE(last);
    pass(*w1, f1, 1, other, 12, 0, 2.0);
    pass(*w1, f1, 0, other, 12, 0, 1.5);
    pass(*w2, f2, 1, other, 13, 1, 3.0);
    pass(*w2, f2, 0, other, 13, 1, 2.5);
    pass(*w1, f1, 1, in, 11, 2, 0.75);
    pass(*w2, f2, 0, in, 11, 2, 0.5);
    std::vector<double> noisy, clean;
    w1->export_pass(1, noisy);
    w2->export_pass(0, clean);
    rules::fixed_sum_set two = rule.make_sums();
    if (last == 0) {  // the clean pass finished last: its worker accumulates
      w2->import_pass(1, noisy);
      w2->accumulate(err, two);
    } else {
      w1->import_pass(0, clean);
      w1->accumulate(err, two);
    }
    REQUIRE(two.sums.size() == one.sums.size());
    std::size_t nonzero = 0;
    for (std::size_t b = 0; b < one.sums.size(); ++b)
      for (std::size_t i = 0; i < one.sums[b].size(); ++i) {
        CHECK(two.sums[b].get(i) == one.sums[b].get(i));
        nonzero += one.sums[b].get(i) != 0.0;
      }
    for (const auto& block : one.sums) {  // the sample trains every layer and the critics
      std::size_t block_nonzero = 0;
      for (std::size_t i = 0; i < block.size(); ++i) block_nonzero += block.get(i) != 0.0;
      CHECK(block_nonzero > 0);
    }
    CHECK(nonzero > 100);
  }
}

TEST_CASE("anp: config errors name the JSON path") {
  const auto dir = test::fresh_dir("anp_errors");
  auto expect_error = [&](nlohmann::json rule, const std::string& needle, bool readout = false) {
    INFO("expecting: " << needle);
    auto cfg = anp_config(dir, std::move(rule));
    if (readout) {
      cfg["network"] = test::chain_network({30, 40, 3}, {0.5, 0.5}, {0.1, 0.05}, {0.3, 0.3}, 10.0, "lif_alpha", true);
      cfg["loss"] = "readout_ce";
    }
    try {
      test::make_trainer(cfg);
      FAIL("no error");
    } catch (const input_error& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find(needle) != std::string::npos);
      CHECK(what.find('\n') == std::string::npos);
    }
  };
  expect_error({{"type", "anp"}, {"sigma", 0}}, "train.json: /rule/sigma");
  expect_error({{"type", "anp"}, {"noise_dt_ms", -1}}, "/rule/noise_dt_ms");
  expect_error({{"type", "anp"}, {"critic_lr", -1}}, "/rule/critic_lr");
  expect_error({{"type", "anp"}, {"norm", "local"}}, "/rule/norm");
  expect_error({{"type", "anp"}, {"scale", "N"}}, "/rule/scale");
  expect_error({{"type", "anp"}, {"eps", -1}}, "/rule/eps");
  expect_error({{"type", "anp"}, {"agreement", -0.1}}, "/rule/agreement");
  expect_error({{"type", "anp"}, {"agreement_confidence", 1.0}}, "/rule/agreement_confidence: must be below 1");
  expect_error({{"type", "anp"}, {"agreement_requires_correct", 1}}, "/rule/agreement_requires_correct");
  expect_error({{"type", "anp"}, {"sigmaa", 1}}, "unknown key 'sigmaa'");
  expect_error({{"type", "anp"}}, "li readout", true);
  // describe() fills every default.
  rules::trainer tr = test::make_trainer(anp_config(dir));
  const nlohmann::json d = tr.rule().describe();
  CHECK(d.at("type") == "anp");
  for (const char* k : {"sigma", "noise_dt_ms", "critic_lr", "norm", "scale", "eps", "agreement", "agreement_confidence",
                        "agreement_requires_correct"})
    CHECK(d.contains(k));
  CHECK(tr.rule().passes_per_sample() == 2);
}
