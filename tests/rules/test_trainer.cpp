// trainer: learning on a small Randman task, determinism whatever the thread count, resume
// equivalence, stopping from the per-epoch callback (train_while), SFDFA feedback learning converging to
// the effective output weights (eq. 8-9), and config errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <tuple>

#include "engine/error.hpp"
#include "engine/json_node.hpp"
#include "models/builtin_models.hpp"
#include "rules/trainer.hpp"
#include "tests/rules/rule_fixture.hpp"
#include "tests/rules/trainer_fixture.hpp"

using namespace evsnn;

namespace {

std::filesystem::path temp_dir(const std::string& name) { return test::fresh_dir("trainer_" + name); }

nlohmann::json small_config(const std::string& rule, const std::filesystem::path& out) {
  return test::small_train_config(test::chain_network({30, 40, 3}, {0.5, 0.5}, {0.1, 0.05}, {0.3, 0.3}, 10.0),
                                  {{"type", rule}}, out);
}

using test::make_trainer;

}  // namespace

TEST_CASE("trainer: sfdfa, dfa and bp_exact learn a Randman task above chance") {
  for (const char* rule : {"sfdfa", "dfa", "bp_exact"}) {
    auto cfg = small_config(rule, temp_dir(rule));
    cfg["epochs"] = 6;
    rules::trainer tr = make_trainer(cfg);
    tr.train(nullptr, nullptr);
    INFO(rule << ": test accuracy " << tr.log().back().test_accuracy << ", loss " << tr.log().front().loss << " -> "
              << tr.log().back().loss);
    CHECK(tr.log().size() == 6);
    CHECK(tr.log().back().loss < tr.log().front().loss);
    CHECK(tr.log().back().test_accuracy > 0.6);  // chance: 1/3
  }
}

TEST_CASE("trainer: same seed, same weights whatever the thread count") {
  std::vector<std::vector<double>> ref;
  for (unsigned threads : {1u, 2u, 3u}) {
    auto cfg = small_config("sfdfa", temp_dir("threads" + std::to_string(threads)));
    cfg["threads"] = threads;
    cfg["epochs"] = 2;
    rules::trainer tr = make_trainer(cfg);
    tr.train(nullptr, nullptr);
    std::vector<std::vector<double>> w;
    for (std::size_t l = 0; l < tr.chain().layers.size(); ++l) w.emplace_back(tr.weights(l).begin(), tr.weights(l).end());
    if (ref.empty())
      ref = w;
    else
      CHECK(w == ref);  // bit-identical
  }
}

TEST_CASE("trainer: a wider chain, whose end_batch and optimizer step are spread over the threads, is the same") {
  // 120-300-3: 36,900 weights (36 chunks of end_batch elements), 300 feedback rows, optimizer chunks of 16,384.
  for (const char* rule : {"sfdfa", "bp_exact"}) {
    CAPTURE(rule);
    std::vector<std::vector<double>> ref;
    for (unsigned threads : {1u, 3u}) {
      auto cfg = test::small_train_config(test::chain_network({120, 300, 3}, {0.5, 0.5}, {0.05, 0.02}, {0.1, 0.1}, 10.0),
                                          {{"type", rule}}, temp_dir(std::string("wide_") + rule), 10);
      cfg["dataset"]["neurons"] = 120;
      cfg["threads"] = threads;
      cfg["epochs"] = 1;
      rules::trainer tr = make_trainer(cfg);
      tr.train(nullptr, nullptr);
      std::vector<std::vector<double>> w;
      for (std::size_t l = 0; l < tr.chain().layers.size(); ++l)
        w.emplace_back(tr.weights(l).begin(), tr.weights(l).end());
      if (ref.empty())
        ref = w;
      else
        CHECK(w == ref);  // bit-identical
    }
  }
}

TEST_CASE("trainer: a batch shorter than the pool merges only the workers that ran it") {
  // Batches of 10 on 8 threads, and a last batch of 4: workers 4-7 ran the batch before it, so their sums
  // (and the alignment reference's) still hold that batch unless each worker clears its own as it begins and
  // the merge takes only the workers that ran. Then 8 threads would differ from one.
  for (const char* rule : {"sfdfa", "bp_exact"}) {
    CAPTURE(rule);
    const bool align = std::string(rule) == "sfdfa";
    std::vector<std::vector<double>> ref;
    double ref_cosine = 0.0;
    for (unsigned threads : {1u, 8u}) {
      auto cfg = test::small_train_config(test::chain_network({30, 40, 3}, {0.5, 0.5}, {0.1, 0.05}, {0.3, 0.3}, 10.0),
                                          {{"type", rule}}, temp_dir(std::string("short_") + rule), 23);
      cfg["threads"] = threads;
      cfg["epochs"] = 1;
      if (align) cfg["alignment"] = {{"every_batches", 1}};
      rules::trainer tr = make_trainer(cfg);
      REQUIRE(tr.train_size() % 10 == 4);
      tr.train(nullptr, nullptr);
      std::vector<std::vector<double>> w;
      for (std::size_t l = 0; l < tr.chain().layers.size(); ++l)
        w.emplace_back(tr.weights(l).begin(), tr.weights(l).end());
      const double cosine = tr.log().back().model_cosine;
      if (align) REQUIRE(std::isfinite(cosine));
      if (ref.empty()) {
        ref = w;
        ref_cosine = cosine;
        continue;
      }
      CHECK(w == ref);  // bit-identical
      if (align) CHECK(cosine == ref_cosine);
    }
  }
}

TEST_CASE("trainer: busy_threads is a thread per sample of a batch, at most the pool") {
  for (const auto& [batch, threads, busy] : {std::tuple{3, 8u, 3u}, {10, 8u, 8u}, {3, 1u, 1u}}) {
    CAPTURE(batch);
    CAPTURE(threads);
    auto cfg = test::small_train_config(test::chain_network({30, 40, 3}, {0.5, 0.5}, {0.1, 0.05}, {0.3, 0.3}, 10.0),
                                        {{"type", "bp_exact"}}, temp_dir("busy"));
    cfg["batch_size"] = batch;
    cfg["threads"] = threads;
    CHECK(make_trainer(cfg).busy_threads() == busy);
  }
}

TEST_CASE("trainer: the first epoch's batches go out by input events, later ones by what each sample cost") {
  // 30 Randman channels, batches of 10 on 2 threads: in epoch 1 no sample has a cost yet, so each is priced by
  // its input events (at most 30 here, not 0); from epoch 2 on by its synaptic events and neuron updates when
  // last trained (far more). The weights equal one thread's (the order changes no bit).
  std::vector<std::vector<std::uint64_t>> costs;
  std::vector<std::vector<double>> weights[2];
  for (unsigned threads : {1u, 2u}) {
    auto cfg = small_config("sfdfa", temp_dir("dispatch" + std::to_string(threads)));
    cfg["threads"] = threads;
    cfg["epochs"] = 2;
    cfg["evaluation"] = {{"test", false}, {"validation", false}};
    rules::trainer tr = make_trainer(cfg);
    tr.train_while(nullptr, [&](const rules::epoch_metrics&) {
      if (threads == 2) costs.emplace_back(tr.last_dispatch_costs().begin(), tr.last_dispatch_costs().end());
      return true;
    });
    for (std::size_t l = 0; l < tr.chain().layers.size(); ++l)
      weights[threads - 1].emplace_back(tr.weights(l).begin(), tr.weights(l).end());
  }
  CHECK(weights[0] == weights[1]);
  REQUIRE(costs.size() == 2);
  REQUIRE(costs[0].size() > 2);  // the epoch's last batch: more tasks than threads
  REQUIRE(costs[1].size() == costs[0].size());
  for (std::uint64_t c : costs[0]) {
    CHECK(c > 0);
    CHECK(c <= 30);
  }
  const std::uint64_t most_events = *std::max_element(costs[0].begin(), costs[0].end());
  for (std::uint64_t c : costs[1]) CHECK(c > 4 * most_events);
}

TEST_CASE("trainer: resuming from a checkpoint continues exactly as the uninterrupted run") {
  const auto full_dir = temp_dir("full"), part_dir = temp_dir("part");
  auto cfg = small_config("sfdfa", full_dir);
  cfg["threads"] = 2;
  rules::trainer full = make_trainer(cfg);
  full.train(nullptr, nullptr);
  auto cfg2 = cfg;
  cfg2["output_dir"] = part_dir.string();
  {
    auto first = cfg2;
    first["epochs"] = 1;
    rules::trainer part = make_trainer(first);
    part.train(nullptr, nullptr);  // "interrupted" after epoch 1
  }
  rules::trainer resumed = make_trainer(cfg2);
  resumed.load_checkpoint(part_dir / "checkpoint.evsnn", true);
  CHECK(resumed.epochs_done() == 1);
  resumed.train(nullptr, nullptr);
  for (std::size_t l = 0; l < full.chain().layers.size(); ++l) {
    const auto a = full.weights(l), b = resumed.weights(l);
    CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  }
  REQUIRE(resumed.log().size() == full.log().size());
  for (std::size_t e = 0; e < full.log().size(); ++e) {
    CHECK(resumed.log()[e].loss == full.log()[e].loss);
    CHECK(resumed.log()[e].test_accuracy == full.log()[e].test_accuracy);
  }
  // The trained network is a runnable network file.
  CHECK(std::filesystem::exists(part_dir / "network.json"));
  CHECK(std::filesystem::exists(part_dir / "weights_0.csv"));
  CHECK(std::filesystem::exists(part_dir / "log.csv"));
}

TEST_CASE("trainer: train_while stops after the epoch its callback declines, with a checkpoint to resume from") {
  const auto dir = temp_dir("stop");
  auto cfg = small_config("sfdfa", dir);
  cfg["checkpoint"] = {{"every_epochs", 5}};  // none before the last epoch: stopping writes one
  std::vector<std::uint64_t> seen;
  {
    rules::trainer tr = make_trainer(cfg);
    CHECK_FALSE(tr.train_while(nullptr, [&](const rules::epoch_metrics& m) {
      seen.push_back(m.epoch);
      return m.epoch < 2;
    }));
    CHECK(tr.epochs_done() == 2);
  }
  CHECK(seen == std::vector<std::uint64_t>{1, 2});
  REQUIRE(std::filesystem::exists(dir / "checkpoint.evsnn"));
  rules::trainer resumed = make_trainer(cfg);
  resumed.load_checkpoint(dir / "checkpoint.evsnn", true);
  CHECK(resumed.epochs_done() == 2);
  CHECK(resumed.train_while(nullptr, [](const rules::epoch_metrics&) { return true; }));
  rules::trainer full = make_trainer(small_config("sfdfa", temp_dir("stop_full")));
  full.train(nullptr, nullptr);
  test::check_same_blocks(full, resumed);  // as the uninterrupted run
}

TEST_CASE("trainer: SFDFA feedback converges to the effective output weights (eq. 8-9) when weights are frozen") {
  auto cfg = small_config("sfdfa", temp_dir("feedback"));
  cfg["rule"] = {{"type", "sfdfa"}, {"feedback_lr", 0.002}};
  cfg["optimizer"] = {{"type", "sgd"}, {"lr", 1e-30}};
  cfg["epochs"] = 20;
  cfg["threads"] = 2;
  rules::trainer tr = make_trainer(cfg);
  tr.train(nullptr, nullptr);
  const double first = tr.log().front().feedback_cosine.at(0), last = tr.log().back().feedback_cosine.at(0);
  INFO("cos(B, W_out^T): epoch 1 " << first << ", epoch 20 " << last);
  // Not 1: grades that reach an output after its last spike are in no output grade (eq. 8 counts the
  // grades of spikes), so late hidden neurons are under-estimated. Measured: 0.70 -> 0.85.
  CHECK(last > 0.8);
  CHECK(last > first + 0.1);
}

TEST_CASE("trainer: alignment measurement logs the cosine of each rule's update with the exact gradient") {
  auto cfg = small_config("dfa", temp_dir("alignment"));
  cfg["alignment"] = {{"every_batches", 2}};
  cfg["epochs"] = 1;
  rules::trainer tr = make_trainer(cfg);
  tr.train(nullptr, nullptr);
  const auto& c = tr.log().back().update_cosine;
  REQUIRE(c.size() == 2);
  CHECK(c[1] > 0.95);  // the output layer's DFA update is the exact local gradient (bounded factor: close)
  CHECK(std::isfinite(c[0]));
}

TEST_CASE("trainer: alignment.reference picks the rule the update is compared with") {
  auto cfg = small_config("dfa", temp_dir("alignment_reference"));
  cfg["alignment"] = {{"every_batches", 3}, {"reference", "sfdfa"}};
  cfg["epochs"] = 1;
  rules::trainer tr = make_trainer(cfg);
  tr.train(nullptr, nullptr);
  const auto& c = tr.log().back().update_cosine;
  REQUIRE(c.size() == 2);
  CHECK(std::isfinite(c[0]));
  // The trained rule as its own reference: nothing to compare, no column.
  cfg["rule"] = {{"type", "bp_exact"}};
  cfg["alignment"] = {{"every_batches", 3}};
  cfg["output_dir"] = temp_dir("alignment_self").string();
  rules::trainer self = make_trainer(cfg);
  self.train(nullptr, nullptr);
  CHECK(self.log().back().update_cosine.empty());
}

TEST_CASE("trainer: config errors are one line naming the file and JSON path") {
  const auto dir = temp_dir("errors");
  auto expect_error = [&](nlohmann::json cfg, const std::string& needle) {
    INFO("expecting: " << needle);
    try {
      make_trainer(cfg);
      FAIL("no error");
    } catch (const input_error& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find(needle) != std::string::npos);
      CHECK(what.find('\n') == std::string::npos);
    }
  };
  const auto base = small_config("sfdfa", dir);
  auto c = base;
  c["epochz"] = 3;
  expect_error(c, "unknown key 'epochz'");
  c = base;
  c["format"] = "evsnn-train/2";
  expect_error(c, "train.json: /format");
  c = base;
  c["rule"] = {{"type", "backprop"}};
  expect_error(c, "unknown rule 'backprop'");
  c = base;
  c["rule"] = {{"type", "sfdfa"}, {"gradient", "approx"}};
  expect_error(c, "/rule/gradient");
  c = base;
  c["rule"] = {{"type", "sfdfa"}, {"regularization", {{"strength", {0.1, 0.2}}}}};
  expect_error(c, "/rule/regularization/strength");
  c = base;
  c["alignment"] = {{"every_batches", 1}, {"reference", "backprop"}};
  expect_error(c, "train.json: /alignment/reference: unknown rule 'backprop'");
  c = base;
  c["alignment"] = {{"every_batches", 1}, {"reference", {{"type", "bp_exact"}, {"typo", 1}}}};
  expect_error(c, "/alignment/reference");
  c = base;
  c["alignment"] = {{"reference", 3}};
  expect_error(c, "train.json: /alignment/reference: expected a rule name or object");
  c = base;
  c["batch_size"] = 0;
  expect_error(c, "/batch_size");
  c = base;
  c["epochs"] = 0;
  expect_error(c, "train.json: /epochs: must be >= 1");
  c = base;
  c["threads"] = 100000;
  expect_error(c, "train.json: /threads: must be in [0, 1024]");
  c = base;
  c["threads"] = 4294967297.0;  // wrapped to 1 thread before
  expect_error(c, "train.json: /threads");
  c = base;
  c["loss"] = {{"type", "readout_ce"}};
  expect_error(c, "/loss");
  c = base;
  c["optimizer"] = {{"type", "adam"}, {"lr", -1}};
  expect_error(c, "/optimizer/lr");
  c = base;
  c["network"]["projections"].push_back({{"pre", "l2"}, {"post", "l1"}, {"weights", {{"init", "constant"}, {"value", 0.1}}}});
  expect_error(c, "a trained layer has one from the layer below");
  c = base;
  c["network"]["projections"].push_back({{"pre", "l1"}, {"post", "l1"}, {"delay_ms", 1}, {"weights", {{"init", "constant"}, {"value", 0.1}}}});
  expect_error(c, "projection 'l1->l1' is recurrent (layer 'l1' onto itself); this rule trains feed-forward chains");
  c = base;
  c["network"]["populations"][1]["params"]["reset"] = "zero";
  expect_error(c, "reset");
  c = base;
  c["network"] = "missing.json";
  expect_error(c, "train.json: /network: no such file");
  c = base;
  c["dataset"]["classes"] = 5;
  c["network"]["populations"][2]["size"] = 3;
  expect_error(c, "classes");
  c = base;
  c["active_outputs"] = {{"samples", 0}};
  expect_error(c, "train.json: /active_outputs/samples: must be >= 1");
  c["active_outputs"] = {{"min_fraction", 0}};
  expect_error(c, "train.json: /active_outputs/min_fraction: must be in (0, 1], got 0");
  c["active_outputs"] = {{"min_fraction", 1.5}};
  expect_error(c, "train.json: /active_outputs/min_fraction: must be in (0, 1], got 1.5");
  c["active_outputs"] = {{"redraws", 1001}};
  expect_error(c, "train.json: /active_outputs/redraws: must be in [0, 1000], got 1001");
  c["active_outputs"] = {{"redraw", 3}};
  expect_error(c, "train.json: /active_outputs: unknown key 'redraw'");
  c["active_outputs"] = 3;
  expect_error(c, "train.json: /active_outputs");
}

TEST_CASE("trainer: divergence stops with the epoch, batch and layer, and never writes non-finite weights") {
  const auto dir = temp_dir("diverge");
  auto cfg = small_config("sfdfa", dir);
  cfg["optimizer"] = {{"type", "sgd"}, {"lr", 1e300}};
  rules::trainer tr = make_trainer(cfg);
  try {
    tr.train(nullptr, nullptr);
    FAIL("no error");
  } catch (const input_error& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("train.json: epoch 1, batch ") == 0);
    CHECK(what.find("training has diverged") != std::string::npos);
    CHECK((what.find("the weights of layer") != std::string::npos ||
           what.find("gradient sum left the exact fixed-point range") != std::string::npos));
  }
  CHECK(tr.epochs_done() == 0);
  CHECK_FALSE(std::filesystem::exists(dir / "network.json"));
  CHECK_FALSE(std::filesystem::exists(dir / "checkpoint.evsnn"));

  // A diverging run into a folder with earlier outputs leaves them as they were, all finite.
  const auto dir2 = temp_dir("diverge_late");
  cfg = small_config("sfdfa", dir2);
  cfg["epochs"] = 1;
  rules::trainer good = make_trainer(cfg);
  good.train(nullptr, nullptr);
  const std::string before = read_text_file((dir2 / "weights_0.csv").string());
  cfg["optimizer"] = {{"type", "sgd"}, {"lr", 1e300}};
  rules::trainer bad = make_trainer(cfg);
  CHECK_THROWS_WITH_AS(bad.train(nullptr, nullptr), doctest::Contains("training has diverged"), input_error);
  const std::string weights = read_text_file((dir2 / "weights_0.csv").string());
  CHECK(weights == before);
  CHECK(weights.find("inf") == std::string::npos);
  CHECK(weights.find("nan") == std::string::npos);
}

TEST_CASE("trainer: the epoch loss is summed exactly far beyond the old 2^30 cap") {
  auto cfg = small_config("sfdfa", temp_dir("bigloss"));
  cfg["loss"] = {{"type", "count_mse"}, {"target_true", 1e6}, {"target_false", 1e6}};
  rules::trainer tr = make_trainer(cfg);
  const rules::eval_result r = tr.evaluate("train", 0);
  // Each sample's loss is near (1e6)^2 per output: the mean is ~1e12 per output, capped at ~1e7 before.
  INFO(r.loss);
  CHECK(r.loss > 1e11);
  CHECK(std::isfinite(r.loss));
}
