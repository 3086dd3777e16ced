// evsnn train / eval on the command line, as a user runs them: a small Randman task trains, writes its
// log, checkpoint and a runnable trained network; --resume extends the run; eval reads the checkpoint;
// plot draws the log; bad configs and damaged checkpoints get one line and exit 2.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli_process.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using result = evsnn::test::cli_result;
std::string slurp(const fs::path& p) { return evsnn::test::read_text(p); }
result run(const fs::path& dir, const std::string& args) { return evsnn::test::run_cli(dir, args); }

std::size_t count_lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

json network() {
  json pops = json::array({{{"name", "in"}, {"model", "spike_source"}, {"size", 20}, {"params", {{"external", true}}}},
                           {{"name", "hidden"}, {"model", "lif_alpha"}, {"size", 16}, {"params", {{"tau_mem_ms", 10}, {"threshold", 0.5}}}},
                           {{"name", "out"}, {"model", "lif_alpha"}, {"size", 3}, {"params", {{"tau_mem_ms", 10}, {"threshold", 0.5}}}}});
  json projs = json::array({{{"pre", "in"}, {"post", "hidden"}, {"weights", {{"init", "normal"}, {"mean", 0.1}, {"std", 0.3}}}},
                            {{"pre", "hidden"}, {"post", "out"}, {"weights", {{"init", "normal"}, {"mean", 0.05}, {"std", 0.3}}}}});
  return {{"format", "evsnn-network/1"}, {"seed", 2}, {"populations", pops}, {"projections", projs}};
}

json config(const fs::path& out) {
  return {{"format", "evsnn-train/1"},
          {"network", "net.json"},
          {"dataset", {{"format", "randman"}, {"classes", 3}, {"neurons", 20}, {"samples_per_class", 40}, {"duration_ms", 20}, {"seed", 4}}},
          {"rule", "sfdfa"},
          {"loss", {{"type", "count_mse"}, {"target_true", 4}, {"target_false", 1}}},
          {"optimizer", {{"type", "adam"}, {"lr", 0.01}}},
          {"epochs", 2},
          {"batch_size", 8},
          {"threads", 2},
          {"output_dir", out.string()}};
}

}  // namespace

TEST_CASE("cli: evsnn train, --resume, eval and plot end to end") {
  const fs::path dir = fs::temp_directory_path() / "evsnn_train_cli_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path out = dir / "run";
  std::ofstream(dir / "net.json") << network().dump(1);
  std::ofstream(dir / "train.json") << config(out).dump(1);

  result r = run(dir, "train '" + (dir / "train.json").string() + "'");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("epoch 2:") != std::string::npos);
  const std::string log2 = slurp(out / "log.csv");
  CHECK(log2.rfind("epoch,loss,train_accuracy,test_accuracy", 0) == 0);
  CHECK(count_lines(log2) == 3);
  CHECK(fs::exists(out / "checkpoint.evsnn"));
  CHECK(json::parse(slurp(out / "log.json"))["epochs"].size() == 2);

  // The trained network runs as any network does.
  r = run(dir, "run '" + (out / "network.json").string() + "' --data 'randman:test:classes=3,neurons=20,samples_per_class=40,duration_ms=20,seed=4' --samples 5");
  CHECK(r.status == 0);

  // Extend to 3 epochs from the checkpoint: the first two rows are kept as they were.
  r = run(dir, "train '" + (dir / "train.json").string() + "' --resume --epochs 3 --quiet");
  CHECK(r.status == 0);
  CHECK(r.out.empty());
  const std::string log3 = slurp(out / "log.csv");
  CHECK(count_lines(log3) == 4);
  const auto first_rows = [](const std::string& s) {
    std::size_t p = 0;
    for (int k = 0; k < 3; ++k) p = s.find('\n', p) + 1;
    return s.substr(0, p);
  };
  // wall-time columns differ between runs: compare epoch, loss and accuracies only
  auto cols = [](const std::string& rows) {
    std::stringstream ss(rows);
    std::string line, acc;
    while (std::getline(ss, line)) {
      std::stringstream ls(line);
      std::string cell;
      for (int c = 0; c < 4 && std::getline(ls, cell, ','); ++c) acc += cell + ",";
      acc += "\n";
    }
    return acc;
  };
  CHECK(cols(first_rows(log3)) == cols(first_rows(log2)));

  r = run(dir, "eval '" + (dir / "train.json").string() + "' --checkpoint '" + (out / "checkpoint.evsnn").string() + "' --json");
  REQUIRE(r.status == 0);
  const json ev = json::parse(r.out);
  CHECK(ev["samples"] == 24);
  CHECK(ev["accuracy"].get<double>() >= 0.0);

  r = run(dir, "plot '" + (out / "log.csv").string() + "' --svg '" + (dir / "curves.svg").string() + "'");
  CHECK(r.status == 0);
  CHECK(slurp(dir / "curves.svg").rfind("<svg", 0) == 0);

  // Damaged checkpoint and bad config: one line, exit 2.
  const std::string ck = slurp(out / "checkpoint.evsnn");
  std::ofstream(dir / "bad.evsnn", std::ios::binary) << ck.substr(0, ck.size() / 2);
  r = run(dir, "eval '" + (dir / "train.json").string() + "' --checkpoint '" + (dir / "bad.evsnn").string() + "'");
  CHECK(r.status == 2);
  CHECK(r.err.find("bad.evsnn") != std::string::npos);
  CHECK(count_lines(r.err) == 1);
  json bad = config(out);
  bad["rule"] = {{"type", "sfdfa"}, {"feedback_lr", -1}};
  std::ofstream(dir / "bad.json") << bad.dump();
  r = run(dir, "train '" + (dir / "bad.json").string() + "'");
  CHECK(r.status == 2);
  CHECK(r.err.find("bad.json: /rule/feedback_lr") != std::string::npos);
  CHECK(count_lines(r.err) == 1);
  fs::remove_all(dir);
}

TEST_CASE("cli: train refuses what cannot be written or trained, with one line and exit 2") {
  const fs::path dir = fs::temp_directory_path() / "evsnn_train_cli_refusals";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "net.json") << network().dump(1);
  std::ofstream(dir / "afile") << "x";
  json c = config(dir / "afile" / "sub");  // an output folder under a file
  std::ofstream(dir / "under_file.json") << c.dump(1);
  result r = run(dir, "train '" + (dir / "under_file.json").string() + "'");
  CHECK(r.status == 2);
  CHECK(r.err.find("cannot create the output folder") != std::string::npos);
  c = config(dir / "out");
  c["epochs"] = 0;
  std::ofstream(dir / "zero.json") << c.dump(1);
  r = run(dir, "train '" + (dir / "zero.json").string() + "'");
  CHECK(r.status == 2);
  CHECK(r.err.find("/epochs: must be >= 1") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out" / "log.csv"));
  // A checkpoint path that is a folder.
  c = config(dir / "out");
  std::ofstream(dir / "ok.json") << c.dump(1);
  r = run(dir, "eval '" + (dir / "ok.json").string() + "' --checkpoint '" + dir.string() + "'");
  CHECK(r.status == 2);
  CHECK(r.err.find("--checkpoint: File is actually a directory") != std::string::npos);
  fs::create_directories(dir / "out" / "checkpoint.evsnn");
  r = run(dir, "train '" + (dir / "ok.json").string() + "' --resume");
  CHECK(r.status == 2);
  CHECK(r.err.find("is a folder, not a file") != std::string::npos);
}
