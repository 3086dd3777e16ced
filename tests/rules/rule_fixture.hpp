#pragma once
// Test support for rules: a small feed-forward network built from JSON, driven by one fixed input
// sample through the real simulator and presenter, with a rule worker attached; helpers to read the
// rule's gradient and the output spikes, and to perturb one weight.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/network_loader.hpp"
#include "engine/presenter.hpp"
#include "engine/rng.hpp"
#include "engine/simulator.hpp"
#include "models/builtin_models.hpp"
#include "rules/layer_chain.hpp"
#include "rules/learning_rule.hpp"

namespace evsnn::test {

// input (n_in) -> hidden layers -> output; weights drawn N(mean, std) per layer (seeded), all dense.
inline nlohmann::json chain_network(const std::vector<std::uint32_t>& sizes, const std::vector<double>& thresholds,
                                    const std::vector<double>& w_mean, const std::vector<double>& w_std,
                                    double tau_mem_ms = 10.0, const std::string& model = "lif_alpha",
                                    bool readout = false) {
  nlohmann::json pops = nlohmann::json::array();
  pops.push_back({{"name", "l0"}, {"model", "spike_source"}, {"size", sizes[0]}, {"params", {{"external", true}}}});
  nlohmann::json projs = nlohmann::json::array();
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    nlohmann::json params = {{"tau_mem_ms", tau_mem_ms}};
    std::string m = model;
    if (readout && l + 1 == sizes.size()) {
      m = "li";
      params["tau_syn_ms"] = tau_mem_ms / 2;
    } else {
      params["threshold"] = thresholds[l - 1];
      if (model == "cuba_lif") params["tau_syn_ms"] = tau_mem_ms / 3;
    }
    pops.push_back({{"name", fmt::format("l{}", l)}, {"model", m}, {"size", sizes[l]}, {"params", params}});
    rng r(rng::derive(99, l));
    nlohmann::json rows = nlohmann::json::array();
    for (std::uint32_t j = 0; j < sizes[l - 1]; ++j) {
      nlohmann::json row = nlohmann::json::array();
      for (std::uint32_t i = 0; i < sizes[l]; ++i)
        row.push_back(static_cast<double>(static_cast<float>(r.normal(w_mean[l - 1], w_std[l - 1]))));
      rows.push_back(row);
    }
    projs.push_back({{"pre", fmt::format("l{}", l - 1)}, {"post", fmt::format("l{}", l)}, {"weights", rows}});
  }
  return {{"format", "evsnn-network/1"}, {"seed", 1}, {"populations", pops}, {"projections", projs}};
}

// Input events: every input channel fires `per_channel` times at seeded random times in [0, t_max).
inline std::vector<input_event> random_input(std::uint32_t channels, int per_channel, double t_max, std::uint64_t seed) {
  rng r(seed);
  std::vector<input_event> ev;
  for (std::uint32_t c = 0; c < channels; ++c)
    for (int k = 0; k < per_channel; ++k) ev.push_back({r.uniform(0.0, t_max), c, 1.0f});
  std::sort(ev.begin(), ev.end(), [](const input_event& a, const input_event& b) {
    return a.time_ms != b.time_ms ? a.time_ms < b.time_ms : a.channel < b.channel;
  });
  return ev;
}

// Input on the 1 ms tick grid (discrete-tick chains): each channel fires on a tick with probability p_once,
// and a second time in the same tick with probability p_twice.
inline std::vector<input_event> grid_input(std::uint32_t channels, std::uint32_t ticks, std::uint64_t seed,
                                           double p_once = 0.25, double p_twice = 0.04) {
  rng r(seed);
  std::vector<input_event> ev;
  for (std::uint32_t k = 0; k < ticks; ++k)
    for (std::uint32_t c = 0; c < channels; ++c) {
      if (r.uniform(0.0, 1.0) < p_once) ev.push_back({static_cast<double>(k), c, 1.0f});
      if (r.uniform(0.0, 1.0) < p_twice) ev.push_back({static_cast<double>(k), c, 1.0f});
    }
  return ev;
}

struct rule_fixture {
  std::unique_ptr<network> net;
  std::unique_ptr<simulator> sim;
  std::unique_ptr<presenter> pres;
  rules::layer_chain chain;

  explicit rule_fixture(const nlohmann::json& doc, bool train_bias = false) {
    net = build_network(doc, "test.json", ".", builtin_model_registry());
    sim = std::make_unique<simulator>(*net, 1);
    chain = rules::find_layer_chain(*net, "test.json", train_bias);
    pres = std::make_unique<presenter>(*sim, chain.input, state_policy::reset);
  }
  void run(const std::vector<input_event>& in, double duration) {
    sim->clear_spikes();
    pres->present(in, duration);
  }
  // Spike times of neuron i of layer l from the last run.
  std::vector<double> spikes_of(std::size_t l, std::uint32_t i) const {
    std::vector<double> t;
    for (const spike_record& s : sim->spikes())
      if (s.population == chain.layers[l].population && s.neuron == i) t.push_back(s.time_ms);
    return t;
  }
  double& weight(std::size_t l, std::uint32_t pre, std::uint32_t post) {
    return net->proj(chain.layers[l].projection).weights()[std::size_t(pre) * chain.layers[l].size + post];
  }
};

// One sample through the fixture's simulator with a fresh worker of `rule` (label and duration set as the
// trainer sets them); the rule's merged gradient (end_batch of one sample) and the worker's loss.
struct rule_run {
  std::vector<std::vector<double>> grad;
  rules::loss_value loss;
};
inline rule_run run_rule(rule_fixture& f, rules::learning_rule& rule, const std::vector<input_event>& in,
                         double duration, std::uint32_t label) {
  static std::vector<std::unique_ptr<rules::rule_worker>> alive;  // hooks must outlive the fixture's simulator
  auto& w = alive.emplace_back(rule.make_worker(*f.sim, f.chain));
  rules::fixed_sum_set sums = rule.make_sums();
  w->set_target(label);
  w->set_duration(duration);
  f.run(in, duration);
  std::vector<double> g(f.chain.output().size, 0.0);
  w->accumulate({rules::loss_input::counts, g, duration}, sums);
  rule_run r;
  rule.end_batch(sums, 1, r.grad);
  r.loss = w->sample_loss().value();
  return r;
}

}  // namespace evsnn::test
