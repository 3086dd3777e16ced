// trainer_outputs: /active_outputs and the log's silent_outputs. The check draws again the incoming weights of
// exactly the output neurons that spike in too few of the first training samples, until each spikes often enough
// (confirmed by a second trainer that runs the written network unchecked); the same bits on any thread count; a
// neuron that cannot be woken is an error naming it; a resumed run is not checked again. An output neuron that
// never spikes is counted, and named, in each epoch's metrics; so are, per hidden layer, the hidden neurons that
// never spike.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "rules/trainer.hpp"
#include "tests/rules/rule_fixture.hpp"
#include "tests/rules/trainer_fixture.hpp"
#include "tests/support/error_of.hpp"

using namespace evsnn;

namespace {

// 30-40-6 on the 3-class Randman task, the output weights drawn from N(mean, std) with the network's seed.
nlohmann::json drawn_config(const std::string& name, double mean, double std_dev, unsigned threads = 1) {
  nlohmann::json net = test::chain_network({30, 40, 6}, {0.5, 0.5}, {0.1, 0.0}, {0.3, 0.3}, 10.0);
  net["projections"][1]["weights"] = {{"init", "normal"}, {"mean", mean}, {"std", std_dev}};
  auto cfg = test::small_train_config(net, {{"type", "bp_exact"}}, test::fresh_dir("outputs_" + name));
  cfg["threads"] = threads;
  cfg["epochs"] = 1;
  cfg["active_outputs"] = {{"samples", 60}, {"min_fraction", 0.2}, {"redraws", 30}};
  return cfg;
}

// Two epochs of bp_exact at lr 0.001 on net (Randman, as small_train_config): the log, and then an evaluation of
// the training split.
std::vector<rules::epoch_metrics> two_epochs(const nlohmann::json& net, const std::string& name, unsigned threads = 1,
                                             rules::eval_result* evaluated = nullptr) {
  auto cfg = test::small_train_config(net, {{"type", "bp_exact"}}, test::fresh_dir(name));
  cfg["epochs"] = 2;
  cfg["threads"] = threads;
  cfg["optimizer"]["lr"] = 0.001;
  rules::trainer tr = test::make_trainer(cfg);
  tr.train(nullptr, nullptr);
  if (evaluated) *evaluated = tr.evaluate("train", 0);
  return tr.log();
}

}  // namespace

TEST_CASE("active_outputs: only the quiet output neurons are drawn again, until each spikes often enough") {
  const auto cfg = drawn_config("redraw", 0.0, 0.3);
  rules::trainer tr = test::make_trainer(cfg);
  const std::vector<double> before(tr.weights(1).begin(), tr.weights(1).end());
  const std::vector<double> hidden_before(tr.weights(0).begin(), tr.weights(0).end());
  const rules::trainer::output_check& c = tr.check_active_outputs();
  REQUIRE(c.ran);
  CHECK(c.samples == 60);
  CHECK(c.needed == 12);
  REQUIRE(c.fired_initially.size() == 6);
  const auto quiet = std::count_if(c.fired_initially.begin(), c.fired_initially.end(),
                                   [&](std::uint64_t f) { return f < c.needed; });
  INFO("initially quiet: " << quiet);
  REQUIRE(quiet >= 1);  // the case must need a redraw
  REQUIRE(quiet < 6);   // and leave some neurons alone
  const std::span<const double> after = tr.weights(1);
  for (std::uint32_t j = 0; j < 6; ++j) {
    CAPTURE(j);
    CHECK(c.fired[j] >= c.needed);
    const bool was_quiet = c.fired_initially[j] < c.needed;
    CHECK((c.redraws[j] > 0) == was_quiet);
    std::size_t changed = 0;
    for (std::size_t i = 0; i < 40; ++i) changed += after[i * 6 + j] != before[i * 6 + j];
    CHECK(changed == (was_quiet ? 40u : 0u));  // the whole column, or none of it
  }
  CHECK(std::equal(tr.weights(0).begin(), tr.weights(0).end(), hidden_before.begin(), hidden_before.end()));  // hidden untouched
  CHECK(&tr.check_active_outputs() == &c);  // once
  CHECK(c.redraws == tr.check_active_outputs().redraws);

  // The written network, run by a trainer that only checks (its weights are given now), spikes as the check said.
  const auto dir = test::fresh_dir("outputs_written");
  tr.write_network(dir / "net.json");
  auto cfg2 = cfg;
  cfg2["network"] = (dir / "net.json").string();
  cfg2["active_outputs"]["redraws"] = 0;
  rules::trainer again = test::make_trainer(cfg2);
  const rules::trainer::output_check& c2 = again.check_active_outputs();
  REQUIRE(c2.ran);
  CHECK(c2.fired_initially == c.fired);
  CHECK(c2.redraws == std::vector<std::uint32_t>(6, 0));
}

TEST_CASE("active_outputs: the same redraws and weights on any thread count, and training goes on from them") {
  rules::trainer one = test::make_trainer(drawn_config("t1", 0.0, 0.3, 1));
  rules::trainer three = test::make_trainer(drawn_config("t3", 0.0, 0.3, 3));
  one.train(nullptr, nullptr);  // train_while runs the check first
  three.train(nullptr, nullptr);
  REQUIRE(one.check_active_outputs().ran);
  CHECK(one.check_active_outputs().redraws == three.check_active_outputs().redraws);
  CHECK(one.check_active_outputs().fired == three.check_active_outputs().fired);
  test::check_same_blocks(one, three);
}

TEST_CASE("active_outputs: a neuron that cannot be woken is an error naming it; 'redraws': 0 only checks") {
  using test::error_of;
  // Every output weight negative: no output neuron can spike, whatever is drawn.
  auto cfg = drawn_config("never", 0.0, 0.0);
  cfg["network"]["projections"][1]["weights"] = {{"init", "uniform"}, {"low", -1.0}, {"high", -0.5}};
  cfg["active_outputs"]["redraws"] = 3;
  const std::string msg = error_of([&] {
    rules::trainer tr = test::make_trainer(cfg);
    tr.train(nullptr, nullptr);
  });
  CHECK(msg.rfind("train.json: /active_outputs: after 3 redraw round(s), output neuron(s) 0 (0 of 60), 1 (0 of 60), "
                  "2 (0 of 60), 3 (0 of 60), 4 (0 of 60), 5 (0 of 60) of 'l2' still spike in fewer than 12 of the "
                  "first 60 training samples; widen the output projection's init",
                  0) == 0);
  CHECK(msg.find('\n') == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(cfg["output_dir"].get<std::string>() + "/log.csv"));  // nothing trained

  // Given weights are checked but never drawn again.
  auto given = drawn_config("given", 0.0, 0.0);
  given["network"]["projections"][1]["weights"] = test::chain_network({30, 40, 6}, {0.5, 0.5}, {0.1, -1.0}, {0.3, 0.01})["projections"][1]["weights"];
  CHECK(error_of([&] { (void)test::make_trainer(given); }).rfind(
            "train.json: /active_outputs: the output neurons' weights (train.json: /network: /projections/1/weights) "
            "are given, not drawn",
            0) == 0);
  given["active_outputs"]["redraws"] = 0;
  CHECK(error_of([&] { test::make_trainer(given).train(nullptr, nullptr); })
            .find("/active_outputs: after 0 redraw round(s), output neuron(s) 0 (0 of 60)") != std::string::npos);
  auto constant = drawn_config("constant", 0.0, 0.0);
  constant["network"]["projections"][1]["weights"] = {{"init", "constant"}, {"value", 0.1}};
  CHECK(error_of([&] { (void)test::make_trainer(constant); }).find("are a constant") != std::string::npos);
  auto readout = test::small_train_config(test::chain_network({30, 40, 3}, {0.5, 0.5}, {0.1, 0.05}, {0.3, 0.3}, 10.0,
                                                              "lif_alpha", true),
                                          {{"type", "bp_exact"}}, test::fresh_dir("outputs_readout"));
  readout["loss"] = {{"type", "readout_ce"}};
  readout["active_outputs"] = nlohmann::json::object();
  CHECK(error_of([&] { (void)test::make_trainer(readout); }) ==
        "train.json: /active_outputs: the output layer 'l2' is a readout (li): it has no spikes to check");
}

TEST_CASE("active_outputs: a run resumed from a checkpoint is not checked again") {
  auto cfg = drawn_config("resume", 0.0, 0.3);
  {
    rules::trainer first = test::make_trainer(cfg);
    first.train(nullptr, nullptr);
    REQUIRE(first.check_active_outputs().ran);
  }
  cfg["epochs"] = 2;
  rules::trainer resumed = test::make_trainer(cfg);
  resumed.load_checkpoint(std::filesystem::path(cfg["output_dir"].get<std::string>()) / "checkpoint.evsnn", true);
  const std::vector<double> w(resumed.weights(1).begin(), resumed.weights(1).end());
  CHECK_FALSE(resumed.check_active_outputs().ran);
  CHECK(std::equal(w.begin(), w.end(), resumed.weights(1).begin()));
}

TEST_CASE("silent_outputs: an output neuron that spikes in no training sample is counted and named each epoch") {
  // Output neuron 4's incoming weights all negative: it never spikes; bp_exact gives it no gradient.
  nlohmann::json net = test::chain_network({30, 40, 6}, {0.5, 0.5}, {0.1, 0.3}, {0.3, 0.3}, 10.0);
  for (auto& row : net["projections"][1]["weights"]) row[4] = -0.5;
  rules::eval_result evaluated;
  const auto log = two_epochs(net, "outputs_silent", 1, &evaluated);
  // An evaluation counts the silent neurons of every layer: output neuron 4 is the output layer's one.
  REQUIRE(evaluated.silent_neurons.size() == 2);
  CHECK(evaluated.silent_neurons[1] == 1.0);
  REQUIRE(log.size() == 2);
  for (const auto& m : log) {
    CAPTURE(m.epoch);
    CHECK(m.silent_outputs == 1.0);
    CHECK(m.silent_output_neurons == std::vector<std::uint32_t>{4});
  }
  // A readout output has no spikes to count: the column is blank.
  auto readout = test::small_train_config(test::chain_network({30, 40, 3}, {0.5, 0.5}, {0.1, 0.05}, {0.3, 0.3}, 10.0,
                                                              "lif_alpha", true),
                                          {{"type", "bp_exact"}}, test::fresh_dir("silent_readout"));
  readout["loss"] = {{"type", "readout_ce"}};
  readout["epochs"] = 1;
  rules::trainer ro = test::make_trainer(readout);
  ro.train(nullptr, nullptr);
  const rules::eval_result e = ro.evaluate("train", 0);
  REQUIRE(e.silent_neurons.size() == 2);
  CHECK(std::isnan(e.silent_neurons[1]));
  CHECK(std::isnan(ro.log().back().silent_outputs));
}

TEST_CASE("silent_hidden: hidden neurons that spike in no training sample are counted per hidden layer") {
  // 30-40-20-6: neurons 3 and 17 of hidden layer 1 and neuron 5 of hidden layer 2 have only negative incoming
  // weights and never spike (bp_exact gives them no gradient, so they stay silent); every other hidden neuron
  // spikes in some training sample.
  nlohmann::json net = test::chain_network({30, 40, 20, 6}, {0.5, 0.5, 0.5}, {0.2, 0.15, 0.1}, {0.3, 0.3, 0.3}, 10.0);
  for (auto& row : net["projections"][0]["weights"]) row[3] = row[17] = -0.5;
  for (auto& row : net["projections"][1]["weights"]) row[5] = -0.5;
  for (unsigned threads : {1u, 3u}) {
    CAPTURE(threads);
    rules::eval_result evaluated;
    const auto log = two_epochs(net, fmt::format("silent_hidden_{}", threads), threads, &evaluated);
    REQUIRE(evaluated.silent_neurons.size() == 3);
    CHECK(evaluated.silent_neurons[0] == 2.0);
    CHECK(evaluated.silent_neurons[1] == 1.0);
    REQUIRE(log.size() == 2);
    for (const auto& m : log) {
      CAPTURE(m.epoch);
      REQUIRE(m.silent_hidden.size() == 2);
      CHECK(m.silent_hidden[0] == 2.0);
      CHECK(m.silent_hidden[1] == 1.0);
    }
  }
  // A chain without hidden layers has no such column.
  auto flat = test::small_train_config(test::chain_network({30, 6}, {0.5}, {0.1}, {0.3}, 10.0), {{"type", "bp_exact"}},
                                       test::fresh_dir("silent_hidden_flat"));
  flat["epochs"] = 1;
  rules::trainer tr = test::make_trainer(flat);
  tr.train(nullptr, nullptr);
  CHECK(tr.log().back().silent_hidden.empty());
}
