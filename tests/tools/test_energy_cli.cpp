// evsnn energy and evsnn run --stepped, run as real processes: counts recomputed from the spike
// output and the connectivity, energies recomputed from the profile files, NeuroBench metrics present
// and consistent, the SVG written, and bad profiles reported as one line with exit status 2.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli_process.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path source_dir = EVSNN_SOURCE_DIR;
using scratch_dir = evsnn::test::cli_temp_dir;
using outcome = evsnn::test::cli_result;
using evsnn::test::run_cli;
std::string slurp(const fs::path& p) { return evsnn::test::read_text(p); }

// Spikes per population with time <= t_max from spikes.csv (time_ms,population,neuron).
std::map<std::string, std::uint64_t> spikes_until(const fs::path& csv, double t_max) {
  std::map<std::string, std::uint64_t> n;
  std::stringstream ss(slurp(csv));
  std::string line;
  std::getline(ss, line);
  REQUIRE(line == "time_ms,population,neuron");
  while (std::getline(ss, line)) {
    const auto a = line.find(','), b = line.find(',', a + 1);
    if (std::stod(line.substr(0, a)) <= t_max) ++n[line.substr(a + 1, b - a - 1)];
  }
  return n;
}

const std::string ff = (source_dir / "examples" / "ff_poisson.json").string();

}  // namespace

TEST_CASE("evsnn energy: counts recomputed from spikes and connectivity, energies from the profiles") {
  scratch_dir d;
  const auto r = run_cli(d, "energy '" + ff + "' --dt-ms 1 --profile loihi truenorth horowitz45_fp32 gpu_degnan --out '" +
                                (d.path / "e").string() + "'");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.out.find("time-stepped horowitz45_fp32 / event-driven loihi") != std::string::npos);
  CHECK(r.out.find("activation sparsity") != std::string::npos);
  const json e = json::parse(slurp(d.path / "e" / "energy.json"));
  const json& ed = e["counts"]["event_driven"];
  const json& ts = e["counts"]["time_stepped"];

  // The event-driven synaptic events from the spikes of an ordinary run: ff is dense 700-256-256-20
  // with zero delays, so each spike reaches the whole next layer.
  const auto run = run_cli(d, "run '" + ff + "' --out '" + (d.path / "r").string() + "'");
  REQUIRE_MESSAGE(run.status == 0, run.err);
  auto n = spikes_until(d.path / "r" / "spikes.csv", 1000.0);
  const std::uint64_t expected_ac = n["input"] * 256 + n["hidden1"] * 256 + n["hidden2"] * 20;
  CHECK(ed["synaptic_ac"].get<std::uint64_t>() == expected_ac);
  CHECK(ed["spike"].get<std::uint64_t>() == n["input"] + n["hidden1"] + n["hidden2"] + n["output"]);
  // counters.json of the same run agrees, projection by projection.
  const json c = json::parse(slurp(d.path / "r" / "counters.json"));
  CHECK(c["format"] == "evsnn-counters/1");
  CHECK(c["projections"][0]["synaptic_events"].get<std::uint64_t>() == n["input"] * 256);
  CHECK(c["projections"][1]["synaptic_events"].get<std::uint64_t>() == n["hidden1"] * 256);
  CHECK(c["projections"][2]["synaptic_events"].get<std::uint64_t>() == n["hidden2"] * 20);
  CHECK(c["totals"]["neuron_updates"] == ed["neuron_update"]);

  // Time-stepped: every non-source neuron every step; dense MACs = every pair every step.
  CHECK(e["steps"] == 1000);
  CHECK(e["stepped_neurons"] == 532);
  CHECK(ts["neuron_update"].get<std::uint64_t>() == 532u * 1000u);
  CHECK(ts["neuron_step"].get<std::uint64_t>() == 532u * 1000u);
  CHECK(ed["neuron_step"].get<std::uint64_t>() == 532u * 1000u);
  CHECK(ts["dense_mac"].get<std::uint64_t>() == (700u * 256u + 256u * 256u + 256u * 20u) * 1000u);
  CHECK(ed["dense_mac"] == 0);
  CHECK(e["spikes"]["event_driven"] == ed["spike"]);

  // Energy = counts x profile, kind by kind, with the figures of the profile files.
  REQUIRE(e["profiles"].size() == 4);
  for (const json& p : e["profiles"]) {
    CAPTURE(p["name"].get<std::string>());
    const json file = json::parse(slurp(source_dir / "tools" / "profiles" / (p["name"].get<std::string>() + ".json")));
    const json& counts = p["execution"] == "event_driven" ? ed : ts;
    double total = 0.0;
    for (auto it = file["per_op"].begin(); it != file["per_op"].end(); ++it) {
      const double expect = counts[it.key()].get<double>() * it.value()["energy_pj"].get<double>();
      CHECK(p["energy_pj"][it.key()].get<double>() == doctest::Approx(expect).epsilon(1e-12));
      CHECK(p["per_op"][it.key()]["source"] == it.value()["source"]);
      total += expect;
    }
    CHECK(p["total_pj"].get<double>() == doctest::Approx(total).epsilon(1e-12));
  }
  // Ratios: every time-stepped total over every event-driven total.
  CHECK(e["ratios"].size() == 4);
  const json& r0 = e["ratios"][0];
  CHECK(r0["time_stepped"] == "horowitz45_fp32");
  CHECK(r0["event_driven"] == "loihi");
  CHECK(r0["ratio"].get<double>() ==
        doctest::Approx(e["profiles"][2]["total_pj"].get<double>() / e["profiles"][0]["total_pj"].get<double>()));

  // NeuroBench metrics, consistent with the stepped counts.
  const json& nb = e["neurobench"];
  CHECK(nb["synaptic_operations"]["dense"] == ts["dense_mac"]);
  CHECK(nb["synaptic_operations"]["effective_acs"] == ts["synaptic_ac"]);  // no zero weights in ff
  CHECK(nb["synaptic_operations"]["effective_macs"] == 0);
  const double sparsity = nb["activation_sparsity"]["value"].get<double>();
  const double stepped_spikes = e["spikes"]["time_stepped"].get<double>() - static_cast<double>(n["input"]);
  CHECK(sparsity == doctest::Approx(1.0 - stepped_spikes / (532.0 * 1000.0)));
  CHECK(nb["connection_sparsity"]["value"] == 0.0);
  CHECK(nb["model_footprint"]["weight_bytes"] == 8 * (700 * 256 + 256 * 256 + 256 * 20));
  CHECK(nb["membrane_updates"]["value"].get<std::uint64_t>() <= 532u * 1000u);
  for (const char* k : {"activation_sparsity", "synaptic_operations", "membrane_updates", "model_footprint", "connection_sparsity"})
    CHECK(!nb[k]["definition"].get<std::string>().empty());

  const std::string svg = slurp(d.path / "e" / "energy.svg");
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(svg.find("horowitz45_fp32") != std::string::npos);
  for (const auto& f : fs::directory_iterator(d.path / "e")) CHECK(f.path().string().find(".tmp") == std::string::npos);
}

TEST_CASE("evsnn energy: --json prints the same report, --svg writes the chart") {
  scratch_dir d;
  const auto r = run_cli(d, "energy '" + ff + "' --duration-ms 200 --json --svg '" + (d.path / "c.svg").string() + "'");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const json e = json::parse(r.out);
  CHECK(e["format"] == "evsnn-energy/1");
  CHECK(e["duration_ms"] == 200.0);
  CHECK(e["dt_ms"] == 1.0);
  CHECK(e["profiles"][0]["name"] == "loihi");
  CHECK(e["profiles"][1]["name"] == "horowitz45_fp32");
  CHECK(fs::file_size(d.path / "c.svg") > 1000);
}

TEST_CASE("evsnn energy: a bad profile is one line on stderr and exit status 2") {
  scratch_dir d;
  json p = json::parse(slurp(source_dir / "tools" / "profiles" / "loihi.json"));
  p["per_op"].erase("spike");
  const fs::path bad = d.path / "bad.json";
  std::ofstream(bad) << p.dump(2);
  auto r = run_cli(d, "energy '" + ff + "' --profile '" + bad.string() + "'");
  CHECK(r.status == 2);
  CHECK(r.err == "evsnn: error: " + bad.string() + ": /per_op: missing required key 'spike'\n");

  p = json::parse(slurp(source_dir / "tools" / "profiles" / "loihi.json"));
  p["per_op"]["synaptic_ac"]["energy_pj"] = -23.6;
  std::ofstream(bad) << p.dump(2);
  r = run_cli(d, "energy '" + ff + "' --profile '" + bad.string() + "'");
  CHECK(r.status == 2);
  CHECK(r.err == "evsnn: error: " + bad.string() + ": /per_op/synaptic_ac/energy_pj: must be >= 0, got -23.6\n");

  r = run_cli(d, "energy '" + ff + "' --profile no_such_chip");
  CHECK(r.status == 2);
  CHECK(r.err.rfind("evsnn: error: --profile no_such_chip: no such file", 0) == 0);
}

TEST_CASE("evsnn run --stepped: neuron updates N T / dt, synaptic events from the spikes, counters.json") {
  scratch_dir d;
  const auto r = run_cli(d, "run '" + ff + "' --stepped --dt-ms 0.1 --duration-ms 300 --out '" + (d.path / "s").string() + "'");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const json c = json::parse(slurp(d.path / "s" / "counters.json"));
  CHECK(c["execution"] == "time_stepped");
  CHECK(c["steps"] == 3000);
  CHECK(c["totals"]["neuron_updates"].get<std::uint64_t>() == 532u * 3000u);
  // Zero delays: a neuron's spike at the end of the last step reaches nothing; every earlier spike
  // reaches its whole next layer.
  auto n = spikes_until(d.path / "s" / "spikes.csv", 300.0 - 1e-6);
  CHECK(c["projections"][0]["synaptic_events"].get<std::uint64_t>() == n["input"] * 256);
  CHECK(c["projections"][1]["synaptic_events"].get<std::uint64_t>() == n["hidden1"] * 256);
  CHECK(c["projections"][2]["synaptic_events"].get<std::uint64_t>() == n["hidden2"] * 20);
  CHECK(fs::exists(d.path / "s" / "summary.json"));
}
