// tp (traces propagation) on lif_tick chains:
//  - tp_contrast: the loss against a direct evaluation and its coefficients against finite differences;
//  - the rule on events, three lanes in lockstep, against an independent tick-synchronous reference written
//    here from rules-spec-additions §A.1 (data and label streams, the B×B contrast with targets from the
//    layer below's label traces, the two-stream term of layer 2, the readout's update), tick by tick;
//  - training: bit-identical weights for 1 and 3 threads, the loss falls;
//  - config errors (batch size, trace leak, loss, bias, delays, continuous-time chains).
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "rule_fixture.hpp"
#include "rules/tp.hpp"
#include "trainer_fixture.hpp"

using namespace evsnn;
using namespace evsnn::rules;
using nlohmann::json;

namespace {

// couple_lanes' row spreader, sequential (the trainer's spreads rows over its threads).
const evsnn::rules::parallel_rows sequential = [](std::size_t rows, evsnn::rules::index_fn row) {
  for (std::size_t r = 0; r < rows; ++r) row(r);
};

json tp_network(const std::vector<std::uint32_t>& sizes, std::uint64_t seed, double w_mean, double w_std) {
  json pops = json::array(), projs = json::array();
  pops.push_back({{"name", "l0"}, {"model", "spike_source"}, {"size", sizes[0]}, {"params", {{"external", true}}}});
  rng r(seed);
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    pops.push_back({{"name", fmt::format("l{}", l)}, {"model", "lif_tick"}, {"size", sizes[l]},
                    {"params", {{"leak", 0.9 - 0.05 * static_cast<double>(l)}, {"threshold", 0.8 + 0.1 * l}}}});
    json rows = json::array();
    for (std::uint32_t j = 0; j < sizes[l - 1]; ++j) {
      json row = json::array();
      for (std::uint32_t i = 0; i < sizes[l]; ++i)
        row.push_back(static_cast<double>(static_cast<float>(r.normal(w_mean, w_std))));
      rows.push_back(row);
    }
    projs.push_back({{"pre", fmt::format("l{}", l - 1)}, {"post", fmt::format("l{}", l)}, {"weights", rows}});
  }
  return {{"format", "evsnn-network/1"}, {"seed", 1}, {"populations", pops}, {"projections", projs}};
}

std::unique_ptr<learning_rule> tp_of(const json& spec, const layer_chain& chain) {
  return make_rule(json_node(spec, "train.json", "/rule"), chain, loss_input::counts, 7);
}

using matrix = std::vector<std::vector<double>>;  // [row][column]

matrix softmax_rows(matrix a) {
  for (auto& row : a) {
    double top = row[0], sum = 0.0;
    for (double v : row) top = std::max(top, v);
    for (double& v : row) sum += (v = std::exp(v - top));
    for (double& v : row) v /= sum;
  }
  return a;
}

// One lane of the reference: the tick-synchronous data and label streams.
struct reference_lane {
  std::vector<std::uint32_t> sizes;  // input, hidden..., readout
  std::uint32_t label = 0;
  matrix v, eps, psi, s;            // data, per hidden layer
  matrix vt, epst, psit, st;        // label
  matrix s_prev, st_prev;           // the spikes of the tick before (recurrent input)
  std::vector<double> eps0, m, err;
  std::vector<std::vector<double>> x;  // input of each layer this tick (data stream)
};

}  // namespace

TEST_CASE("tp_contrast: the loss as written and its coefficients as finite differences") {
  const std::size_t B = 4, H = 3, K = 2;
  rng r(5);
  std::vector<double> E(B * H), Et(B * H), T(B * K);
  for (double& v : E) v = r.uniform(0.0, 2.0);
  for (double& v : Et) v = r.uniform(0.0, 2.0);
  for (double& v : T) v = r.uniform(0.0, 3.0);
  std::vector<double> coef(B * H), coef_t(B * H);
  tp_contrast_buffers buf;
  const double loss = tp_contrast(B, H, K, E.data(), Et.data(), T.data(), coef.data(), coef_t.data(), buf);
  auto direct = [&](const std::vector<double>& e, const std::vector<double>& et) {
    double L = 0.0;
    for (std::size_t b = 0; b < B; ++b) {
      std::vector<double> y(B), z(B);
      double ysum = 0.0, zmax = -1e300;
      for (std::size_t c = 0; c < B; ++c) {
        double d2 = 0.0;
        for (std::size_t k = 0; k < K; ++k) d2 += std::pow(T[b * K + k] - T[c * K + k] + 1e-9, 2);
        y[c] = std::exp(-std::sqrt(d2));
        ysum += y[c];
        for (std::size_t i = 0; i < H; ++i) z[c] += e[b * H + i] * et[c * H + i];
        zmax = std::max(zmax, z[c]);
      }
      double zsum = 0.0;
      for (std::size_t c = 0; c < B; ++c) zsum += std::exp(z[c] - zmax);
      for (std::size_t c = 0; c < B; ++c) L -= y[c] / ysum * (z[c] - zmax - std::log(zsum));
    }
    return L / static_cast<double>(B);
  };
  CHECK(loss == doctest::Approx(direct(E, Et)).epsilon(1e-13));
  const double h = 1e-6;
  for (std::size_t k = 0; k < B * H; ++k) {
    auto ep = E, em = E, tp = Et, tm = Et;
    ep[k] += h;
    em[k] -= h;
    tp[k] += h;
    tm[k] -= h;
    CHECK(coef[k] / B == doctest::Approx((direct(ep, Et) - direct(em, Et)) / (2 * h)).epsilon(1e-7));
    CHECK(coef_t[k] / B == doctest::Approx((direct(E, tp) - direct(E, tm)) / (2 * h)).epsilon(1e-7));
  }
}

namespace {

// recurrent: both hidden layers also get a dense projection onto themselves (delay one tick).
void check_against_reference(bool recurrent) {
  const std::vector<std::uint32_t> sizes = {6, 5, 4, 3};  // two hidden layers and the readout
  json doc = tp_network(sizes, 21, 0.3, 0.6);
  if (recurrent) {
    rng r(33);
    for (int l = 1; l <= 2; ++l) {
      json rows = json::array();
      for (std::uint32_t j = 0; j < sizes[l]; ++j) {
        json row = json::array();
        for (std::uint32_t i = 0; i < sizes[l]; ++i) row.push_back(r.normal(0.1, 0.5));
        rows.push_back(row);
      }
      doc["projections"].push_back({{"pre", fmt::format("l{}", l)}, {"post", fmt::format("l{}", l)},
                                    {"delay_ms", 1.0}, {"weights", rows}});
    }
  }
  const std::uint32_t ticks = 12, B = 3;
  const std::vector<std::uint32_t> labels = {0, 2, 2};
  std::vector<std::unique_ptr<test::rule_fixture>> fx;
  std::vector<std::vector<input_event>> inputs;
  for (std::uint32_t b = 0; b < B; ++b) {
    fx.push_back(std::make_unique<test::rule_fixture>(doc));
    inputs.push_back(test::grid_input(sizes[0], ticks, 100 + b, 0.3, 0.05));
  }
  auto rule = tp_of({{"type", "tp"}, {"trace_leak", 0.7}}, fx[0]->chain);
  auto& tp = dynamic_cast<tp_rule&>(*rule);
  std::vector<std::unique_ptr<rule_worker>> workers;
  std::vector<rule_worker*> lanes;
  for (std::uint32_t b = 0; b < B; ++b) {
    workers.push_back(rule->make_worker(*fx[b]->sim, fx[b]->chain));
    workers.back()->set_target(labels[b]);
    lanes.push_back(workers.back().get());
    fx[b]->pres->begin(inputs[b], ticks);
  }
  // The reference's constants, read from the network as built (weights float, as delivered).
  const std::size_t L = sizes.size() - 1, hidden = L - 1;
  std::vector<matrix> W(L);  // W[l][j][i]
  for (std::size_t l = 0; l < L; ++l) {
    W[l].assign(sizes[l], std::vector<double>(sizes[l + 1]));
    for (std::uint32_t j = 0; j < sizes[l]; ++j)
      for (std::uint32_t i = 0; i < sizes[l + 1]; ++i) W[l][j][i] = fx[0]->weight(l, j, i);
  }
  std::vector<matrix> Rw(L), Rl(L);  // recurrent weights of the data stream and of the label stream
  if (recurrent)
    for (std::size_t l = 0; l < hidden; ++l) {
      const projection& pr = fx[0]->net->proj(fx[0]->chain.blocks[L + l].projection);
      Rw[l].assign(sizes[l + 1], std::vector<double>(sizes[l + 1]));
      for (std::uint32_t j = 0; j < sizes[l + 1]; ++j)
        for (std::uint32_t i = 0; i < sizes[l + 1]; ++i) Rw[l][j][i] = pr.weights()[std::size_t(j) * sizes[l + 1] + i];
      Rl[l] = Rw[l];
    }
  const double lt = 0.7;
  auto leak = [](std::size_t l) { return 0.9 - 0.05 * static_cast<double>(l + 1); };
  auto theta = [](std::size_t l) { return 0.8 + 0.1 * static_cast<double>(l + 1); };
  auto surrogate = [](double u, double th) { return 1.0 / (1.0 + std::pow(std::numbers::pi * (u - th), 2)); };
  const std::vector<double>& S = tp.label_weights();  // C × H1
  if (recurrent) {  // layer 1's label stream recurs through S's own frozen matrix
    const std::vector<double>& SR = tp.label_recurrent_weights();
    REQUIRE(SR.size() == std::size_t(sizes[1]) * sizes[1]);
    for (std::uint32_t j = 0; j < sizes[1]; ++j)
      for (std::uint32_t i = 0; i < sizes[1]; ++i) Rl[0][j][i] = SR[std::size_t(j) * sizes[1] + i];
  }
  std::vector<reference_lane> ref(B);
  for (std::uint32_t b = 0; b < B; ++b) {
    reference_lane& R = ref[b];
    R.label = labels[b];
    for (std::size_t l = 0; l < hidden; ++l)
      for (matrix* m : {&R.v, &R.eps, &R.psi, &R.s, &R.vt, &R.epst, &R.psit, &R.st, &R.s_prev, &R.st_prev})
        m->emplace_back(sizes[l + 1], 0.0);
    R.eps0.assign(sizes.back(), 0.0);
    R.m.assign(sizes.back(), 0.0);
    R.err.assign(sizes.back(), 0.0);
  }
  double worst = 0.0;
  int checked_two_stream = 0, checked_recurrent = 0;
  for (std::uint32_t k = 0; k < ticks; ++k) {
    // Reference tick.
    for (std::uint32_t b = 0; b < B; ++b) {
      reference_lane& R = ref[b];
      std::vector<double> in(sizes[0], 0.0);
      for (const input_event& e : inputs[b])
        if (static_cast<std::uint32_t>(e.time_ms) == k) in[e.channel] += 1.0;
      R.x.assign(L, {});
      R.x[0] = in;
      for (std::size_t l = 0; l < hidden; ++l) {
        const std::vector<double>& x = R.x[l];
        R.s_prev[l] = R.s[l];
        R.st_prev[l] = R.st[l];
        for (std::uint32_t i = 0; i < sizes[l + 1]; ++i) {
          double u = leak(l) * R.v[l][i];
          for (std::uint32_t j = 0; j < sizes[l]; ++j) u += W[l][j][i] * x[j];
          if (recurrent)
            for (std::uint32_t j = 0; j < sizes[l + 1]; ++j) u += Rw[l][j][i] * R.s_prev[l][j];
          R.psi[l][i] = surrogate(u, theta(l));
          R.s[l][i] = u >= theta(l) ? 1.0 : 0.0;
          R.v[l][i] = u - theta(l) * R.s[l][i];
          R.eps[l][i] = lt * R.eps[l][i] + R.s[l][i];
          // Label stream: S·c into layer 1, the same W above.
          double ut = leak(l) * R.vt[l][i];
          if (l == 0)
            ut += S[R.label * sizes[1] + i];
          else
            for (std::uint32_t j = 0; j < sizes[l]; ++j) ut += W[l][j][i] * R.st[l - 1][j];
          if (recurrent)
            for (std::uint32_t j = 0; j < sizes[l + 1]; ++j) ut += Rl[l][j][i] * R.st_prev[l][j];
          R.psit[l][i] = surrogate(ut, theta(l));
          R.st[l][i] = ut >= theta(l) ? 1.0 : 0.0;
          R.vt[l][i] = ut - theta(l) * R.st[l][i];
          R.epst[l][i] = lt * R.epst[l][i] + R.st[l][i];
        }
        R.x[l + 1] = R.s[l];
      }
      for (std::uint32_t o = 0; o < sizes.back(); ++o) {
        R.eps0[o] = lt * R.eps0[o] + (o == R.label ? 1.0 : 0.0);
        for (std::uint32_t j = 0; j < sizes[L - 1]; ++j) R.m[o] += W[L - 1][j][o] * R.s[hidden - 1][j];
      }
      R.err = softmax_rows({R.m})[0];
      R.err[R.label] -= 1.0;
    }
    // Reference gradient of this tick (summed over lanes; the trainer divides by B).
    std::vector<matrix> G(L), GR(hidden);
    for (std::size_t l = 0; l < L; ++l) G[l].assign(sizes[l], std::vector<double>(sizes[l + 1], 0.0));
    for (std::size_t l = 0; l < hidden; ++l) GR[l].assign(sizes[l + 1], std::vector<double>(sizes[l + 1], 0.0));
    for (std::size_t l = 0; l < hidden; ++l) {
      matrix Y(B, std::vector<double>(B)), Z(B, std::vector<double>(B));
      for (std::uint32_t b = 0; b < B; ++b)
        for (std::uint32_t c = 0; c < B; ++c) {
          const std::vector<double>& tb = l == 0 ? ref[b].eps0 : ref[b].epst[l - 1];
          const std::vector<double>& tc = l == 0 ? ref[c].eps0 : ref[c].epst[l - 1];
          double d2 = 0.0;
          for (std::size_t q = 0; q < tb.size(); ++q) d2 += std::pow(tb[q] - tc[q] + 1e-9, 2);
          Y[b][c] = -std::sqrt(d2);
          for (std::uint32_t i = 0; i < sizes[l + 1]; ++i) Z[b][c] += ref[b].eps[l][i] * ref[c].epst[l][i];
        }
      Y = softmax_rows(Y);
      const matrix P = softmax_rows(Z);
      for (std::uint32_t b = 0; b < B; ++b)
        for (std::uint32_t c = 0; c < B; ++c) {
          const double g = P[b][c] - Y[b][c];
          for (std::uint32_t i = 0; i < sizes[l + 1]; ++i) {
            for (std::uint32_t j = 0; j < sizes[l]; ++j) {
              // data term: δ_b = (GẼ)_b ⊙ ψ_b with the instantaneous input of lane b
              G[l][j][i] += g * ref[c].epst[l][i] * ref[b].psi[l][i] * ref[b].x[l][j];
              // label term (l >= 2): δ̃_c = (GᵀE)_c ⊙ ψ̃_c with lane c's label-stream input
              if (l > 0) G[l][j][i] += g * ref[b].eps[l][i] * ref[c].psit[l][i] * ref[c].st[l - 1][j];
            }
            if (!recurrent) continue;
            for (std::uint32_t j = 0; j < sizes[l + 1]; ++j) {
              GR[l][j][i] += g * ref[c].epst[l][i] * ref[b].psi[l][i] * ref[b].s_prev[l][j];
              if (l > 0) GR[l][j][i] += g * ref[b].eps[l][i] * ref[c].psit[l][i] * ref[c].st_prev[l][j];
            }
          }
        }
    }
    for (std::uint32_t b = 0; b < B; ++b)
      for (std::uint32_t j = 0; j < sizes[L - 1]; ++j)
        for (std::uint32_t o = 0; o < sizes.back(); ++o) G[L - 1][j][o] += ref[b].eps[hidden - 1][j] * ref[b].err[o];
    // The rule, on events.
    fixed_sum_set sums = rule->make_sums();
    for (std::uint32_t b = 0; b < B; ++b) fx[b]->pres->advance_to(k + 0.5);
    rule->couple_lanes(lanes, sequential);
    for (rule_worker* w : lanes) w->accumulate_tick(sums);
    for (std::size_t l = 0; l < L; ++l)
      for (std::uint32_t j = 0; j < sizes[l]; ++j)
        for (std::uint32_t i = 0; i < sizes[l + 1]; ++i) {
          const double got = sums.sums[l].get(std::size_t(j) * sizes[l + 1] + i);
          worst = std::max(worst, std::fabs(got - G[l][j][i]));
          if (l == 1 && G[l][j][i] != 0.0) ++checked_two_stream;
        }
    if (recurrent)
      for (std::size_t l = 0; l < hidden; ++l)
        for (std::uint32_t j = 0; j < sizes[l + 1]; ++j)
          for (std::uint32_t i = 0; i < sizes[l + 1]; ++i) {
            const double got = sums.sums[L + l].get(std::size_t(j) * sizes[l + 1] + i);
            worst = std::max(worst, std::fabs(got - GR[l][j][i]));
            checked_recurrent += GR[l][j][i] != 0.0;
          }
  }
  for (std::uint32_t b = 0; b < B; ++b) {
    fx[b]->pres->finish();
    const loss_value v = workers[b]->sample_loss().value();
    std::uint32_t best = 0;
    for (std::uint32_t o = 1; o < sizes.back(); ++o)
      if (ref[b].m[o] > ref[b].m[best]) best = o;
    CHECK(v.prediction == best);
  }
  CHECK(worst < 1e-8);  // fixed point rounds each contribution to 2^-32
  CHECK(checked_two_stream > 0);
  // The reference's layers spiked (the test is not vacuous).
  double spikes = 0.0;
  for (const reference_lane& R : ref)
    for (const auto& e : R.eps)
      for (double v : e) spikes += v;
  CHECK(spikes > 0.0);
  if (recurrent) CHECK(checked_recurrent > 10);
}

}  // namespace

TEST_CASE("tp on events equals the tick-synchronous reference, tick by tick, for a batch of three") {
  SUBCASE("feed-forward") { check_against_reference(false); }
  SUBCASE("recurrent hidden layers") { check_against_reference(true); }
}

namespace {

json tp_train_config(const std::filesystem::path& out, unsigned threads) {
  json cfg = test::small_train_config(tp_network({30, 16, 3}, 11, 0.1, 0.3), {{"type", "tp"}}, out, 30);
  cfg["dataset"] = {{"format", "randman"}, {"classes", 3}, {"neurons", 30},     {"samples_per_class", 30},
                    {"dim", 1},            {"seed", 3},    {"ticks", 20},       {"tick_ms", 1},
                    {"alpha", 2},          {"resample", true}, {"test_samples_per_class", 10}};
  cfg["loss"] = "tick_ce";
  cfg["optimizer"] = {{"type", "adam"}, {"lr", 0.003}, {"lr_decay", {{"type", "cosine"}, {"epochs", 3}, {"min_lr", 7.5e-4}}}};
  cfg["threads"] = threads;
  cfg["batch_size"] = 8;
  return cfg;
}

std::string trainer_error(const json& cfg) {
  try {
    test::make_trainer(cfg);
  } catch (const input_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("tp training: same weights for 1 and 3 threads; the loss falls") {
  auto a = test::make_trainer(tp_train_config(test::fresh_dir("tp_a"), 1));
  auto b = test::make_trainer(tp_train_config(test::fresh_dir("tp_b"), 3));
  a.train(nullptr, nullptr);
  b.train(nullptr, nullptr);
  REQUIRE(a.chain().blocks.size() == 2);
  test::check_same_blocks(a, b);
  CHECK(a.log().back().loss < a.log().front().loss);
  CHECK(a.log().back().loss == b.log().back().loss);
  // With a recurrent hidden layer: its weights train too, with the same bits for any thread count.
  auto rec_config = [](const std::filesystem::path& out, unsigned threads) {
    json cfg = tp_train_config(out, threads);
    cfg["network"]["projections"].push_back(
        {{"pre", "l1"}, {"post", "l1"}, {"delay_ms", 1.0},
         {"weights", {{"init", "uniform"}, {"low", -0.25}, {"high", 0.25}, {"p_connect", 0.5}}}});
    return cfg;
  };
  auto c = test::make_trainer(rec_config(test::fresh_dir("tp_rec_a"), 1));
  auto d = test::make_trainer(rec_config(test::fresh_dir("tp_rec_b"), 3));
  const std::vector<double> r0(c.weights(2).begin(), c.weights(2).end());
  c.train(nullptr, nullptr);
  d.train(nullptr, nullptr);
  REQUIRE(c.chain().blocks.size() == 3);
  test::check_same_blocks(c, d);
  std::size_t moved = 0;
  for (std::size_t k = 0; k < r0.size(); ++k) moved += c.weights(2)[k] != r0[k];
  CHECK(moved > r0.size() / 2);
  json bad = rec_config(test::fresh_dir("tp_rec_bad"), 1);
  bad["network"]["projections"].back()["delay_ms"] = 2.0;
  CHECK(trainer_error(bad).find("rule tp: recurrent projection 'l1->l1' has a delay of 2 ms") != std::string::npos);
}

TEST_CASE("tp config errors name the JSON path or the layer") {
  const auto dir = test::fresh_dir("tp_err");
  json cfg = tp_train_config(dir, 1);
  cfg["batch_size"] = 1;
  CHECK(trainer_error(cfg).find("/batch_size: rule tp learns from a batch of at least 2") != std::string::npos);
  cfg = tp_train_config(dir, 1);
  cfg["rule"] = {{"type", "tp"}, {"trace_leak", 1.0}};
  CHECK(trainer_error(cfg).find("/rule/trace_leak: must be in (0, 1)") != std::string::npos);
  cfg["rule"] = {{"type", "tp"}, {"surrogate", 1.0}};
  CHECK(trainer_error(cfg).find("/rule: unknown key 'surrogate'") != std::string::npos);
  cfg = tp_train_config(dir, 1);
  cfg["loss"] = "count_ce";
  CHECK(trainer_error(cfg).find("tick_ce") != std::string::npos);
  cfg = tp_train_config(dir, 1);
  cfg["network"]["populations"][1]["params"]["bias"] = 0.1;
  CHECK(trainer_error(cfg).find("layer 'l1' has a bias") != std::string::npos);
  cfg = tp_train_config(dir, 1);
  cfg["network"]["projections"][1]["delay_ms"] = 1.0;
  CHECK(trainer_error(cfg).find("needs delay 0") != std::string::npos);
  cfg = tp_train_config(dir, 1);
  cfg["network"] = test::chain_network({30, 8, 3}, {1.0, 1.0}, {0.1, 0.1}, {0.3, 0.3});
  CHECK(trainer_error(cfg).find("tp") != std::string::npos);
  cfg = tp_train_config(dir, 1);
  cfg["network"] = tp_network({30, 3}, 11, 0.1, 0.3);
  CHECK(trainer_error(cfg).find("at least one hidden layer") != std::string::npos);
}
