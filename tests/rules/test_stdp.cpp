// STDP (rules/stdp) through the network JSON interface: single pairs against the closed-form window,
// delays with NEST's dendritic/axonal semantics, interactions, weight dependence, triplet pairing
// protocol against an independent spike-by-spike reference, bounds, counters, a recurrent projection,
// determinism and errors in the plasticity block.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/network_loader.hpp"
#include "engine/simulator.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"

using namespace evsnn;
using nlohmann::json;

namespace {

json spikes_of(const std::vector<double>& times) {
  json s = json::array();
  for (double t : times) s.push_back({t, 0});
  return s;
}

// pre -> post (plastic, weight w0, delay d) and drive -> post (strong, makes post spike exactly at the
// drive times: lif_delta crosses only at inputs).
json pair_network(const std::vector<double>& pre, const std::vector<double>& post, const json& plasticity,
                  double w0 = 0.5, double delay_ms = 0.0, const json& post_model = nullptr) {
  json net = {{"format", "evsnn-network/1"}, {"duration_ms", 5000.0}};
  net["populations"] = json::array(
      {{{"name", "pre"}, {"model", "spike_source"}, {"size", 1}, {"params", {{"spikes", spikes_of(pre)}}}},
       {{"name", "drive"}, {"model", "spike_source"}, {"size", 1}, {"params", {{"spikes", spikes_of(post)}}}},
       {{"name", "post"},
        {"model", "lif_delta"},
        {"size", 1},
        {"params", {{"tau_mem_ms", 10.0}, {"threshold", 10.0}, {"reset", "zero"}}}}});
  if (!post_model.is_null()) net["populations"][2].update(post_model);
  net["projections"] = json::array({{{"pre", "drive"}, {"post", "post"}, {"weights", json::array({json::array({100.0})})}},
                                    {{"pre", "pre"},
                                     {"post", "post"},
                                     {"delay_ms", delay_ms},
                                     {"weights", json::array({json::array({w0})})},
                                     {"plasticity", plasticity}}});
  return net;
}

struct run_result {
  double w;
  projection_counters counters;
  std::vector<double> post_spikes;
};

run_result run(const json& doc, double duration_ms = 5000.0) {
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  auto net = build_network(doc, "stdp.json", ".", models, &rules);
  simulator sim(*net, 1);
  sim.run(duration_ms);
  sim.settle();
  run_result r;
  const std::uint32_t plastic = net->plastic(0).projection();
  r.w = net->proj(plastic).weight(0);
  r.counters = sim.counters().projections[plastic];
  for (const spike_record& s : sim.spikes())
    if (net->pop(s.population).name() == "post") r.post_spikes.push_back(s.time_ms);
  return r;
}

struct ref_params {
  double tau_plus = 20, tau_minus = 20, tau_x = 101, tau_y = 125;
  double a2p = 0, a2m = 0, a3p = 0, a3m = 0;
  bool nearest = false;
  double mu_plus = 0, mu_minus = 0, w_min = 0, w_max = 1e300;
};

// Independent reference: events at synapse times in order (post first at ties); every trace is the
// explicit sum over earlier spikes (or the nearest one), not a recursively decayed value.
double reference(std::vector<double> pre, std::vector<double> post, const ref_params& p, double w) {
  std::sort(pre.begin(), pre.end());
  std::sort(post.begin(), post.end());
  auto trace = [&](const std::vector<double>& s, double t, double tau, bool inclusive) {
    double v = 0;
    for (double ts : s)
      if (ts < t || (inclusive && ts == t)) v = p.nearest ? std::exp(-(t - ts) / tau) : v + std::exp(-(t - ts) / tau);
    return v;
  };
  std::size_t i = 0, j = 0;
  const double range = p.w_max - p.w_min;
  while (i < pre.size() || j < post.size()) {
    if (j < post.size() && (i == pre.size() || post[j] <= pre[i])) {
      const double t = post[j++];
      const double x = trace(pre, t, p.tau_plus, true);
      const double amp = p.a2p + p.a3p * trace(post, t, p.tau_y, false);
      if (x != 0.0) w += (p.mu_plus == 0 ? 1.0 : std::pow((p.w_max - w) / range, p.mu_plus)) * x * amp;
    } else {
      const double t = pre[i++];
      const double y = trace(post, t, p.tau_minus, true);
      const double amp = p.a2m + p.a3m * trace(pre, t, p.tau_x, false);
      if (y != 0.0) w -= (p.mu_minus == 0 ? 1.0 : std::pow((w - p.w_min) / range, p.mu_minus)) * y * amp;
    }
    w = std::clamp(w, p.w_min, p.w_max);
  }
  return w;
}

void check_rel(double got, double want, double w0, double tol = 1e-12) {
  const double dg = got - w0, dw = want - w0;
  CHECK(std::fabs(dg - dw) <= tol * std::max(std::fabs(dw), 1e-300) + 4e-16 * std::fabs(w0));
}

}  // namespace

TEST_CASE("stdp: pair window against the closed form, all-to-all additive") {
  const json pl = {{"rule", "stdp"}, {"a_plus", 0.01}, {"a_minus", 0.012}, {"tau_plus_ms", 17.0}, {"tau_minus_ms", 34.0}};
  for (double dt : {-80.0, -20.0, -5.0, -0.25, 0.25, 1.0, 5.0, 20.0, 80.0}) {
    CAPTURE(dt);
    const double t_pre = 100.0, t_post = 100.0 + dt;
    const run_result r = run(pair_network({t_pre}, {t_post}, pl));
    REQUIRE(r.post_spikes == std::vector<double>{t_post});
    const double want = dt > 0 ? 0.01 * std::exp(-dt / 17.0) : -0.012 * std::exp(dt / 34.0);
    check_rel(r.w, 0.5 + want, 0.5);
    CHECK(r.counters.weight_updates == 1);
    CHECK(r.counters.trace_updates == 2);
  }
}

TEST_CASE("stdp: delays follow NEST (dendritic by default, axonal on request, or split)") {
  const double d = 3.0, t_pre = 50.0;
  for (double dd : {-1.0, 0.0, 1.0}) {  // -1: default (all dendritic)
    for (double t_post : {48.0, 51.0, 53.5, 56.0, 60.0}) {
      json pl = {{"rule", "stdp"}, {"a_plus", 0.01}, {"a_minus", 0.012}};
      const double d_dend = dd < 0 ? d : dd;
      if (dd >= 0) pl["dendritic_delay_ms"] = dd;
      CAPTURE(dd);
      CAPTURE(t_post);
      const run_result r = run(pair_network({t_pre}, {t_post}, pl, 0.5, d));
      const double syn_dt = (t_post + d_dend) - (t_pre + d - d_dend);
      // Delta t = 0 at the synapse: the post spike counts first, so the pair depresses.
      const double want = syn_dt > 0 ? 0.01 * std::exp(-syn_dt / 20.0) : -0.012 * std::exp(syn_dt / 20.0);
      check_rel(r.w, 0.5 + want, 0.5);
    }
  }
}

TEST_CASE("stdp: trains of spikes, interactions and weight dependence against the reference") {
  const std::vector<double> pre = {10, 22, 23.5, 40, 71, 90.25, 130};
  const std::vector<double> post = {15, 21, 45, 46, 89, 120, 131.5};
  struct variant {
    const char* name;
    json extra;
    ref_params p;
  };
  ref_params base;
  base.a2p = 0.02;
  base.a2m = 0.021;
  auto with = [&](auto f) {
    ref_params p = base;
    f(p);
    return p;
  };
  const std::vector<variant> variants = {
      {"all_to_all additive", json::object(), base},
      {"nearest additive", {{"interaction", "nearest"}}, with([](ref_params& p) { p.nearest = true; })},
      {"multiplicative", {{"weight_dependence", "multiplicative"}, {"w_max", 1.0}},
       with([](ref_params& p) { p.mu_plus = p.mu_minus = 1; p.w_max = 1; })},
      {"van_rossum", {{"weight_dependence", "van_rossum"}, {"w_max", 1.0}},
       with([](ref_params& p) { p.mu_minus = 1; p.w_max = 1; })},
      {"gutig", {{"weight_dependence", "gutig"}, {"mu", 0.4}, {"w_min", 0.1}, {"w_max", 2.0}},
       with([](ref_params& p) { p.mu_plus = p.mu_minus = 0.4; p.w_min = 0.1; p.w_max = 2.0; })},
      {"nearest gutig", {{"interaction", "nearest"}, {"weight_dependence", "gutig"}, {"mu", 0.7}, {"w_max", 1.5}},
       with([](ref_params& p) { p.nearest = true; p.mu_plus = p.mu_minus = 0.7; p.w_max = 1.5; })},
  };
  for (const variant& v : variants) {
    CAPTURE(v.name);
    json pl = {{"rule", "stdp"}, {"a_plus", 0.02}, {"a_minus", 0.021}};
    pl.update(v.extra);
    const run_result r = run(pair_network(pre, post, pl, 0.5));
    check_rel(r.w, reference(pre, post, v.p, 0.5), 0.5);
  }
}

TEST_CASE("stdp: every spiking model as the target, at the model's own exact spike times") {
  const std::vector<double> pre = {10, 31, 55, 80};
  const std::vector<double> drive = {20, 50, 70};
  ref_params p;
  p.a2p = 0.02;
  p.a2m = 0.021;
  const json models[] = {
      {{"model", "lif_alpha"}, {"params", {{"tau_mem_ms", 10.0}, {"threshold", 10.0}}}},
      {{"model", "cuba_lif"}, {"params", {{"tau_mem_ms", 10.0}, {"tau_syn_ms", 3.0}, {"threshold", 10.0}}}},
      {{"model", "lif_delta"}, {"params", {{"tau_mem_ms", 10.0}, {"threshold", 10.0}, {"reset", "zero"}}}}};
  for (const json& m : models) {
    CAPTURE(m.dump());
    const json pl = {{"rule", "stdp"}, {"a_plus", 0.02}, {"a_minus", 0.021}};
    const run_result r = run(pair_network(pre, drive, pl, 0.5, 1.0, m), 200.0);
    REQUIRE(!r.post_spikes.empty());
    // Dendritic delay 1 ms: the synapse sees pre at t_pre, post at t_post + 1 (shift both by -1).
    std::vector<double> post_seen;
    for (double t : r.post_spikes) post_seen.push_back(t + 2.0);
    std::vector<double> pre_seen;
    for (double t : pre) pre_seen.push_back(t + 1.0);
    check_rel(r.w, reference(pre_seen, post_seen, p, 0.5), 0.5);
  }
}

TEST_CASE("stdp: weight bounds clip exactly") {
  std::vector<double> pre, post;
  for (int k = 0; k < 40; ++k) {
    pre.push_back(10.0 + 20.0 * k);
    post.push_back(12.0 + 20.0 * k);
  }
  const json up = {{"rule", "stdp"}, {"a_plus", 0.05}, {"a_minus", 0.0}, {"w_max", 0.8}};
  CHECK(run(pair_network(pre, post, up, 0.5)).w == 0.8);
  const json down = {{"rule", "stdp"}, {"a_plus", 0.0}, {"a_minus", 0.05}, {"w_min", 0.2}};
  CHECK(run(pair_network(post, pre, down, 0.5)).w == 0.2);
}

TEST_CASE("stdp_triplet: pairing protocol, frequency dependence against the reference (Pfister & Gerstner Fig. 4)") {
  const json pl = {{"rule", "stdp_triplet"}, {"preset", "visual_cortex_all_to_all"}, {"w_max", 100.0}};
  ref_params p;
  p.tau_plus = 16.8;
  p.tau_minus = 33.7;
  p.tau_x = 101;
  p.tau_y = 125;
  p.a2p = 7.5e-10;
  p.a3p = 9.3e-3;
  p.a2m = 7e-3;
  p.a3m = 2.3e-4;
  p.w_max = 100;
  std::vector<double> plus, minus;
  for (double rho : {1.0, 5.0, 10.0, 20.0, 40.0, 50.0}) {
    for (double dt : {10.0, -10.0}) {
      std::vector<double> pre, post;
      for (int k = 0; k < 60; ++k) {
        pre.push_back(100.0 + 1000.0 * k / rho);
        post.push_back(100.0 + 1000.0 * k / rho + dt);
      }
      const run_result r = run(pair_network(pre, post, pl, 1.0), 100.0 + 60000.0 / rho + 100.0);
      CAPTURE(rho);
      CAPTURE(dt);
      check_rel(r.w, reference(pre, post, p, 1.0), 1.0, 1e-11);
      (dt > 0 ? plus : minus).push_back(r.w - 1.0);
    }
  }
  CHECK(minus.front() < 0.0);  // depression at low pairing frequency ...
  CHECK(minus.back() > 0.0);   // ... turns to potentiation at high frequency
  for (std::size_t k = 1; k < plus.size(); ++k) CHECK(plus[k] > plus[k - 1]);
}

TEST_CASE("stdp: on a recurrent projection with delays") {
  json net = {{"format", "evsnn-network/1"}, {"duration_ms", 100.0}};
  net["populations"] = json::array(
      {{{"name", "drive"},
        {"model", "spike_source"},
        {"size", 2},
        {"params", {{"spikes", json::array({{10.0, 0}, {14.0, 1}, {30.0, 1}})}}}},
       {{"name", "rec"},
        {"model", "lif_delta"},
        {"size", 2},
        {"params", {{"tau_mem_ms", 10.0}, {"threshold", 10.0}, {"reset", "zero"}}}}});
  net["projections"] = json::array(
      {{{"pre", "drive"}, {"post", "rec"}, {"weights", {{"pre", {0, 1}}, {"post", {0, 1}}, {"w", {100.0, 100.0}}}}},
       {{"pre", "rec"},
        {"post", "rec"},
        {"delay_ms", 1.0},
        {"weights", {{"pre", {0, 1}}, {"post", {1, 0}}, {"w", {0.2, 0.3}}}},
        {"plasticity", {{"rule", "stdp"}, {"a_plus", 0.01}, {"a_minus", 0.012}}}}});
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  auto n = build_network(net, "rec.json", ".", models, &rules);
  simulator sim(*n, 1);
  sim.run(100.0);
  sim.settle();
  const projection& pr = n->proj(1);
  // Synapse 0->1: pre spike at 10 seen at 10, post spikes of 1 at 14, 30 seen at 15, 31.
  const double w01 = 0.2 + 0.01 * (std::exp(-5.0 / 20.0) + std::exp(-21.0 / 20.0));
  // Synapse 1->0: pre spikes of 1 at 14, 30 seen then; post spike of 0 at 10 seen at 11: depression twice.
  const double w10 = 0.3 - 0.012 * (std::exp(-3.0 / 20.0) + std::exp(-19.0 / 20.0));
  CHECK(pr.weight(0) == doctest::Approx(w01).epsilon(1e-13));
  CHECK(pr.weight(1) == doctest::Approx(w10).epsilon(1e-13));
  CHECK(sim.counters().projections[1].weight_updates == 4);
  CHECK(sim.counters().projections[1].trace_updates == 6);  // 3 pre spikes + 3 post spikes
}

TEST_CASE("stdp: same network, same seed, same bits") {
  json net = {{"format", "evsnn-network/1"}, {"seed", 7}, {"duration_ms", 500.0}};
  net["populations"] = json::array(
      {{{"name", "in"}, {"model", "spike_source"}, {"size", 50}, {"params", {{"rate_hz", 40.0}}}},
       {{"name", "out"}, {"model", "cuba_lif"}, {"size", 10}, {"params", {{"tau_mem_ms", 10.0}, {"tau_syn_ms", 3.0}}}}});
  net["projections"] = json::array({{{"pre", "in"},
                                     {"post", "out"},
                                     {"delay_ms", 1.5},
                                     {"weights", {{"init", "uniform"}, {"low", 0.0}, {"high", 0.4}}},
                                     {"plasticity", {{"rule", "stdp_triplet"}, {"preset", "visual_cortex_nearest"}, {"w_max", 1.0}}}}});
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  std::vector<double> first;
  for (int rep = 0; rep < 2; ++rep) {
    auto n = build_network(net, "det.json", ".", models, &rules);
    simulator sim(*n, n->seed);
    sim.run(500.0);
    sim.settle();
    std::vector<double> w;
    for (std::uint32_t s = 0; s < n->proj(0).synapse_count(); ++s) w.push_back(n->proj(0).weight(s));
    if (rep == 0) {
      first = w;
      CHECK(sim.counters().projections[0].weight_updates > 0);
    } else {
      CHECK(w == first);
    }
  }
}

TEST_CASE("stdp: errors in the plasticity block name the JSON path") {
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  auto message = [&](const json& pl, double w0 = 0.5, double delay = 0.0) -> std::string {
    try {
      build_network(pair_network({1}, {2}, pl, w0, delay), "bad.json", ".", models, &rules);
    } catch (const input_error& e) {
      return e.what();
    }
    return "";
  };
  const std::string at = "bad.json: /projections/1/plasticity";
  CHECK(message({{"rule", "hebb"}}).find(at + "/rule: unknown plasticity rule 'hebb' (known: stdp, stdp_triplet)") == 0);
  CHECK(message({{"a_plus", 1}}).find(at + ": ") == 0);
  CHECK(message({{"rule", "stdp"}, {"a_minus", 0.1}}).find(at) == 0);
  CHECK(message({{"rule", "stdp"}, {"a_plus", 0.1}, {"a_minus", 0.1}, {"tau_plus_ms", -1}}).find(at + "/tau_plus_ms") == 0);
  CHECK(message({{"rule", "stdp"}, {"a_plus", 0.1}, {"a_minus", 0.1}, {"colour", 1}}).find("colour") != std::string::npos);
  CHECK(message({{"rule", "stdp"}, {"a_plus", 0.1}, {"a_minus", 0.1}, {"w_min", 1}, {"w_max", 0.5}}).find(at + "/w_max") == 0);
  CHECK(message({{"rule", "stdp"}, {"a_plus", 0.1}, {"a_minus", 0.1}, {"weight_dependence", "gutig"}, {"w_max", 1}})
            .find(at + ": ") == 0);  // mu missing
  CHECK(message({{"rule", "stdp"}, {"a_plus", 0.1}, {"a_minus", 0.1}, {"weight_dependence", "multiplicative"}})
            .find("w_max") != std::string::npos);
  CHECK(message({{"rule", "stdp"}, {"a_plus", 0.1}, {"a_minus", 0.1}, {"dendritic_delay_ms", 2}}, 0.5, 1.0)
            .find(at + "/dendritic_delay_ms") == 0);
  CHECK(message({{"rule", "stdp"}, {"a_plus", 0.1}, {"a_minus", 0.1}, {"w_max", 0.4}}, 0.5).find("outside") !=
        std::string::npos);
  CHECK(message({{"rule", "stdp_triplet"}, {"preset", "hippocampus"}}).find(at + "/preset") == 0);
  CHECK(message(json::array()).find(at) == 0);
  CHECK(message({{"rule", 3}}).find(at + "/rule") == 0);
}
