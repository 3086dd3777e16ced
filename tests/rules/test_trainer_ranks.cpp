// trainer over several ranks (rules/trainer_ranks.cpp), with the ranks as threads of this process
// (tests/support/thread_ranks.hpp): the weights, the log and evaluations equal one process's bit for bit for
// 2 and 3 ranks, offline and online (lockstep) rules, with alignment measured, with a batch smaller than
// the ranks and with threads inside each rank; only rank 0 writes files; a rule that couples a batch's
// samples is refused, and so is a rank with another config or data set. The same over real MPI processes:
// tests/tools/test_mpi_cli.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <mutex>

#include "engine/error.hpp"
#include "rules/trainer.hpp"
#include "tests/rules/rule_fixture.hpp"
#include "tests/rules/tick_fixture.hpp"
#include "tests/rules/trainer_fixture.hpp"
#include "tests/support/thread_ranks.hpp"

using namespace evsnn;
using nlohmann::json;

namespace {

struct outcome {
  std::vector<std::vector<double>> weights;
  std::vector<rules::epoch_metrics> log;
  rules::eval_result test;
};

outcome outcome_of(rules::trainer& tr) {
  outcome o;
  for (std::size_t l = 0; l < tr.chain().blocks.size(); ++l) o.weights.emplace_back(tr.weights(l).begin(), tr.weights(l).end());
  o.log = tr.log();
  o.test = tr.evaluate("test", 0);
  return o;
}

// Trains cfg on `ranks` thread ranks; returns rank 0's outcome after checking every rank's equals it. Ranks
// other than 0 get their own output folder (which must stay absent).
outcome train_on_ranks(const json& cfg, int ranks) {
  std::vector<outcome> per_rank(static_cast<std::size_t>(ranks));
  test::thread_ranks::run(ranks, [&](communicator& comm) {
    json c = cfg;
    if (comm.rank() != 0) c["output_dir"] = cfg["output_dir"].get<std::string>() + "_rank" + std::to_string(comm.rank());
    rules::trainer tr = test::make_trainer(c);
    tr.set_communicator(comm);
    tr.train(nullptr, nullptr);
    per_rank[static_cast<std::size_t>(comm.rank())] = outcome_of(tr);
  });
  for (int r = 1; r < ranks; ++r) {
    CHECK(per_rank[static_cast<std::size_t>(r)].weights == per_rank[0].weights);
    CHECK_FALSE(std::filesystem::exists(cfg["output_dir"].get<std::string>() + "_rank" + std::to_string(r)));
  }
  return per_rank[0];
}

void check_same(const outcome& a, const outcome& b) {
  CHECK(a.weights == b.weights);  // bit-identical
  REQUIRE(a.log.size() == b.log.size());
  for (std::size_t e = 0; e < a.log.size(); ++e) {
    CAPTURE(e);
    CHECK(a.log[e].loss == b.log[e].loss);
    CHECK(a.log[e].train_accuracy == b.log[e].train_accuracy);
    CHECK(a.log[e].test_accuracy == b.log[e].test_accuracy);
    CHECK(a.log[e].spikes_per_sample == b.log[e].spikes_per_sample);
    CHECK(a.log[e].train_learning_ops_per_sample == b.log[e].train_learning_ops_per_sample);
    CHECK(a.log[e].update_cosine == b.log[e].update_cosine);
    CHECK(a.log[e].silent_output_neurons == b.log[e].silent_output_neurons);
    CHECK(a.log[e].silent_hidden == b.log[e].silent_hidden);
  }
  CHECK(a.test.samples == b.test.samples);
  CHECK(a.test.loss == b.test.loss);
  CHECK(a.test.accuracy == b.test.accuracy);
  CHECK(a.test.synaptic_events_per_sample == b.test.synaptic_events_per_sample);
}

json ff_config(const std::string& rule, const std::string& tag) {
  json cfg = test::small_train_config(test::chain_network({30, 40, 3}, {0.5, 0.5}, {0.1, 0.05}, {0.3, 0.3}, 10.0),
                                      {{"type", rule}}, test::fresh_dir("ranks_" + tag), 40);
  cfg["epochs"] = 2;
  return cfg;
}

// The errors set_communicator raised on each of `ranks` thread ranks, each rank's config made by config_of.
std::vector<std::string> refusals(int ranks, const std::function<json(int)>& config_of) {
  std::mutex m;
  std::vector<std::string> errors;
  test::thread_ranks::run(ranks, [&](communicator& comm) {
    rules::trainer tr = test::make_trainer(config_of(comm.rank()));
    try {
      tr.set_communicator(comm);
    } catch (const input_error& e) {
      std::lock_guard<std::mutex> lock(m);
      errors.push_back(e.what());
    }
  });
  return errors;
}

}  // namespace

TEST_CASE("trainer over ranks: offline rules give one process's weights, log and evaluation bit for bit") {
  for (const char* rule : {"sfdfa", "bp_exact"}) {
    CAPTURE(rule);
    json cfg = ff_config(rule, std::string("one_") + rule);
    cfg["alignment"] = {{"every_batches", 2}};  // the reference's sums are summed over the ranks too
    rules::trainer one = test::make_trainer(cfg);
    one.train(nullptr, nullptr);
    const outcome ref = outcome_of(one);
    for (int ranks : {2, 3}) {
      CAPTURE(ranks);
      json c = cfg;
      c["output_dir"] = test::fresh_dir(std::string("ranks_") + rule + std::to_string(ranks)).string();
      const outcome got = train_on_ranks(c, ranks);
      check_same(got, ref);
      // Only rank 0 wrote the output folder, the same log as one process.
      CHECK(std::filesystem::exists(std::filesystem::path(c["output_dir"].get<std::string>()) / "checkpoint.evsnn"));
    }
  }
}

TEST_CASE("trainer over ranks: threads inside ranks, and batches smaller than the ranks") {
  json cfg = ff_config("sfdfa", "small_batch");
  cfg["batch_size"] = 2;  // 3 ranks: one runs no sample of each batch
  cfg["epochs"] = 1;
  rules::trainer one = test::make_trainer(cfg);
  one.train(nullptr, nullptr);
  const outcome ref = outcome_of(one);
  json c = cfg;
  c["threads"] = 2;
  c["output_dir"] = test::fresh_dir("ranks_small_batch3").string();
  check_same(train_on_ranks(c, 3), ref);
}

TEST_CASE("trainer over ranks: /active_outputs redraws the same output neurons as one process") {
  // 30-40-6 with output weights N(0, 0.3): some output neurons are quiet at first and need several rounds.
  json cfg = ff_config("bp_exact", "active_one");
  cfg["network"] = test::chain_network({30, 40, 6}, {0.5, 0.5}, {0.1, 0.0}, {0.3, 0.3}, 10.0);
  cfg["network"]["projections"][1]["weights"] = {{"init", "normal"}, {"mean", 0.0}, {"std", 0.3}};
  cfg["active_outputs"] = {{"samples", 60}, {"min_fraction", 0.2}, {"redraws", 30}};
  cfg["epochs"] = 1;
  rules::trainer one = test::make_trainer(cfg);
  one.train(nullptr, nullptr);
  const auto& redraws = one.check_active_outputs().redraws;
  REQUIRE(std::count_if(redraws.begin(), redraws.end(), [](std::uint32_t r) { return r > 0; }) > 0);
  const outcome ref = outcome_of(one);
  json c = cfg;
  c["output_dir"] = test::fresh_dir("ranks_active3").string();
  check_same(train_on_ranks(c, 3), ref);
}

TEST_CASE("trainer over ranks: an online rule steps in lockstep over the ranks as in one process") {
  const json rule = {{"type", "otpe"}, {"mode", "online"}};
  json cfg = test::tick_train_config(rule, test::fresh_dir("ranks_online_one"), 1);
  cfg["epochs"] = 2;
  rules::trainer one = test::make_trainer(cfg);
  one.train(nullptr, nullptr);
  const outcome ref = outcome_of(one);
  for (int ranks : {2, 3}) {
    CAPTURE(ranks);
    json c = cfg;
    c["output_dir"] = test::fresh_dir("ranks_online" + std::to_string(ranks)).string();
    check_same(train_on_ranks(c, ranks), ref);
  }
}

TEST_CASE("trainer over ranks: traces propagation, which couples a batch's samples, is refused") {
  json cfg = test::tick_train_config({{"type", "tp"}}, test::fresh_dir("ranks_tp"), 1);
  for (auto& pop : cfg["network"]["populations"]) pop["params"].erase("bias");  // tp's neurons have none
  const std::vector<std::string> errors = refusals(2, [&](int rank) {
    json c = cfg;
    c["output_dir"] = cfg["output_dir"].get<std::string>() + std::to_string(rank);
    return c;
  });
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].find("/rule: tp couples the samples of a batch") != std::string::npos);
  CHECK(errors[0].find("2 MPI ranks") != std::string::npos);
}

TEST_CASE("trainer over ranks: a rank with another config or data set is refused on every rank") {
  json cfg = ff_config("sfdfa", "mismatch");
  const std::vector<std::string> errors = refusals(3, [&](int rank) {
    json c = cfg;
    c["output_dir"] = cfg["output_dir"].get<std::string>() + std::to_string(rank);  // may differ
    c["threads"] = rank + 1;                                                          // may differ
    if (rank == 2) c["dataset"]["samples_per_class"] = 41;                            // another machine's data
    return c;
  });
  REQUIRE(errors.size() == 3);
  for (const auto& e : errors) CHECK(e.find("MPI rank 2 has another config or data set than rank 0") != std::string::npos);
}
