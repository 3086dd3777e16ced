#pragma once
// Test support for the trainer: an emptied scratch folder, a small Randman training config around a
// network and a rule, a trainer built from a config as evsnn train builds it, and the check that two
// trainers hold the same bits in every trained block.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "models/builtin_models.hpp"
#include "rules/trainer.hpp"

namespace evsnn::test {

// <temp>/evsnn_test_<name>, empty.
inline std::filesystem::path fresh_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / ("evsnn_test_" + name);
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// 3 Randman classes on 30 channels, count_mse, Adam 0.01, 3 epochs of batches of 10, one thread.
inline nlohmann::json small_train_config(nlohmann::json network, nlohmann::json rule, const std::filesystem::path& out,
                                         int samples_per_class = 60) {
  return {{"format", "evsnn-train/1"},
          {"network", std::move(network)},
          {"dataset",
           {{"format", "randman"}, {"classes", 3}, {"neurons", 30}, {"samples_per_class", samples_per_class},
            {"duration_ms", 20}, {"dim", 1}, {"seed", 3}}},
          {"rule", std::move(rule)},
          {"loss", {{"type", "count_mse"}, {"target_true", 4}, {"target_false", 1}}},
          {"optimizer", {{"type", "adam"}, {"lr", 0.01}}},
          {"epochs", 3},
          {"batch_size", 10},
          {"seed", 5},
          {"threads", 1},
          {"energy", {{"profile", ""}}},
          {"output_dir", out.string()}};
}

// Every trained block (weights, recurrent weights, biases) of a equals b's, value for value.
inline void check_same_blocks(const rules::trainer& a, const rules::trainer& b) {
  REQUIRE(a.chain().blocks.size() == b.chain().blocks.size());
  for (std::size_t l = 0; l < a.chain().blocks.size(); ++l) {
    CAPTURE(l);
    const auto wa = a.weights(l), wb = b.weights(l);
    CHECK(std::equal(wa.begin(), wa.end(), wb.begin(), wb.end()));
  }
}

inline rules::trainer make_trainer(const nlohmann::json& cfg) {
  return rules::trainer(rules::parse_train_config(cfg, "train.json", "."), builtin_model_registry(), "data",
                        std::nullopt);
}

}  // namespace evsnn::test
