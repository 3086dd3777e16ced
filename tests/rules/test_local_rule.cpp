// local_rule: a plastic rule (STDP) trained through the trainer — weights move, the result is
// bit-identical for any thread count, batch 1 is online, and bad specs or plasticity declared inside a
// training network are one-line errors naming the JSON path.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "engine/error.hpp"
#include "tests/rules/rule_fixture.hpp"
#include "tests/rules/trainer_fixture.hpp"

using namespace evsnn;

namespace {

std::filesystem::path temp_dir(const std::string& name) { return test::fresh_dir("local_rule_" + name); }

// STDP on layer 0 of a 30-20-3 chain, SGD at lr 1 (the mean change per batch), one epoch of batches of 5.
nlohmann::json local_config(const std::filesystem::path& out) {
  nlohmann::json cfg = test::small_train_config(
      test::chain_network({30, 20, 3}, {0.5, 0.5}, {0.3, 0.05}, {0.3, 0.3}, 10.0),
      {{"type", "local"},
       {"plasticity", {{"rule", "stdp"}, {"a_plus", 0.01}, {"a_minus", 0.0105}, {"w_min", -5}, {"w_max", 5}}},
       {"layers", {0}}},
      out, 20);
  cfg["optimizer"] = {{"type", "sgd"}, {"lr", 1.0}};
  cfg["epochs"] = 1;
  cfg["batch_size"] = 5;
  return cfg;
}

using test::make_trainer;

}  // namespace

TEST_CASE("local rule: STDP through the trainer moves layer 0 only, same bits for any thread count") {
  std::vector<std::vector<double>> first;
  for (unsigned threads : {1u, 2u, 3u}) {
    auto cfg = local_config(temp_dir("threads" + std::to_string(threads)));
    cfg["threads"] = threads;
    rules::trainer tr = make_trainer(cfg);
    const std::vector<double> w0(tr.weights(0).begin(), tr.weights(0).end());
    const std::vector<double> w1(tr.weights(1).begin(), tr.weights(1).end());
    tr.train(nullptr, nullptr);
    std::size_t changed = 0;
    for (std::size_t s = 0; s < w0.size(); ++s) changed += tr.weights(0)[s] != w0[s];
    CHECK(changed > w0.size() / 10);
    CHECK(std::equal(w1.begin(), w1.end(), tr.weights(1).begin()));  // layer 1 not trained
    std::vector<std::vector<double>> now = {std::vector<double>(tr.weights(0).begin(), tr.weights(0).end())};
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
  c["network"]["projections"][0]["plasticity"] = {{"rule", "stdp"}, {"a_plus", 0.1}, {"a_minus", 0.1}, {"w_min", -5}};
  CHECK(message(c).find("/projections/0/plasticity: evsnn train runs the config's rule") != std::string::npos);
}

TEST_CASE("local rule: a trained layer's recurrent projection learns by the same rule") {
  auto cfg = local_config(temp_dir("recurrent"));
  cfg["network"]["projections"].push_back(
      {{"pre", "l1"}, {"post", "l1"}, {"delay_ms", 1.0},
       {"weights", {{"init", "normal"}, {"mean", 0.05}, {"std", 0.1}, {"p_connect", 0.3}, {"self_connections", false}}}});
  rules::trainer tr = make_trainer(cfg);
  REQUIRE(tr.chain().blocks.size() == 3);
  CHECK(tr.chain().blocks[2].recurrent);
  CHECK(!tr.chain().blocks[2].dense);
  const std::vector<double> r0(tr.weights(2).begin(), tr.weights(2).end());
  tr.train(nullptr, nullptr);
  std::size_t changed = 0;
  for (std::size_t s = 0; s < r0.size(); ++s) changed += tr.weights(2)[s] != r0[s];
  CHECK(changed > r0.size() / 10);
}
