// online_rule (ottt, ostl, otpe, approx_otpe, f_otpe, f_approx_otpe) and bptt on lif_tick chains run by the
// event-driven simulator:
//  - bptt's unrolled twin spikes exactly as the event-driven network did;
//  - on a network without hidden layers OSTL's gradient equals BPTT's (the seed's point: exact there);
//  - every online type's gradient and loss equal the same learners run directly on the unrolled record
//    (Ũ, s, inputs of each step, messages top-down), so the event plumbing (inputs bucketed by step,
//    mid-step ticks, membrane reads) is checked against an independent driver;
//  - training: offline and online modes give bit-identical weights for 1 and 3 threads and lower the loss;
//  - config errors.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "rule_fixture.hpp"
#include "rules/online_rule.hpp"
#include "rules/tick_unroll.hpp"
#include "tests/rules/tick_fixture.hpp"
#include "tests/rules/trainer_fixture.hpp"

using namespace evsnn;
using namespace evsnn::rules;
using nlohmann::json;
using test::tick_network;
using test::tick_train_config;

namespace {

std::unique_ptr<learning_rule> rule_of(const json& spec, const layer_chain& chain) {
  return make_rule(json_node(spec, "train.json", "/rule"), chain, loss_input::counts, 1);
}

using run_result = test::rule_run;

// The record of the same sample on the twin.
tick_params params_of(test::rule_fixture& f) {
  tick_params p;
  p.info = make_tick_chain(f.chain, "test");
  p.sizes.push_back(f.chain.input_size);
  for (const layer_info& l : f.chain.layers) {
    p.weights.push_back(f.net->proj(l.projection).weights());
    p.bias.push_back(l.tick->bias());
    p.sizes.push_back(l.size);
  }
  return p;
}

std::vector<std::vector<tick_input>> steps_of(const std::vector<input_event>& in, std::uint32_t ticks) {
  std::vector<std::vector<tick_input>> s(ticks);
  for (const input_event& e : in) {
    auto& v = s[static_cast<std::size_t>(e.time_ms)];
    auto it = std::find_if(v.begin(), v.end(), [&](const tick_input& x) { return x.pre == e.channel; });
    if (it == v.end())
      v.push_back({e.channel, 1.0});
    else
      it->x += 1.0;
  }
  return s;
}

// The online rule on the unrolled record, driven directly: per step, the loss error at the output and
// messages top-down through each layer's learner.
// bias: every layer's bias is trained, as one more input (pre n_in) with x = 1 every step; the bias
// gradients come after the weight gradients, one block per layer (the chain's block order).
std::vector<std::vector<double>> direct_gradient(const online_rule& rule, const tick_params& p,
                                                 const std::vector<std::vector<tick_input>>& inputs,
                                                 const tick_unroll& u, std::uint32_t label, bool bias = false) {
  const std::size_t L = p.weights.size();
  const std::uint32_t extra = bias ? 1 : 0;
  std::vector<std::unique_ptr<tick_learner>> learners;
  std::vector<std::vector<double>> grad(L);
  for (std::size_t l = 0; l < L; ++l) {
    learners.push_back(make_tick_learner(rule.layer_rules()[l], {p.sizes[l] + extra, p.sizes[l + 1], p.info.leak[l],
                                                                 p.info.leak_next[l], bias}));
    grad[l].assign(std::size_t(p.sizes[l] + extra) * p.sizes[l + 1], 0.0);
  }
  tick_loss loss;
  loss.configure(p.sizes[L], rule.loss_on(), p.info.leak.back());
  loss.begin(label);
  std::vector<double> g(p.sizes[L]);
  for (std::uint64_t k = 0; k < u.steps; ++k) {
    loss.tick(std::span<const double>(u.s[L - 1].data() + k * p.sizes[L], p.sizes[L]), g);
    for (std::size_t l = L; l-- > 0;) {
      const std::uint32_t n = p.sizes[l + 1], n_in = p.sizes[l];
      std::vector<double> psi(n), reset(n), factor(n), x_dense(n_in + extra, 0.0);
      for (std::uint32_t i = 0; i < n; ++i) {
        psi[i] = fast_sigmoid_surrogate(u.u_tilde[l][k * n + i], 1.0, rule.surrogate_slope());
        reset[i] = 1.0 - psi[i];
      }
      std::vector<tick_input> x;
      if (l == 0) {
        x = inputs[k];
      } else {
        for (std::uint32_t j = 0; j < n_in; ++j)
          if (u.s[l - 1][k * n_in + j] != 0.0) x.push_back({j, 1.0});
      }
      if (bias) x.push_back({n_in, 1.0});
      for (const tick_input& e : x) x_dense[e.pre] = e.x;
      learners[l]->step({x, x_dense, psi, reset, g}, grad[l], factor);
      std::vector<double> below(n_in, 0.0);
      for (std::uint32_t j = 0; j < n_in; ++j)
        for (std::uint32_t i = 0; i < n; ++i) below[j] += static_cast<double>(p.weights[l][j * n + i]) * factor[i];
      g = below;
    }
  }
  for (auto& gl : grad)
    for (double& v : gl) v /= static_cast<double>(u.steps);
  if (bias)
    for (std::size_t l = 0; l < L; ++l) {  // split off the bias rows
      const std::size_t n_w = std::size_t(p.sizes[l]) * p.sizes[l + 1];
      grad.emplace_back(grad[l].begin() + std::ptrdiff_t(n_w), grad[l].end());
      grad[l].resize(n_w);
    }
  return grad;
}

void check_same(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b, double rel) {
  REQUIRE(a.size() == b.size());
  for (std::size_t l = 0; l < a.size(); ++l) {
    REQUIRE(a[l].size() == b[l].size());
    double scale = 0.0;
    for (double v : b[l]) scale = std::max(scale, std::fabs(v));
    CAPTURE(l);
    CHECK(scale > 0.0);
    // The rules hand gradients over in fixed point (2^-32 quanta): allow two quanta besides rel.
    for (std::size_t k = 0; k < a[l].size(); ++k) CHECK(std::fabs(a[l][k] - b[l][k]) <= rel * scale + 0x1p-31);
  }
}

}  // namespace

TEST_CASE("bptt's unrolled twin spikes exactly as the event-driven network") {
  test::rule_fixture f(tick_network({12, 10, 8, 5}, 3));
  const auto in = test::grid_input(12, 40, 4);
  f.run(in, 40.0);
  const tick_params p = params_of(f);
  const auto inputs = steps_of(in, 40);
  tick_unroll u;
  unroll_forward(p, inputs, 2, tick_loss_on::spikes, 0.0, u);
  std::size_t spikes = 0;
  for (std::size_t l = 0; l < f.chain.layers.size(); ++l) {
    const std::uint32_t n = f.chain.layers[l].size;
    for (std::uint32_t i = 0; i < n; ++i) {
      std::vector<double> twin;
      for (std::uint64_t k = 0; k < u.steps; ++k)
        if (u.s[l][k * n + i] != 0.0) twin.push_back(static_cast<double>(k));
      std::vector<double> event;
      for (double t : f.spikes_of(l, i))
        if (t < 40.0) event.push_back(t);
      CHECK(twin == event);
      spikes += twin.size();
    }
  }
  CHECK(spikes > 50);
}

TEST_CASE("without hidden layers OSTL (spike loss) and F-OTPE (trace loss) equal BPTT") {
  for (const std::string loss_on : {"spikes", "trace"}) {
    CAPTURE(loss_on);
    const std::string exact = loss_on == "spikes" ? "ostl" : "f_otpe";
    // One fixture per rule: a worker stays subscribed to its simulator for the simulator's life.
    test::rule_fixture f(tick_network({14, 6}, 5, 0.25, 0.4)), f2(tick_network({14, 6}, 5, 0.25, 0.4));
    const auto in = test::grid_input(14, 30, 6);
    auto ostl = rule_of({{"type", exact}, {"loss_on", loss_on}}, f.chain);
    auto bptt = rule_of({{"type", "bptt"}, {"loss_on", loss_on}}, f2.chain);
    const run_result a = test::run_rule(f, *ostl, in, 30.0, 3);
    const run_result b = test::run_rule(f2, *bptt, in, 30.0, 3);
    check_same(a.grad, b.grad, 1e-9);
    if (loss_on == "trace") {  // OSTL's gradient is not exact through the output trace
      test::rule_fixture f3(tick_network({14, 6}, 5, 0.25, 0.4));
      auto plain = rule_of({{"type", "ostl"}, {"loss_on", "trace"}}, f3.chain);
      const run_result c = test::run_rule(f3, *plain, in, 30.0, 3);
      CHECK(c.grad[0] != a.grad[0]);
    }
    CHECK(a.loss.value == doctest::Approx(b.loss.value).epsilon(1e-14));
    CHECK(a.loss.prediction == b.loss.prediction);
  }
}

TEST_CASE("each online type on events equals its learners driven directly on the unrolled twin, biases trained or not") {
  // With trained biases the bias is one more input, on at every tick (the learner's last row).
  for (const bool bias : {false, true})
    for (const std::string& type : online_rule_types()) {
      CAPTURE(type);
      CAPTURE(bias);
      test::rule_fixture f(tick_network({12, 10, 8, 5}, 7), bias);
      REQUIRE(f.chain.blocks.size() == (bias ? 6u : 3u));
      if (bias) {
        CHECK(f.chain.blocks[3].bias);
        CHECK(f.chain.layers[2].bias_block == 5);
      }
      const auto in = test::grid_input(12, 35, 8);
      auto rule = rule_of({{"type", type}}, f.chain);
      const run_result got = test::run_rule(f, *rule, in, 35.0, 1);
      const tick_params p = params_of(f);
      const auto inputs = steps_of(in, 35);
      tick_unroll u;
      const auto& r = dynamic_cast<const online_rule&>(*rule);
      unroll_forward(p, inputs, 1, r.loss_on(), 0.0, u);
      check_same(got.grad, direct_gradient(r, p, inputs, u, 1, bias), 1e-9);
      CHECK(got.loss.value == doctest::Approx(u.loss.value).epsilon(1e-14));
      CHECK(got.loss.prediction == u.loss.prediction);
    }
}

TEST_CASE("trained biases: OTTT's bias gradient is g⊙ψ summed over ticks (no trace), OSTL's is exact") {
  // One layer: BPTT's bias gradient is Σ_k dL/dŨ_k; OSTL's equals it (the weights' exactness, x = 1); OTTT's is
  // Σ_k g_k ψ_k, which is BPTT's with the leak's memory dropped: they differ.
  test::rule_fixture f1(tick_network({14, 6}, 5, 0.25, 0.4), true), f2(tick_network({14, 6}, 5, 0.25, 0.4), true),
      f3(tick_network({14, 6}, 5, 0.25, 0.4), true);
  const auto in = test::grid_input(14, 30, 6);
  auto ostl = rule_of("ostl", f1.chain);
  auto bptt = rule_of("bptt", f2.chain);
  auto ottt = rule_of("ottt", f3.chain);
  const run_result a = test::run_rule(f1, *ostl, in, 30.0, 3);
  const run_result b = test::run_rule(f2, *bptt, in, 30.0, 3);
  const run_result c = test::run_rule(f3, *ottt, in, 30.0, 3);
  REQUIRE(b.grad.size() == 2);
  check_same(a.grad, b.grad, 1e-9);
  // OTTT by hand from the unrolled twin: Σ_k g_k ψ_k / T with g_k = softmax(s_k) − onehot.
  const tick_params p = params_of(f3);
  tick_unroll u;
  unroll_forward(p, steps_of(in, 30), 3, tick_loss_on::spikes, 0.0, u);
  std::vector<double> expect(6, 0.0);
  for (std::uint64_t k = 0; k < u.steps; ++k)
    for (std::uint32_t i = 0; i < 6; ++i)
      expect[i] += u.out_err[k * 6 + i] * fast_sigmoid_surrogate(u.u_tilde[0][k * 6 + i], 1.0, 25.0) /
                   static_cast<double>(u.steps);
  check_same({c.grad[1]}, {expect}, 1e-9);
  CHECK(c.grad[1] != b.grad[1]);
}

TEST_CASE("trained biases: rules and chains that cannot train them are refused") {
  test::rule_fixture f(tick_network({12, 10, 5}, 7), true);
  for (const char* type : {"tp", "local"}) {
    CAPTURE(type);
    CHECK_THROWS_WITH_AS(rule_of(type, f.chain), doctest::Contains("/train_bias"), input_error);
  }
  json alpha = test::chain_network({4, 3}, {1.0}, {0.1}, {0.1});
  auto net = build_network(alpha, "test.json", ".", builtin_model_registry());
  CHECK_THROWS_WITH_AS(find_layer_chain(*net, "test.json", true), doctest::Contains("has no trainable bias"),
                       input_error);
}

TEST_CASE("the seed's layer assignment and its override") {
  test::rule_fixture f(tick_network({4, 3, 3, 2}, 9));
  auto layers = [&](const json& spec) { return dynamic_cast<const online_rule&>(*rule_of(spec, f.chain)).layer_rules(); };
  using v = std::vector<std::string>;
  CHECK(layers("otpe") == v{"otpe", "otpe", "ostl"});
  CHECK(layers("approx_otpe") == v{"approx_otpe", "approx_otpe", "ottt"});
  CHECK(layers("f_otpe") == v{"otpe", "otpe", "otpe"});
  CHECK(layers({{"type", "ottt"}, {"layers", {"ostl", "otpe", "ottt"}}}) == v{"ostl", "otpe", "ottt"});
  CHECK(dynamic_cast<const online_rule&>(*rule_of("f_approx_otpe", f.chain)).loss_on() == tick_loss_on::trace);
  CHECK(rule_of("otpe", f.chain)->describe() ==
        json{{"type", "otpe"}, {"layers", {"otpe", "otpe", "ostl"}}, {"loss_on", "spikes"}, {"surrogate_slope", 25.0},
             {"mode", "offline"}});
}

TEST_CASE("online rule spec errors name the JSON path") {
  test::rule_fixture f(tick_network({4, 3, 2}, 9));
  auto error = [&](const json& spec) {
    try {
      rule_of(spec, f.chain);
    } catch (const input_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error({{"type", "otpe"}, {"layers", {"otpe"}}}) ==
        "train.json: /rule/layers: expected one learner per trained layer (2, first hidden layer first), got 1");
  CHECK(error({{"type", "otpe"}, {"layers", {"otpe", "bp"}}}).find("/rule/layers/1") != std::string::npos);
  CHECK(error({{"type", "otpe"}, {"mode", "sometimes"}}).find("/rule/mode") != std::string::npos);
  CHECK(error({{"type", "bptt"}, {"surrogate_slope", 0}}).find("/rule/surrogate_slope") != std::string::npos);
  CHECK(error({{"type", "otpe"}, {"lr", 1}}).find("lr") != std::string::npos);
  CHECK(error("sfdfa").find("discrete-tick") != std::string::npos);
  test::rule_fixture g(test::chain_network({4, 3, 2}, {1.0, 1.0}, {0.5, 0.5}, {0.2, 0.2}, 10.0, "cuba_lif"));
  try {
    rule_of("otpe", g.chain);
    FAIL("expected an error");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()).find("not a discrete-tick neuron") != std::string::npos);
  }
}

TEST_CASE("online-family training: same weights for any thread count, offline and online; the loss falls") {
  for (const char* mode : {"offline", "online"}) {
    CAPTURE(mode);
    const json rule = {{"type", "otpe"}, {"mode", mode}};
    auto a = test::make_trainer(tick_train_config(rule, test::fresh_dir(std::string("tick_a_") + mode), 1));
    auto b = test::make_trainer(tick_train_config(rule, test::fresh_dir(std::string("tick_b_") + mode), 3));
    a.train(nullptr, nullptr);
    b.train(nullptr, nullptr);
    REQUIRE(a.chain().blocks.size() == 2);
    test::check_same_blocks(a, b);
    CHECK(a.log().back().loss < a.log().front().loss);
    CHECK(a.log().back().loss == b.log().back().loss);
  }
}

TEST_CASE("train_bias: biases learn offline and online, the same for any thread count, written and resumed") {
  for (const char* mode : {"offline", "online"}) {
    CAPTURE(mode);
    const json rule = {{"type", "otpe"}, {"mode", mode}};
    auto cfg = [&](const std::string& tag, unsigned threads) {
      json c = tick_train_config(rule, test::fresh_dir(std::string("tick_bias_") + tag + mode), threads);
      c["train_bias"] = true;
      return c;
    };
    auto a = test::make_trainer(cfg("a", 1));
    auto b = test::make_trainer(cfg("b", 3));
    REQUIRE(a.chain().blocks.size() == 4);
    const std::vector<double> bias0(a.weights(2).begin(), a.weights(2).end());
    a.train(nullptr, nullptr);
    b.train(nullptr, nullptr);
    test::check_same_blocks(a, b);
    CHECK(!std::equal(bias0.begin(), bias0.end(), a.weights(2).begin()));
    CHECK(a.log().back().loss < a.log().front().loss);
    // network.json carries the trained biases as the populations' "bias".
    const json net = json::parse(std::ifstream(a.config().output_dir / "network.json"));
    for (std::size_t l = 0; l < 2; ++l) {
      const auto bl = a.weights(2 + l);
      CHECK(net["populations"][l + 1]["params"]["bias"].get<std::vector<double>>() ==
            std::vector<double>(bl.begin(), bl.end()));
    }
    // Resume: 2 epochs, then 1 more from the checkpoint, equals 3 in one go.
    json c2 = cfg("c", 1);
    c2["epochs"] = 2;
    auto c = test::make_trainer(c2);
    c.train(nullptr, nullptr);
    c2["epochs"] = 3;
    auto d = test::make_trainer(c2);
    d.load_checkpoint(d.config().output_dir / "checkpoint.evsnn", true);
    d.train(nullptr, nullptr);
    test::check_same_blocks(a, d);
  }
}

TEST_CASE("alignment with bptt is logged per layer and model-wide; online mode refuses it") {
  json cfg = tick_train_config("ostl", test::fresh_dir("tick_align"), 2);
  cfg["network"] = tick_network({30, 3}, 11, 0.1, 0.3);
  cfg["alignment"] = {{"every_batches", 1}};
  auto t = test::make_trainer(cfg);
  t.train(nullptr, nullptr);
  // One layer: OSTL is BPTT, so every cosine is 1 up to rounding.
  REQUIRE(t.log().back().update_cosine.size() == 1);
  CHECK(t.log().back().update_cosine[0] == doctest::Approx(1.0).epsilon(1e-9));
  CHECK(t.log().back().model_cosine == doctest::Approx(1.0).epsilon(1e-9));
  cfg["rule"] = {{"type", "ostl"}, {"mode", "online"}};
  try {
    test::make_trainer(cfg);
    FAIL("expected an error");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()).find("/alignment") != std::string::npos);
  }
  cfg["rule"] = "otpe";
  cfg["loss"] = "count_ce";
  try {
    test::make_trainer(cfg);
    FAIL("expected an error");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()).find("tick_ce") != std::string::npos);
  }
}

TEST_CASE("bptt with recurrent layers: the twin spikes as the event-driven network; training is deterministic") {
  // l1 onto itself (dense, one tick), l2 onto itself (sparse, two ticks).
  json doc = tick_network({12, 10, 8, 5}, 3);
  rng r(17);
  json dense = json::array();
  for (int j = 0; j < 10; ++j) {
    json row = json::array();
    for (int i = 0; i < 10; ++i) row.push_back(r.normal(0.0, 0.4));
    dense.push_back(row);
  }
  json pre = json::array(), post = json::array(), w = json::array();
  for (int j = 0; j < 8; ++j)
    for (int i = 0; i < 8; ++i)
      if (i != j && r.uniform() < 0.4) pre.push_back(j), post.push_back(i), w.push_back(r.normal(0.1, 0.4));
  doc["projections"].push_back({{"pre", "l1"}, {"post", "l1"}, {"delay_ms", 1.0}, {"weights", dense}});
  doc["projections"].push_back({{"pre", "l2"}, {"post", "l2"}, {"delay_ms", 2.0}, {"weights", {{"pre", pre}, {"post", post}, {"w", w}}}});
  test::rule_fixture f(doc);
  REQUIRE(f.chain.blocks.size() == 5);
  const auto in = test::grid_input(12, 40, 4);
  f.run(in, 40.0);
  tick_params p = params_of(f);
  const projection& sparse = f.net->proj(f.chain.blocks[4].projection);
  std::vector<double> dense_l2(64, 0.0);
  for (std::uint32_t s = 0; s < sparse.synapse_count(); ++s)
    dense_l2[sparse.pre_of(s) * 8 + sparse.post_of(s)] = sparse.weight(s);
  p.recurrent.push_back({0, 1, f.net->proj(f.chain.blocks[3].projection).weights()});
  p.recurrent.push_back({1, 2, dense_l2});
  tick_unroll u;
  unroll_forward(p, steps_of(in, 40), 2, tick_loss_on::spikes, 0.0, u);
  std::size_t spikes = 0;
  for (std::size_t l = 0; l < f.chain.layers.size(); ++l) {
    const std::uint32_t n = f.chain.layers[l].size;
    for (std::uint32_t i = 0; i < n; ++i) {
      std::vector<double> twin, event;
      for (std::uint64_t k = 0; k < u.steps; ++k)
        if (u.s[l][k * n + i] != 0.0) twin.push_back(static_cast<double>(k));
      for (double t : f.spikes_of(l, i))
        if (t < 40.0) event.push_back(t);
      CHECK(twin == event);
      spikes += twin.size();
    }
  }
  CHECK(spikes > 50);
  // Training through the trainer: every block moves, the same bits for 1 and 3 threads.
  auto config = [&](const std::filesystem::path& out, unsigned threads) {
    json cfg = tick_train_config("bptt", out, threads);
    cfg["network"]["projections"].push_back(
        {{"pre", "l1"}, {"post", "l1"}, {"delay_ms", 1.0},
         {"weights", {{"init", "normal"}, {"std", 0.2}, {"in_degree", 4}, {"self_connections", false}}}});
    return cfg;
  };
  auto a = test::make_trainer(config(test::fresh_dir("bptt_rec_a"), 1));
  auto b = test::make_trainer(config(test::fresh_dir("bptt_rec_b"), 3));
  const std::vector<double> rec0(a.weights(2).begin(), a.weights(2).end());
  a.train(nullptr, nullptr);
  b.train(nullptr, nullptr);
  REQUIRE(a.chain().blocks.size() == 3);
  test::check_same_blocks(a, b);
  std::size_t moved = 0;
  for (std::size_t s = 0; s < rec0.size(); ++s) moved += a.weights(2)[s] != rec0[s];
  CHECK(moved > rec0.size() / 2);
  CHECK(a.log().back().loss < a.log().front().loss);
}
