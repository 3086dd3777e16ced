#pragma once
// Test support for rules on readout chains (eprop, bptt with an li readout): input -> lif_tick hidden layers
// (LIF or ALIF, leak 0.9 - 0.05 h, threshold 1; ALIF beta 0.4, tau_a 6 ms), each with an optional recurrent
// projection (delay one tick, dense or sparse at density 1/2 without self-connections) -> li readout (tau_syn 0).
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/rng.hpp"
#include "tests/rules/trainer_fixture.hpp"

namespace evsnn::test {

struct net_shape {
  std::uint32_t n_in = 6;
  std::vector<std::uint32_t> hidden = {5};
  std::uint32_t n_out = 3;
  bool alif = false;
  bool recurrent = true;
  bool sparse_recurrent = false;
  double tau_out_ms = 8.0;
  bool graded_input = false;  // the input projection multiplies by the spikes' grades (binned event counts)
};

inline nlohmann::json dense_matrix(rng& r, std::uint32_t rows, std::uint32_t cols, double mean, double sd) {
  nlohmann::json m = nlohmann::json::array();
  for (std::uint32_t j = 0; j < rows; ++j) {
    nlohmann::json row = nlohmann::json::array();
    for (std::uint32_t i = 0; i < cols; ++i) row.push_back(r.normal(mean, sd));
    m.push_back(row);
  }
  return m;
}

inline nlohmann::json eprop_network(const net_shape& s, std::uint64_t seed = 3) {
  rng r(seed);
  nlohmann::json pops = nlohmann::json::array(), projs = nlohmann::json::array();
  pops.push_back({{"name", "in"}, {"model", "spike_source"}, {"size", s.n_in}, {"params", {{"external", true}}}});
  std::string prev = "in";
  std::uint32_t prev_n = s.n_in;
  for (std::size_t h = 0; h < s.hidden.size(); ++h) {
    const std::string name = fmt::format("h{}", h);
    nlohmann::json params = {{"leak", 0.9 - 0.05 * static_cast<double>(h)}, {"threshold", 1.0}};
    if (s.alif) params.update({{"adapt_beta", 0.4}, {"adapt_tau_ms", 6.0}});
    pops.push_back({{"name", name}, {"model", "lif_tick"}, {"size", s.hidden[h]}, {"params", params}});
    projs.push_back({{"pre", prev}, {"post", name}, {"weights", dense_matrix(r, prev_n, s.hidden[h], 0.5, 0.6)}});
    if (h == 0 && s.graded_input) projs.back()["graded"] = true;
    if (s.recurrent) {
      nlohmann::json w;
      if (s.sparse_recurrent) {
        nlohmann::json pre = nlohmann::json::array(), post = nlohmann::json::array(), val = nlohmann::json::array();
        for (std::uint32_t j = 0; j < s.hidden[h]; ++j)
          for (std::uint32_t i = 0; i < s.hidden[h]; ++i)
            if (i != j && r.uniform() < 0.5) pre.push_back(j), post.push_back(i), val.push_back(r.normal(0.0, 0.5));
        w = {{"pre", pre}, {"post", post}, {"w", val}};
      } else {
        w = dense_matrix(r, s.hidden[h], s.hidden[h], 0.0, 0.5);
      }
      projs.push_back({{"pre", name}, {"post", name}, {"delay_ms", 1.0}, {"weights", w}});
    }
    prev = name;
    prev_n = s.hidden[h];
  }
  pops.push_back({{"name", "out"}, {"model", "li"}, {"size", s.n_out}, {"params", {{"tau_mem_ms", s.tau_out_ms}, {"tau_syn_ms", 0}}}});
  projs.push_back({{"pre", prev}, {"post", "out"}, {"weights", dense_matrix(r, prev_n, s.n_out, 0.0, 0.8)}});
  return {{"format", "evsnn-network/1"}, {"seed", 1}, {"populations", pops}, {"projections", projs}};
}


// A small recurrent readout-chain training config: 3 Randman classes on 30 channels over 20 ticks, a
// 30-16-3 chain of the shape s (threshold 0.6), tick_ce, Adam 0.01, batches of 8, 4 epochs.
inline nlohmann::json readout_train_config(const net_shape& s, const nlohmann::json& rule,
                                           const std::filesystem::path& out, unsigned threads) {
  nlohmann::json cfg = small_train_config(eprop_network(s, 21), rule, out, 30);
  cfg["dataset"] = {{"format", "randman"}, {"classes", 3}, {"neurons", 30}, {"samples_per_class", 30},
                    {"dim", 1},            {"seed", 3},    {"ticks", 20},   {"tick_ms", 1},
                    {"alpha", 2},          {"resample", true}, {"test_samples_per_class", 10}};
  cfg["network"]["populations"][1]["params"]["threshold"] = 0.6;
  cfg["loss"] = "tick_ce";
  cfg["optimizer"] = {{"type", "adam"}, {"lr", 0.01}};
  cfg["threads"] = threads;
  cfg["batch_size"] = 8;
  cfg["epochs"] = 4;
  return cfg;
}

}  // namespace evsnn::test
