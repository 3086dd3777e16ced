// Plasticity from the command line: evsnn run applies a network's STDP online and writes the learned
// weights (CSV in the input layout, network.json that runs again), across --data samples and --carry
// streams; malformed plasticity blocks are one error line with exit 2; check and bench show it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli_process.hpp"

using nlohmann::json;
using namespace evsnn::test;

namespace {

// pre (spikes at 10) -> post (lif_delta) with STDP; drive makes post spike at 18 and 60.
json pair_net() {
  return json::parse(R"({
    "format": "evsnn-network/1", "duration_ms": 100,
    "populations": [
      {"name": "pre", "model": "spike_source", "size": 2, "params": {"spikes": [[10, 0], [70, 1]]}},
      {"name": "drive", "model": "spike_source", "size": 1, "params": {"spikes": [[18, 0], [60, 0]]}},
      {"name": "post", "model": "lif_delta", "size": 1, "params": {"tau_mem_ms": 10, "threshold": 10, "reset": "zero"}}],
    "projections": [
      {"pre": "drive", "post": "post", "weights": [[100]]},
      {"name": "learned", "pre": "pre", "post": "post", "delay_ms": 2, "weights": [[0.1], [0.3]],
       "plasticity": {"rule": "stdp", "a_plus": 0.01, "a_minus": 0.012, "w_max": 1}}]})");
}

std::vector<double> csv_numbers(const std::string& text) {
  std::vector<double> v;
  std::string cell;
  for (char c : text + "\n") {
    if (c == ',' || c == '\n') {
      if (!cell.empty()) v.push_back(std::stod(cell));
      cell.clear();
    } else {
      cell += c;
    }
  }
  return v;
}

}  // namespace

TEST_CASE("run: STDP online, learned weights as CSV and as a runnable network.json") {
  cli_temp_dir d;
  const auto net = d.write("net.json", pair_net().dump());
  const cli_result r = run_cli(d, "run " + shell_quote(net.string()) + " --out " + shell_quote((d.path / "o").string()));
  REQUIRE(r.status == 0);
  CHECK(r.out.find("plastic projection") != std::string::npos);
  const std::vector<double> w = csv_numbers(read_text(d.path / "o" / "weights_learned.csv"));
  REQUIRE(w.size() == 2);
  // Synapse 0: pre 10 (+2 ms delay, all dendritic) seen at 10; post spikes 18, 60 seen at 20, 62.
  CHECK(w[0] == doctest::Approx(0.1 + 0.01 * (std::exp(-10.0 / 20) + std::exp(-52.0 / 20))).epsilon(1e-14));
  // Synapse 1: pre 70 seen at 70; post spikes seen at 20 and 62 before it: depression.
  CHECK(w[1] == doctest::Approx(0.3 - 0.012 * (std::exp(-50.0 / 20) + std::exp(-8.0 / 20))).epsilon(1e-14));
  const json summary = json::parse(read_text(d.path / "o" / "summary.json"));
  CHECK(summary["plasticity"][0]["weight_updates"] == 3);
  CHECK(summary["plasticity"][0]["trace_updates"] == 4);
  const json counters = json::parse(read_text(d.path / "o" / "counters.json"));
  CHECK(counters.dump().find("\"weight_updates\":3") != std::string::npos);
  // The written network runs again and starts from the learned weights.
  const cli_result again =
      run_cli(d, "run " + shell_quote((d.path / "o" / "network.json").string()) + " --out " + shell_quote((d.path / "o2").string()));
  REQUIRE(again.status == 0);
  const std::vector<double> w2 = csv_numbers(read_text(d.path / "o2" / "weights_learned.csv"));
  CHECK(w2[0] == doctest::Approx(w[0] + 0.01 * (std::exp(-10.0 / 20) + std::exp(-52.0 / 20))).epsilon(1e-14));
  // Histogram before/after.
  const cli_result svg = run_cli(d, "run " + shell_quote(net.string()) + " --weights-svg " + shell_quote((d.path / "h.svg").string()));
  CHECK(svg.status == 0);
  CHECK(read_text(d.path / "h.svg").find("<svg") == 0);
}

TEST_CASE("run: plasticity on data-set samples (reset) and on a --carry stream") {
  cli_temp_dir d;
  json net = json::parse(R"({
    "format": "evsnn-network/1", "seed": 4,
    "populations": [
      {"name": "in", "model": "spike_source", "size": 10, "params": {"external": true}},
      {"name": "out", "model": "cuba_lif", "size": 4, "params": {"tau_mem_ms": 10, "tau_syn_ms": 2, "threshold": 0.1}}],
    "projections": [{"pre": "in", "post": "out", "delay_ms": 1,
      "weights": {"init": "uniform", "low": 0.2, "high": 0.5},
      "plasticity": {"rule": "stdp_triplet", "preset": "visual_cortex_nearest", "w_max": 1}}]})");
  const auto path = d.write("net.json", net.dump());
  for (const char* mode : {"", " --carry"}) {
    CAPTURE(mode);
    const cli_result r = run_cli(d, "run " + shell_quote(path.string()) + " --data randman:train:classes=2,neurons=10,samples_per_class=10 --samples 6" + mode +
                                        " --out " + shell_quote((d.path / "o").string()));
    REQUIRE(r.status == 0);
    const json s = json::parse(read_text(d.path / "o" / "summary.json"));
    CHECK(s["samples"] == 6);
    CHECK(s["plasticity"][0]["weight_updates"].get<int>() > 0);
  }
}

TEST_CASE("run/check: malformed plasticity is one line naming the JSON path, exit 2") {
  cli_temp_dir d;
  struct bad {
    json plasticity;
    std::string expect;
  };
  const std::vector<bad> cases = {
      {{{"rule", "oja"}}, "/projections/1/plasticity/rule: unknown plasticity rule 'oja' (known: stdp, stdp_triplet)"},
      {{{"rule", "stdp"}, {"a_plus", 0.1}}, "/projections/1/plasticity: "},
      {{{"rule", "stdp"}, {"a_plus", 0.1}, {"a_minus", 0.1}, {"tau_minus_ms", 0}}, "/projections/1/plasticity/tau_minus_ms"},
      {{{"rule", "stdp"}, {"a_plus", 0.1}, {"a_minus", 0.1}, {"wmax", 1}}, "wmax"},
      {{{"rule", "stdp"}, {"a_plus", "big"}, {"a_minus", 0.1}}, "/projections/1/plasticity/a_plus"},
      {"stdp", "/projections/1/plasticity"},
  };
  for (const bad& b : cases) {
    json net = pair_net();
    net["projections"][1]["plasticity"] = b.plasticity;
    const auto path = d.write("bad.json", net.dump());
    for (const char* cmd : {"run", "check"}) {
      CAPTURE(b.expect);
      const cli_result r = run_cli(d, std::string(cmd) + " " + shell_quote(path.string()));
      CHECK(r.status == 2);
      CHECK(r.err.find(b.expect) != std::string::npos);
      CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
  }
  // The time-stepped twin refuses a plastic network.
  const auto ok = d.write("ok.json", pair_net().dump());
  const cli_result st = run_cli(d, "run " + shell_quote(ok.string()) + " --stepped");
  CHECK(st.status == 2);
  CHECK(st.err.find("projection 'learned' is plastic") != std::string::npos);
  const cli_result chk = run_cli(d, "check " + shell_quote(ok.string()));
  CHECK(chk.status == 0);
  CHECK(chk.out.find("stdp") != std::string::npos);
}

TEST_CASE("run: two plastic projections with one name get distinct weight files") {
  cli_temp_dir d;
  json net = pair_net();
  json second = net["projections"][1];
  second.erase("name");
  second["delay_ms"] = 5;
  net["projections"][1].erase("name");
  net["projections"].push_back(second);
  const auto path = d.write("net.json", net.dump());
  const cli_result r = run_cli(d, "run " + shell_quote(path.string()) + " --out " + shell_quote((d.path / "o").string()));
  REQUIRE(r.status == 0);
  CHECK(std::filesystem::exists(d.path / "o" / "weights_pre-_post.csv"));
  CHECK(std::filesystem::exists(d.path / "o" / "weights_pre-_post_2.csv"));
  const json written = json::parse(read_text(d.path / "o" / "network.json"));
  CHECK(written["projections"][2]["weights"]["csv"] == "weights_pre-_post_2.csv");
  CHECK(run_cli(d, "run " + shell_quote((d.path / "o" / "network.json").string())).status == 0);
}
