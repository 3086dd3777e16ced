#pragma once
// Test support: the networks the partitioned-run tests deal over ranks (tests/engine/test_partitioned_run.cpp
// with ranks as threads, tests/tools/test_mpi_cli.cpp with real mpirun).
//  - recurrent_network: Poisson drive (held whole), cuba_lif E with per-neuron thresholds and lif_alpha I
//    (dealt), delays 1-2 ms (window 1 ms), an li readout (rank 0), optionally STDP on E -> E; 400 ms, long
//    enough for the populations' reference times to move many times.
//  - feed_forward_network: inputs on a 0.5 ms grid (same-time arrivals everywhere) through a graded
//    projection into lif_alpha (dealt, with a recurrent projection), a lif_delta -> cuba_lif pair joined by
//    a zero-delay projection (held by one rank), an li readout; window 0.5 ms.
#include <nlohmann/json.hpp>

namespace evsnn::test {

inline nlohmann::json recurrent_network(bool stdp) {
  using nlohmann::json;
  json thresholds = json::array();
  for (int i = 0; i < 150; ++i) thresholds.push_back(0.9 + 0.002 * i);
  json ee = {{"pre", "exc"}, {"post", "exc"}, {"delay_ms", 1.5},
             {"weights", {{"init", "uniform"}, {"low", 0.0}, {"high", 0.16}, {"p_connect", 0.08}}}};
  if (stdp)
    ee["plasticity"] = {{"rule", "stdp"}, {"a_plus", 0.002}, {"a_minus", 0.0021}, {"w_min", 0.0}, {"w_max", 0.3},
                        {"weight_dependence", "multiplicative"}};
  return {{"format", "evsnn-network/1"},
          {"seed", 3},
          {"duration_ms", 400.0},
          {"populations",
           {{{"name", "drive"}, {"model", "spike_source"}, {"size", 60}, {"params", {{"rate_hz", 50.0}}}},
            {{"name", "exc"}, {"model", "cuba_lif"}, {"size", 150},
             {"params", {{"tau_mem_ms", 10.0}, {"tau_syn_ms", 2.5}, {"threshold", thresholds}}}},
            {{"name", "inh"}, {"model", "lif_alpha"}, {"size", 40}, {"params", {{"tau_mem_ms", 6.0}}}},
            {{"name", "out"}, {"model", "li"}, {"size", 4}, {"params", {{"tau_mem_ms", 10.0}}}}}},
          {"projections",
           {{{"pre", "drive"}, {"post", "exc"}, {"delay_ms", 1.0},
             {"weights", {{"init", "normal"}, {"mean", 0.3}, {"std", 0.1}, {"p_connect", 0.2}}}},
            {{"pre", "drive"}, {"post", "inh"}, {"delay_ms", 1.0},
             {"weights", {{"init", "constant"}, {"value", 0.2}, {"p_connect", 0.2}}}},
            ee,
            {{"pre", "exc"}, {"post", "inh"}, {"delay_ms", 2.0},
             {"weights", {{"init", "normal"}, {"mean", 0.1}, {"std", 0.03}, {"p_connect", 0.1}}}},
            {{"pre", "inh"}, {"post", "exc"}, {"delay_ms", 1.0},
             {"weights", {{"init", "normal"}, {"mean", -0.4}, {"std", 0.1}, {"p_connect", 0.1}}}},
            {{"pre", "exc"}, {"post", "out"}, {"delay_ms", 1.0},
             {"weights", {{"init", "normal"}, {"mean", 0.05}, {"std", 0.05}}}}}}};
}

inline nlohmann::json feed_forward_network() {
  using nlohmann::json;
  json spikes = json::array();
  for (int k = 0; k < 400; ++k) spikes.push_back(json::array({0.5 * (k % 160), (k * 37) % 50, 0.5 + 0.01 * (k % 7)}));
  return {{"format", "evsnn-network/1"},
          {"seed", 9},
          {"duration_ms", 120.0},
          {"populations",
           {{{"name", "in"}, {"model", "spike_source"}, {"size", 50}, {"params", {{"spikes", spikes}}}},
            {{"name", "h1"}, {"model", "lif_alpha"}, {"size", 64}, {"params", {{"tau_mem_ms", 8.0}, {"threshold", 0.5}}}},
            {{"name", "h2"}, {"model", "lif_delta"}, {"size", 33}, {"params", {{"tau_mem_ms", 5.0}, {"threshold", 0.6}}}},
            {{"name", "h3"}, {"model", "cuba_lif"}, {"size", 20},
             {"params", {{"tau_mem_ms", 5.0}, {"tau_syn_ms", 1.0}, {"threshold", 0.3}}}},
            {{"name", "out"}, {"model", "li"}, {"size", 5}, {"params", {{"tau_mem_ms", 10.0}}}}}},
          {"projections",
           {{{"pre", "in"}, {"post", "h1"}, {"delay_ms", 0.5}, {"graded", true},
             {"weights", {{"init", "normal"}, {"mean", 0.3}, {"std", 0.2}}}},
            {{"pre", "h1"}, {"post", "h2"}, {"delay_ms", 0.5}, {"weights", {{"init", "normal"}, {"mean", 0.1}, {"std", 0.2}}}},
            {{"pre", "h2"}, {"post", "h3"}, {"weights", {{"init", "normal"}, {"mean", 0.2}, {"std", 0.2}}}},
            {{"pre", "h3"}, {"post", "out"}, {"delay_ms", 1.0}, {"weights", {{"init", "normal"}, {"mean", 0.1}, {"std", 0.2}}}},
            {{"pre", "h1"}, {"post", "h1"}, {"delay_ms", 1.0},
             {"weights", {{"init", "normal"}, {"mean", 0.0}, {"std", 0.1}, {"p_connect", 0.2}}}}}}};
}

}  // namespace evsnn::test
