// eprop on lif_tick (LIF and ALIF) hidden layers with recurrence and an li readout, run by the event-driven
// simulator:
//  - the network as the test iterates it directly (discrete equations) spikes as the engine did;
//  - the gradient against a direct computation of the e-prop equations (per synapse, every step, dense
//    loops; rules-spec §6.2–6.3), for the "event" and the "tick" formulation, LIF and ALIF, with recurrence,
//    a loss window and the rate regulariser, random feedback, two hidden layers;
//  - symmetric feedback on one hidden layer equals the truncated gradient e-prop claims (backpropagation
//    through the readout and each neuron's own leak only, the reset and recurrence detached);
//  - the readout gradient against finite differences of the sample's loss (the readout is linear in W_out);
//  - training: recurrent (sparse) e-prop lowers the loss, gives the same weights for 1 and 3 threads, writes a
//    network that loads; feed-forward rules refuse recurrent chains; spec errors;
//  - a batch of one sample: the same weights on 1 and 4 threads, where the idle threads share the sample's end.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/network_loader.hpp"
#include "readout_chain_fixture.hpp"
#include "rule_fixture.hpp"
#include "rules/eprop.hpp"
#include "tests/support/error_of.hpp"
#include "trainer_fixture.hpp"

using namespace evsnn;
using namespace evsnn::rules;
using nlohmann::json;
using test::net_shape;
using test::eprop_network;

namespace {

std::unique_ptr<learning_rule> eprop_of(json spec, const layer_chain& chain, std::uint64_t seed = 1) {
  spec["type"] = "eprop";
  return make_rule(json_node(spec, "train.json", "/rule"), chain, loss_input::counts, seed);
}

using run_result = test::rule_run;

// The network iterated directly from its JSON (dense matrices; sparse lists expanded), and the e-prop
// gradient of the equations as written: every synapse, every step.
struct direct_eprop {
  const json& doc;
  const net_shape& s;
  std::uint32_t T, label, window_start;
  json rule;  // gamma, reg_rate, target_rate_hz, feedback
  std::vector<std::vector<float>> B;  // per hidden layer (n x n_out), random feedback
  std::vector<std::vector<std::vector<int>>> spikes;  // [h][k][i]
  std::vector<std::vector<double>> grads;              // per block, the engine's order
  double loss = 0.0;

  static std::vector<double> matrix(const json& w, std::uint32_t rows, std::uint32_t cols) {
    std::vector<double> m(std::size_t(rows) * cols, 0.0);
    if (w.is_array()) {
      for (std::uint32_t j = 0; j < rows; ++j)
        for (std::uint32_t i = 0; i < cols; ++i) m[std::size_t(j) * cols + i] = w[j][i].get<double>();
    } else {
      for (std::size_t n = 0; n < w["w"].size(); ++n)
        m[w["pre"][n].get<std::size_t>() * cols + w["post"][n].get<std::size_t>()] = w["w"][n].get<double>();
    }
    return m;
  }

  void run(const std::vector<input_event>& in) {
    const std::size_t H = s.hidden.size();
    const double gamma = rule.value("gamma", 0.3), c_reg = rule.value("reg_rate", 0.0);
    const double f0 = rule.value("target_rate_hz", 10.0) * 1e-3;
    const bool symmetric = rule.value("feedback", std::string("random")) == "symmetric";
    const double kappa = std::exp(-1.0 / s.tau_out_ms);
    std::vector<std::vector<double>> x(T, std::vector<double>(s.n_in, 0.0));
    for (const input_event& e : in)
      x[static_cast<std::size_t>(std::ceil(e.time_ms - 1e-9))][e.channel] += s.graded_input ? e.grade : 1.0;
    // Projections in order: per hidden layer its input then (if any) its recurrent one; then the readout.
    std::vector<std::vector<double>> W_in, W_rec;
    std::size_t p = 0;
    std::vector<std::uint32_t> n_pre;
    for (std::size_t h = 0; h < H; ++h) {
      n_pre.push_back(h == 0 ? s.n_in : s.hidden[h - 1]);
      W_in.push_back(matrix(doc["projections"][p++]["weights"], n_pre[h], s.hidden[h]));
      if (s.recurrent) W_rec.push_back(matrix(doc["projections"][p++]["weights"], s.hidden[h], s.hidden[h]));
    }
    const std::uint32_t n_last = s.hidden.back(), C = s.n_out;
    const std::vector<double> W_out = matrix(doc["projections"][p]["weights"], n_last, C);
    // Forward: inputs per layer and step, Ũ, A, ψ, spikes; readout; error.
    const double beta = s.alif ? 0.4 : 0.0, rho = std::exp(-1.0 / 6.0);
    std::vector<std::vector<std::vector<double>>> xin(H), psi(H);  // [h][k][pre] / [h][k][i]
    spikes.assign(H, std::vector<std::vector<int>>(T));
    for (std::size_t h = 0; h < H; ++h) {
      const std::uint32_t n = s.hidden[h];
      const double lam = 0.9 - 0.05 * static_cast<double>(h);
      std::vector<double> U(n, 0.0), a(n, 0.0);
      for (std::uint32_t k = 0; k < T; ++k) {
        xin[h].push_back(h == 0 ? x[k] : std::vector<double>(spikes[h - 1][k].begin(), spikes[h - 1][k].end()));
        std::vector<double> ps(n);
        spikes[h][k].assign(n, 0);
        for (std::uint32_t i = 0; i < n; ++i) {
          double in_i = 0.0;
          for (std::uint32_t j = 0; j < n_pre[h]; ++j) in_i += xin[h][k][j] * W_in[h][std::size_t(j) * n + i];
          if (s.recurrent && k > 0)
            for (std::uint32_t j = 0; j < n; ++j) in_i += spikes[h][k - 1][j] * W_rec[h][std::size_t(j) * n + i];
          const double v = lam * U[i] + in_i;
          const double A = 1.0 + beta * a[i];
          ps[i] = gamma * std::max(0.0, 1.0 - std::fabs(v - A));
          const int sp = v >= A;
          spikes[h][k][i] = sp;
          U[i] = v - sp;
          a[i] = rho * a[i] + sp;
        }
        psi[h].push_back(ps);
      }
    }
    std::vector<std::vector<double>> err(T, std::vector<double>(C, 0.0));
    std::vector<double> y(C, 0.0);
    const double W = static_cast<double>(T - window_start);
    for (std::uint32_t k = 0; k < T; ++k) {
      for (std::uint32_t c = 0; c < C; ++c) {
        y[c] *= kappa;
        for (std::uint32_t j = 0; j < n_last; ++j) y[c] += spikes[H - 1][k][j] * W_out[std::size_t(j) * C + c];
      }
      if (k < window_start) continue;
      double mx = y[0], z = 0.0;
      for (double v : y) mx = std::max(mx, v);
      for (double v : y) z += std::exp(v - mx);
      for (std::uint32_t c = 0; c < C; ++c) err[k][c] = std::exp(y[c] - mx) / z - (c == label ? 1.0 : 0.0);
      loss += (std::log(z) + mx - y[label]) / W;
    }
    // Per hidden layer and block: x̄, ε, e, ē per synapse over every step.
    grads.clear();
    std::vector<std::vector<double>> rec_grads;
    for (std::size_t h = 0; h < H; ++h) {
      const std::uint32_t n = s.hidden[h];
      const double lam = 0.9 - 0.05 * static_cast<double>(h);
      double rate_term[64];
      for (std::uint32_t i = 0; i < n; ++i) {
        double count = 0;
        for (std::uint32_t k = 0; k < T; ++k) count += spikes[h][k][i];
        rate_term[i] = 2.0 * c_reg * (count / T - f0) / T;
      }
      for (int block = 0; block < (s.recurrent ? 2 : 1); ++block) {
        const std::uint32_t m = block == 0 ? n_pre[h] : n;
        std::vector<double> g(std::size_t(m) * n, 0.0);
        for (std::uint32_t j = 0; j < m; ++j)
          for (std::uint32_t i = 0; i < n; ++i) {
            double xbar = 0.0, eps = 0.0, ebar = 0.0, gsum = 0.0, esum = 0.0;
            for (std::uint32_t k = 0; k < T; ++k) {
              const double xk = block == 0 ? xin[h][k][j] : (k > 0 ? spikes[h][k - 1][j] : 0.0);
              xbar = lam * xbar + xk;
              const double ps = psi[h][k][i];
              const double e = ps * (xbar - beta * eps);
              eps = ps * xbar + (rho - beta * ps) * eps;
              ebar = kappa * ebar + e;
              esum += e;
              double L = 0.0;
              for (std::uint32_t c = 0; c < C; ++c)
                L += (symmetric ? W_out[std::size_t(i) * C + c] : static_cast<double>(B[h][std::size_t(i) * C + c])) *
                     err[k][c];
              gsum += L * ebar / W;
            }
            g[std::size_t(j) * n + i] = gsum + rate_term[i] * esum;
          }
        (block == 0 ? grads : rec_grads).push_back(g);
      }
    }
    // Readout: Σ_k err_k z̃_k.
    std::vector<double> g(std::size_t(n_last) * C, 0.0);
    for (std::uint32_t j = 0; j < n_last; ++j) {
      double z = 0.0;
      for (std::uint32_t k = 0; k < T; ++k) {
        z = kappa * z + spikes[H - 1][k][j];
        for (std::uint32_t c = 0; c < C; ++c) g[std::size_t(j) * C + c] += err[k][c] * z / W;
      }
    }
    grads.push_back(g);
    for (auto& r : rec_grads) grads.push_back(r);
  }
};

// The engine's block b as dense (sparse blocks expanded by their synapse order).
std::vector<double> dense_block(test::rule_fixture& f, std::size_t b, const std::vector<double>& g) {
  const trained_block& tb = f.chain.blocks[b];
  if (tb.dense) return g;
  std::vector<double> d(std::size_t(tb.n_pre) * tb.n_post, 0.0);
  const projection& pr = f.net->proj(tb.projection);
  for (std::uint32_t s = 0; s < tb.synapses; ++s) d[std::size_t(pr.pre_of(s)) * tb.n_post + pr.post_of(s)] = g[s];
  return d;
}

bool has_synapse(test::rule_fixture& f, std::size_t b, std::size_t dense_index) {
  const trained_block& tb = f.chain.blocks[b];
  const projection& pr = f.net->proj(tb.projection);
  for (std::uint32_t s = 0; s < tb.synapses; ++s)
    if (std::size_t(pr.pre_of(s)) * tb.n_post + pr.post_of(s) == dense_index) return true;
  return false;
}

// The largest difference, in units of the trainer's fixed-point resolution 2^-32 (rules sum each sample's
// gradient into fixed point: one rounding of at most half a unit, plus the float arithmetic's own).
double worst_units(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) worst = std::max(worst, std::fabs(a[k] - b[k]) * 4294967296.0);
  return worst;
}

}  // namespace

TEST_CASE("eprop: both formulations equal the e-prop equations computed directly (LIF, ALIF, recurrence, window, "
          "regulariser, two hidden layers)") {
  struct variant {
    const char* name;
    net_shape shape;
    json rule;
  };
  net_shape lif, alif, sparse, deep, graded;
  graded.graded_input = true;
  alif.alif = true;
  sparse.sparse_recurrent = true;
  sparse.alif = true;
  deep.hidden = {6, 4};
  const std::vector<variant> variants = {
      {"LIF, recurrent", lif, json::object()},
      {"ALIF, recurrent, window and regulariser", alif, {{"loss_window_ms", 12}, {"reg_rate", 0.5}, {"target_rate_hz", 30}}},
      {"ALIF, sparse recurrence, gamma", sparse, {{"gamma", 0.5}}},
      {"two hidden layers, recurrent", deep, {{"reg_rate", 0.2}}},
      {"graded input (binned event counts)", graded, json::object()},
  };
  const std::uint32_t T = 30;
  for (const variant& v : variants) {
    INFO(v.name);
    const json doc = eprop_network(v.shape);
    auto input = test::grid_input(v.shape.n_in, T, 17, 0.3, 0.05);
    if (v.shape.graded_input) {
      rng g(4);
      for (input_event& e : input) e.grade = static_cast<float>(g.uniform(0.5, 3.0));
    }
    std::vector<run_result> runs;
    for (const char* form : {"event", "tick"}) {
      INFO(form);
      test::rule_fixture f(doc);
      json spec = v.rule;
      spec["formulation"] = form;
      auto rule = eprop_of(spec, f.chain);
      runs.push_back(test::run_rule(f, *rule, input, T, 1));
      direct_eprop ref{doc, v.shape, T, 1, 0, v.rule, {}, {}, {}, 0.0};
      if (v.rule.contains("loss_window_ms")) ref.window_start = T - v.rule["loss_window_ms"].get<std::uint32_t>();
      auto& er = dynamic_cast<eprop_rule&>(*rule);
      for (std::size_t h = 0; h < v.shape.hidden.size(); ++h) ref.B.push_back(er.feedback_matrix(h));
      ref.run(input);
      // The engine spiked as the direct iteration did.
      std::uint64_t engine_spikes = 0, direct_spikes = 0;
      for (const spike_record& s : f.sim->spikes())
        if (s.population != f.chain.input && s.time_ms < T) ++engine_spikes;
      for (const auto& layer : ref.spikes)
        for (const auto& k : layer)
          for (int sp : k) direct_spikes += sp;
      CHECK(engine_spikes == direct_spikes);
      CHECK(direct_spikes > 10);
      CHECK(runs.back().loss.value == doctest::Approx(ref.loss).epsilon(1e-12));
      REQUIRE(runs.back().grad.size() == ref.grads.size());
      for (std::size_t b = 0; b < ref.grads.size(); ++b) {
        CAPTURE(b);
        const std::vector<double> g = dense_block(f, b, runs.back().grad[b]);
        std::vector<double> expected = ref.grads[b];
        if (!f.chain.blocks[b].dense)  // no synapse, no gradient
          for (std::size_t k = 0; k < expected.size(); ++k)
            if (g[k] == 0.0 && !has_synapse(f, b, k)) expected[k] = 0.0;
        CHECK(worst_units(g, expected) < 0.51);
        double norm = 0.0;
        for (double x : g) norm += std::fabs(x);
        CHECK(norm > 0.0);
      }
    }
  }
}

TEST_CASE("eprop: symmetric feedback on one hidden layer is the truncated gradient; the readout's is exact") {
  net_shape s;
  s.recurrent = false;
  const json doc = eprop_network(s, 8);
  const std::uint32_t T = 25, label = 2;
  const auto input = test::grid_input(s.n_in, T, 4, 0.35, 0.05);
  test::rule_fixture f(doc);
  auto rule = eprop_of({{"feedback", "symmetric"}}, f.chain);
  const run_result r = test::run_rule(f, *rule, input, T, label);
  // Truncated BPTT: dL/ds_k through the readout only, dŨ_k/dŨ_(k-1) = λ (reset detached), ds/dŨ = ψ.
  direct_eprop ref{doc, s, T, label, 0, {{"feedback", "symmetric"}}, {}, {}, {}, 0.0};
  ref.run(input);
  const double kappa = std::exp(-1.0 / s.tau_out_ms), lam = 0.9;
  const std::uint32_t n = s.hidden[0], C = s.n_out;
  const auto& W_out = f.net->proj(f.chain.output().projection).weights();
  // Recompute ψ and err from the direct run's spikes: forward once more here.
  std::vector<std::vector<double>> x(T, std::vector<double>(s.n_in, 0.0));
  for (const input_event& e : input) x[static_cast<std::size_t>(std::ceil(e.time_ms - 1e-9))][e.channel] += 1.0;
  const auto W_in = direct_eprop::matrix(doc["projections"][0]["weights"], s.n_in, n);
  std::vector<std::vector<double>> psi(T, std::vector<double>(n)), err(T, std::vector<double>(C, 0.0));
  std::vector<double> U(n, 0.0), y(C, 0.0);
  for (std::uint32_t k = 0; k < T; ++k) {
    for (std::uint32_t i = 0; i < n; ++i) {
      double v = lam * U[i];
      for (std::uint32_t j = 0; j < s.n_in; ++j) v += x[k][j] * W_in[std::size_t(j) * n + i];
      psi[k][i] = 0.3 * std::max(0.0, 1.0 - std::fabs(v - 1.0));
      U[i] = v >= 1.0 ? v - 1.0 : v;
    }
    for (std::uint32_t c = 0; c < C; ++c) {
      y[c] *= kappa;
      for (std::uint32_t j = 0; j < n; ++j) y[c] += ref.spikes[0][k][j] * W_out[std::size_t(j) * C + c];
    }
    double z = 0.0;
    for (double v : y) z += std::exp(v);
    for (std::uint32_t c = 0; c < C; ++c) err[k][c] = (std::exp(y[c]) / z - (c == label)) / T;
  }
  std::vector<double> g(std::size_t(s.n_in) * n, 0.0);
  std::vector<double> dy(C, 0.0), du(n, 0.0);
  for (std::uint32_t k = T; k-- > 0;) {
    for (std::uint32_t c = 0; c < C; ++c) dy[c] = err[k][c] + kappa * dy[c];  // dL/dy_k through later steps
    for (std::uint32_t i = 0; i < n; ++i) {
      double ds = 0.0;
      for (std::uint32_t c = 0; c < C; ++c) ds += W_out[std::size_t(i) * C + c] * dy[c];
      du[i] = psi[k][i] * ds + lam * du[i];
      for (std::uint32_t j = 0; j < s.n_in; ++j) g[std::size_t(j) * n + i] += x[k][j] * du[i];
    }
  }
  CHECK(worst_units(r.grad[0], g) < 0.51);
  // Finite differences of the sample's loss in each readout weight (spikes do not depend on W_out).
  const double h = 1e-6;
  double worst = 0.0, scale = 0.0;
  for (std::size_t w = 0; w < r.grad[1].size(); ++w) {
    double& wt = f.net->proj(f.chain.output().projection).weights()[w];
    const double w0 = wt;
    wt = w0 + h;
    const double up = test::run_rule(f, *rule, input, T, label).loss.value;
    wt = w0 - h;
    const double down = test::run_rule(f, *rule, input, T, label).loss.value;
    wt = w0;
    worst = std::max(worst, std::fabs((up - down) / (2 * h) - r.grad[1][w]));
    scale = std::max(scale, std::fabs(r.grad[1][w]));
  }
  CHECK(scale > 1e-3);
  CHECK(worst < 1e-7 * std::max(1.0, scale));
}

TEST_CASE("eprop: recurrent training lowers the loss, same weights for 1 and 3 threads, writes a loadable network") {
  net_shape s;
  s.n_in = 30;
  s.hidden = {16};
  s.sparse_recurrent = true;
  s.alif = true;
  s.tau_out_ms = 10.0;
  auto config = [&](const std::filesystem::path& out, unsigned threads) {
    return test::readout_train_config(s, {{"type", "eprop"}, {"reg_rate", 0.1}}, out, threads);
  };
  const auto dir_a = test::fresh_dir("eprop_a"), dir_b = test::fresh_dir("eprop_b");
  auto a = test::make_trainer(config(dir_a, 1));
  auto b = test::make_trainer(config(dir_b, 3));
  a.train(nullptr, nullptr);
  b.train(nullptr, nullptr);
  REQUIRE(a.chain().blocks.size() == 3);  // input, readout, recurrent
  test::check_same_blocks(a, b);
  CHECK(a.log().back().loss < a.log().front().loss);
  // The trained network keeps the sparse recurrent projection's connectivity and its trained weights.
  auto net = load_network((dir_a / "network.json").string(), builtin_model_registry());
  const projection& rec = net->proj(a.chain().blocks[2].projection);
  REQUIRE(rec.synapse_count() == a.weights(2).size());
  for (std::uint32_t k = 0; k < rec.synapse_count(); ++k) CHECK(rec.weight(k) == a.weights(2)[k]);
  // A feed-forward rule refuses the recurrent chain, naming the projection.
  json bad = config(test::fresh_dir("eprop_bad"), 1);
  bad["rule"] = "ostl";
  CHECK(test::error_of([&] { test::make_trainer(bad); }).find("projection 'h0->h0' is recurrent") != std::string::npos);
}

TEST_CASE("eprop: a batch of one sample gives the same weights on 1 and 4 threads (the idle threads share its end)") {
  // Batch 1 leaves three of four threads idle: they take blocks of the sample's backward recursions (16 neurons
  // each: 4 blocks of 64) and of its scatter (presynaptic blocks of 64: 3 blocks of 150 inputs).
  net_shape s;
  s.n_in = 150;
  s.hidden = {64};
  s.sparse_recurrent = true;
  s.tau_out_ms = 10.0;
  auto config = [&](const std::filesystem::path& out, unsigned threads) {
    json cfg = test::readout_train_config(s, {{"type", "eprop"}, {"reg_rate", 0.1}}, out, threads);
    cfg["batch_size"] = 1;
    cfg["epochs"] = 2;
    cfg["dataset"]["neurons"] = 150;
    cfg["dataset"]["ticks"] = 100;
    return cfg;
  };
  auto a = test::make_trainer(config(test::fresh_dir("eprop_batch1_a"), 1));
  auto b = test::make_trainer(config(test::fresh_dir("eprop_batch1_b"), 4));
  a.train(nullptr, nullptr);
  b.train(nullptr, nullptr);
  test::check_same_blocks(a, b);
  CHECK(a.log().back().loss < a.log().front().loss);
  CHECK_FALSE(a.lends_idle_threads());  // one thread: none idle
  CHECK(b.lends_idle_threads());
  CHECK(a.rows_lent() == 0);
}

TEST_CASE("eprop: spec and network errors") {
  net_shape s;
  auto err = [&](const json& doc, const json& spec) {
    return test::error_of([&] {
      test::rule_fixture f(doc);
      auto rule = eprop_of(spec, f.chain);
      rule->make_worker(*f.sim, f.chain);
    });
  };
  json doc = eprop_network(s);
  CHECK(err(doc, {{"feedback", "mirror"}}).find("/rule/feedback") != std::string::npos);
  CHECK(err(doc, {{"gamma", 0}}).find("/rule/gamma: must be > 0") != std::string::npos);
  CHECK(err(doc, {{"bogus", 1}}).find("/rule: unknown key 'bogus'") != std::string::npos);
  json d = doc;
  d["populations"].back()["params"]["tau_syn_ms"] = 2.0;
  CHECK(err(d, json::object()) == "rule eprop: readout 'out' needs \"tau_syn_ms\": 0 (y_k = κ y_(k-1) + W s_k)");
  d = doc;
  d["projections"].back()["delay_ms"] = 1.0;
  CHECK(err(d, json::object()).find("readout projection 'h0->out' needs \"delay_ms\": 0") != std::string::npos);
  d = doc;
  d["projections"][1]["delay_ms"] = 0.0;
  CHECK(err(d, json::object()).find("zero-delay loop") != std::string::npos);
  net_shape deep;
  deep.hidden = {4, 4};
  CHECK(err(eprop_network(deep), {{"feedback", "symmetric"}}).find("reaches only the last hidden layer") !=
        std::string::npos);
  d = doc;
  d["populations"].back() = {{"name", "out"}, {"model", "lif_tick"}, {"size", 3}, {"params", json::object()}};
  CHECK(err(d, json::object()).find("the chain must end in a readout (li)") != std::string::npos);
}
