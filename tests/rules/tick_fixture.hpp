#pragma once
// Test support for discrete-tick training: a lif_tick chain with random float32 weights and biases, and a
// small Randman training config around it (tick_ce loss, Adamax, batches of 8).
#include <cstdint>
#include <filesystem>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/rng.hpp"
#include "tests/rules/trainer_fixture.hpp"

namespace evsnn::test {

using nlohmann::json;

inline json tick_network(const std::vector<std::uint32_t>& sizes, std::uint64_t seed, double w_mean = 0.35,
                  double w_std = 0.5) {
  json pops = json::array(), projs = json::array();
  pops.push_back({{"name", "l0"}, {"model", "spike_source"}, {"size", sizes[0]}, {"params", {{"external", true}}}});
  rng r(seed);
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    json bias = json::array();
    for (std::uint32_t i = 0; i < sizes[l]; ++i) bias.push_back(r.uniform(-0.05, 0.1));
    pops.push_back({{"name", fmt::format("l{}", l)}, {"model", "lif_tick"}, {"size", sizes[l]},
                    {"params", {{"leak", 0.9 - 0.03 * static_cast<double>(l)}, {"bias", bias}}}});
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

inline json tick_train_config(const json& rule, const std::filesystem::path& out, unsigned threads) {
  json cfg = test::small_train_config(tick_network({30, 16, 3}, 11, 0.1, 0.3), rule, out, 30);
  cfg["dataset"] = {{"format", "randman"}, {"classes", 3},   {"neurons", 30},       {"samples_per_class", 30},
                    {"dim", 1},            {"seed", 3},      {"ticks", 20},         {"tick_ms", 1},
                    {"alpha", 2},          {"resample", true}, {"test_samples_per_class", 10}};
  cfg["loss"] = "tick_ce";
  cfg["optimizer"] = {{"type", "adamax"}, {"lr", 0.02}};
  cfg["threads"] = threads;
  cfg["batch_size"] = 8;
  return cfg;
}

}  // namespace evsnn::test
