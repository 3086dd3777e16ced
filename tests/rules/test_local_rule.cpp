// local_rule: a plastic rule (STDP) trained through the trainer — weights move, the result is
// bit-identical for any thread count, batch 1 is online, and bad specs or plasticity declared inside a
// training network are one-line errors naming the JSON path.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "engine/error.hpp"
#include "models/builtin_models.hpp"
#include "rules/trainer.hpp"
#include "tests/rules/rule_fixture.hpp"

using namespace evsnn;

namespace {

std::filesystem::path temp_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / ("evsnn_test_local_rule_" + name);
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

nlohmann::json local_config(const std::filesystem::path& out) {
  return {{"format", "evsnn-train/1"},
          {"network", test::chain_network({30, 20, 3}, {0.5, 0.5}, {0.3, 0.05}, {0.3, 0.3}, 10.0)},
          {"dataset",
           {{"format", "randman"}, {"classes", 3}, {"neurons", 30}, {"samples_per_class", 20}, {"duration_ms", 20},
            {"dim", 1}, {"seed", 3}}},
          {"rule",
           {{"type", "local"},
            {"plasticity", {{"rule", "stdp"}, {"a_plus", 0.01}, {"a_minus", 0.0105}, {"w_min", -5}, {"w_max", 5}}},
            {"layers", {0}}}},
          {"loss", {{"type", "count_mse"}, {"target_true", 4}, {"target_false", 1}}},
          {"optimizer", {{"type", "sgd"}, {"lr", 1.0}}},
          {"epochs", 1},
          {"batch_size", 5},
          {"seed", 5},
          {"threads", 1},
          {"energy", {{"profile", ""}}},
          {"output_dir", out.string()}};
}

rules::trainer make_trainer(const nlohmann::json& cfg) {
  return rules::trainer(rules::parse_train_config(cfg, "train.json", "."), builtin_model_registry(), "data",
                        std::nullopt);
}

}  // namespace

TEST_CASE("local rule: STDP through the trainer moves layer 0 only, same bits for any thread count") {
  std::vector<std::vector<float>> first;
  for (unsigned threads : {1u, 2u, 3u}) {
    auto cfg = local_config(temp_dir("threads" + std::to_string(threads)));
    cfg["threads"] = threads;
    rules::trainer tr = make_trainer(cfg);
    const std::vector<float> w0(tr.weights(0).begin(), tr.weights(0).end());
    const std::vector<float> w1(tr.weights(1).begin(), tr.weights(1).end());
    tr.train(nullptr, nullptr);
    std::size_t changed = 0;
    for (std::size_t s = 0; s < w0.size(); ++s) changed += tr.weights(0)[s] != w0[s];
    CHECK(changed > w0.size() / 10);
    CHECK(std::equal(w1.begin(), w1.end(), tr.weights(1).begin()));  // layer 1 not trained
    std::vector<std::vector<float>> now = {std::vector<float>(tr.weights(0).begin(), tr.weights(0).end())};
    if (first.empty())
      first = now;
    else
      CHECK(now == first);
  }
}

TEST_CASE("local rule: errors") {
  auto message = [](const nlohmann::json& cfg) -> std::string {
    try {
      make_trainer(cfg);
    } catch (const input_error& e) {
      return e.what();
    }
    return "";
  };
  const auto dir = temp_dir("errors");
  auto c = local_config(dir);
  c["rule"]["layers"] = {7};
  CHECK(message(c).find("train.json: /rule/layers/0: layer 7 does not exist") == 0);
  c = local_config(dir);
  c["rule"]["plasticity"]["rule"] = "hebb";
  CHECK(message(c).find("train.json: /rule/plasticity/rule: unknown plasticity rule 'hebb'") == 0);
  c = local_config(dir);
  c["rule"]["plasticity"]["tau_plus_ms"] = -3;
  CHECK(message(c).find("train.json: /rule/plasticity/tau_plus_ms") == 0);
  c = local_config(dir);
  c["network"]["projections"][0]["plasticity"] = {{"rule", "stdp"}, {"a_plus", 0.1}, {"a_minus", 0.1}};
  CHECK(message(c).find("/projections/0/plasticity: evsnn train runs the config's rule") != std::string::npos);
}
