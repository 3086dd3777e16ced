// mpirun -np N evsnn train|eval|run (tools/mpi_communicator, rules/trainer_ranks.cpp, tools/run_partitioned)
// as real MPI processes: 2 ranks and 3 (oversubscribed on a 2-core machine) write the same network, weights
// and log as one process; --resume continues with another number of ranks; eval gives one process's figures;
// a network dealt over ranks writes one process's spikes, readout, counters and learned weights; a rank that
// fails alone ends the run with its error instead of leaving the others waiting; commands that run as one
// process are refused under mpirun; a build without MPI refuses to run as several ranks.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/rules/rule_fixture.hpp"
#include "tests/rules/trainer_fixture.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/dealt_networks.hpp"
#include "tests/support/runaway_network.hpp"
#include "tools/mpi_communicator.hpp"

using namespace evsnn;
using nlohmann::json;

namespace {

// mpirun when this build has MPI and the launcher is installed ("" otherwise: the MPI cases are skipped).
std::string mpirun(int ranks) {
  if (!cli::built_with_mpi() || std::system("command -v mpirun > /dev/null 2>&1") != 0) return "";
  if (geteuid() == 0) {  // OpenMPI refuses root unless told twice (CI runs as root)
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  }
  // Shared memory without cross-memory attach (ptrace), which containers often forbid; the user's choice wins.
  setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
  // timeout: a hang is a failure, not a stuck test.
  return "timeout 300 mpirun --oversubscribe -np " + std::to_string(ranks);
}

// A small Randman config (2 epochs, batch 10, one thread per rank) writing into out.
std::string write_config(const test::cli_temp_dir& d, const std::string& name, const std::string& rule) {
  json cfg = test::small_train_config(test::chain_network({30, 40, 3}, {0.5, 0.5}, {0.1, 0.05}, {0.3, 0.3}, 10.0),
                                      {{"type", rule}}, d.path / (name + "_out"), 40);
  cfg["epochs"] = 2;
  return d.write(name + ".json", cfg.dump()).string();
}

// log.json without what differs between any two runs (wall time, samples/s).
json log_of(const std::filesystem::path& dir) {
  json log = json::parse(std::ifstream(dir / "log.json"));
  for (auto& e : log["epochs"]) {
    e.erase("wall_time_s");
    e.erase("samples_per_s");
  }
  return log;
}

void check_same_outputs(const std::filesystem::path& a, const std::filesystem::path& b) {
  CHECK(test::read_text(a / "network.json") == test::read_text(b / "network.json"));
  for (const char* f : {"weights_0.csv", "weights_1.csv"}) {
    CAPTURE(f);
    CHECK(test::read_text(a / f) == test::read_text(b / f));
  }
  CHECK(log_of(a) == log_of(b));
}

}  // namespace

TEST_CASE("mpirun train: 2 and 3 ranks write one process's network, weights and log") {
  if (mpirun(2).empty()) return;  // built without MPI: the last case checks the refusal
  test::cli_temp_dir d;
  for (const char* rule : {"sfdfa", "bp_exact"}) {
    CAPTURE(rule);
    const std::string cfg = write_config(d, rule, rule);
    const auto one = d.path / "one", two = d.path / "two", three = d.path / "three";
    REQUIRE(test::run_cli(d, "train " + test::shell_quote(cfg) + " --quiet --out " + one.string()).status == 0);
    const auto r2 = test::run_cli(d, "train " + test::shell_quote(cfg) + " --out " + two.string(), mpirun(2));
    INFO(r2.err);
    REQUIRE(r2.status == 0);
    CHECK(r2.out.find("in each of 2 MPI ranks") != std::string::npos);
    CHECK(r2.out.find("epoch 2:") == r2.out.rfind("epoch 2:"));  // rank 0 speaks, once
    REQUIRE(test::run_cli(d, "train " + test::shell_quote(cfg) + " --quiet --out " + three.string(), mpirun(3)).status == 0);
    check_same_outputs(one, two);
    check_same_outputs(one, three);
  }
}

TEST_CASE("mpirun train --resume continues with another number of ranks; eval over ranks") {
  if (mpirun(2).empty()) return;
  test::cli_temp_dir d;
  const std::string cfg = write_config(d, "resume", "sfdfa");
  const auto one = d.path / "one", part = d.path / "part";
  REQUIRE(test::run_cli(d, "train " + test::shell_quote(cfg) + " --quiet --out " + one.string()).status == 0);
  REQUIRE(test::run_cli(d, "train " + test::shell_quote(cfg) + " --quiet --epochs 1 --out " + part.string(), mpirun(2))
              .status == 0);
  REQUIRE(test::run_cli(d, "train " + test::shell_quote(cfg) + " --quiet --resume --out " + part.string(), mpirun(3))
              .status == 0);
  check_same_outputs(one, part);
  const std::string eval = "eval " + test::shell_quote(cfg) + " --json --checkpoint " + (one / "checkpoint.evsnn").string();
  const auto e1 = test::run_cli(d, eval), e2 = test::run_cli(d, eval, mpirun(2));
  REQUIRE(e1.status == 0);
  REQUIRE(e2.status == 0);
  json a = json::parse(e1.out), b = json::parse(e2.out);  // one JSON document: rank 0 prints
  a.erase("wall_time_s");
  b.erase("wall_time_s");
  CHECK(a == b);
}

TEST_CASE("mpirun: a rank that fails alone ends the run with its error; one-process commands are refused") {
  if (mpirun(2).empty()) return;
  test::cli_temp_dir d;
  const std::string cfg = write_config(d, "fail", "sfdfa");
  // Only rank 0 creates the output folder: under a file it fails there while rank 1 trains and would wait for
  // it at the first batch's sums.
  const auto blocker = d.write("blocker", "a file");
  const auto r = test::run_cli(d, "train " + test::shell_quote(cfg) + " --out " + (blocker / "out").string(), mpirun(2));
  INFO(r.err);
  CHECK(r.status != 0);
  CHECK(r.status != 124);  // not the timeout: the ranks ended
  CHECK(r.err.find("evsnn: error: " + (blocker / "out").string() + ": cannot create the output folder") !=
        std::string::npos);
  const auto energy = test::run_cli(d, "energy " + test::shell_quote(cfg), mpirun(2));
  CHECK(energy.status != 0);
  CHECK(energy.status != 124);
  CHECK(energy.err.find("evsnn energy runs as one process: under mpirun (here 2 ranks) only evsnn run, train and eval") !=
        std::string::npos);
}

namespace {

// counters.json without the scheduling counters, which depend on how the work was shared.
json model_counters(const std::filesystem::path& dir) {
  json c = json::parse(std::ifstream(dir / "counters.json"));
  json out;
  for (const auto& p : c["populations"])
    out["populations"].push_back({p["name"], p["size"], p["spikes"], p["neuron_updates"], p["crossing_predictions"]});
  for (const auto& p : c["projections"])
    out["projections"].push_back({p["name"], p["synapses"], p["spikes_in"], p["synaptic_events"], p["trace_updates"],
                                  p["weight_updates"]});
  return out;
}

}  // namespace

TEST_CASE("mpirun run: 2 and 3 ranks write one process's spikes, readout, counters and learned weights (recurrent and feed-forward)") {
  if (mpirun(2).empty()) return;
  test::cli_temp_dir d;
  const std::string net = test::shell_quote(d.write("recurrent.json", test::recurrent_network(true).dump()).string());
  const auto one = d.path / "one";
  REQUIRE(test::run_cli(d, "run " + net + " --out " + one.string()).status == 0);
  CHECK(test::read_text(one / "spikes.csv").size() > 20000);
  for (const auto& [ranks, extra] : std::vector<std::pair<int, std::string>>{{2, ""}, {3, ""}, {2, " --partition populations"}}) {
    CAPTURE(ranks);
    CAPTURE(extra);
    const auto many = d.path / ("ranks" + std::to_string(ranks) + (extra.empty() ? "" : "_pop"));
    const auto r = test::run_cli(d, "run " + net + " --json --out " + many.string() + extra, mpirun(ranks));
    INFO(r.err);
    REQUIRE(r.status == 0);
    const json summary = json::parse(r.out);
    CHECK(summary["partition"]["ranks"] == ranks);
    CHECK(summary["partition"]["window_ms"] == 1.0);
    for (const char* f : {"spikes.csv", "readout.csv", "network.json", "weights_exc-_exc.csv"}) {
      CAPTURE(f);
      CHECK(!test::read_text(many / f).empty());
      CHECK(test::read_text(one / f) == test::read_text(many / f));
    }
    CHECK(model_counters(one) == model_counters(many));
  }
  const std::string ff = test::shell_quote(d.write("feed_forward.json", test::feed_forward_network().dump()).string());
  REQUIRE(test::run_cli(d, "run " + ff + " --out " + (d.path / "ff1").string()).status == 0);
  CHECK(test::read_text(d.path / "ff1" / "spikes.csv").size() > 2000);
  for (int ranks : {2, 3}) {
    CAPTURE(ranks);
    const auto many = d.path / ("ff" + std::to_string(ranks) + "ranks");
    const auto r = test::run_cli(d, "run " + ff + " --json --out " + many.string(), mpirun(ranks));
    INFO(r.err);
    REQUIRE(r.status == 0);
    const std::string placement = json::parse(r.out)["partition"]["placement"];
    CHECK(placement.find("h1 dealt, h2 on rank") != std::string::npos);
    CHECK(placement.find("out on rank 0") != std::string::npos);
    CHECK(test::read_text(d.path / "ff1" / "spikes.csv") == test::read_text(many / "spikes.csv"));
    CHECK(model_counters(d.path / "ff1") == model_counters(many));
    CHECK(test::read_text(d.path / "ff1" / "readout.csv") == test::read_text(many / "readout.csv"));
  }
  // A runaway network (two lif_alpha neurons exciting both, no refractory period) stops every rank at the
  // bound on pending events: exit 2, one error line, the outputs so far marked stopped.
  const std::string grow = test::shell_quote(d.write("grow.json", test::growing_runaway_network().dump()).string());
  const auto runaway = test::run_cli(d, "run " + grow + " --out " + (d.path / "grow").string(), mpirun(2));
  INFO(runaway.err);
  CHECK(runaway.status == 2);
  CHECK(runaway.err.find("more events were pending than the limit of 1048576") != std::string::npos);
  const json grown = json::parse(test::read_text(d.path / "grow" / "summary.json"));
  CHECK(grown["status"] == "stopped");
  CHECK(grown["stop_reason"] == "pending events over the limit");
  // What runs as one process only is refused, on every rank alike.
  const auto stepped = test::run_cli(d, "run " + net + " --stepped", mpirun(2));
  CHECK(stepped.status == 2);
  CHECK(stepped.err.find("evsnn run --stepped runs as one process; under mpirun (here 2 ranks)") != std::string::npos);
}

TEST_CASE("a build without MPI refuses to run as several ranks") {
  if (cli::built_with_mpi()) return;  // with MPI the environment below would start MPI itself
  test::cli_temp_dir d;
  const auto r = test::run_cli(d, "--version", "OMPI_COMM_WORLD_SIZE=2");
  CHECK(r.status == 2);
  CHECK(r.err.find("started as 2 MPI ranks, but this evsnn was built without MPI") != std::string::npos);
}
