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

namespace evsnn::test {

struct net_shape {
  std::uint32_t n_in = 6;
  std::vector<std::uint32_t> hidden = {5};
  std::uint32_t n_out = 3;
  bool alif = false;
  bool recurrent = true;
  bool sparse_recurrent = false;
  double tau_out_ms = 8.0;
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


}  // namespace evsnn::test
