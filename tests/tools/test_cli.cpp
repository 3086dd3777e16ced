// The evsnn command line, run as a real process: run/check outputs, error reporting (exit 2, one
// line on stderr), --help for every subcommand, no temporary files left behind.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cli_process.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using namespace evsnn;

using test::evsnn_bin;
using temp_dir = test::cli_temp_dir;
using result = test::cli_result;

std::string quote(const std::string& s) { return test::shell_quote(s); }
std::string read_file(const fs::path& p) { return test::read_text(p); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

result run_evsnn(const temp_dir& d, const std::string& args) { return test::run_cli(d, args); }

// in (spike_source, 2): channel 0 at 2 ms, channel 1 at 40 ms; out (lif_alpha, tau 10, threshold 0.5):
// neuron 0 gets w0 from channel 0 only, neuron 1 gets w1 from channel 1 only. Both weights are small
// enough that each input makes exactly one spike (w y*^2 / 4 < threshold after the subtract reset).
constexpr double tau = 10.0, th = 0.5, w0 = 3.0, w1 = 2.5, t0 = 2.0, t1 = 40.0;

json small_net() {
  return {{"format", "evsnn-network/1"},
          {"seed", 3},
          {"duration_ms", 100},
          {"populations", json::parse(R"([
             {"name": "in", "model": "spike_source", "size": 2, "params": {"spikes": [[40.0, 1], [2.0, 0]]}},
             {"name": "out", "model": "lif_alpha", "size": 2, "params": {"tau_mem_ms": 10, "threshold": 0.5}}
           ])")},
          {"projections", json::parse(R"([{"pre": "in", "post": "out", "weights": [[3.0, 0.0], [0.0, 2.5]]}])")}};
}

// Spike time of lif_alpha (tau_mem = tau) after one input of weight w at t: the earlier root of
// w (y - y^2) = th, y = e^{-(s - t)/tau}.
double alpha_spike(double t, double w) { return t - tau * std::log((1.0 + std::sqrt(1.0 - 4.0 * th / w)) / 2.0); }

struct spike_row {
  double t;
  std::string pop;
  int neuron;
};

std::vector<spike_row> parse_spikes(const std::string& csv, std::string& header) {
  auto lines = lines_of(csv);
  REQUIRE(!lines.empty());
  header = lines[0];
  std::vector<spike_row> rows;
  for (std::size_t k = 1; k < lines.size(); ++k) {
    const std::string& l = lines[k];
    const auto c1 = l.find(','), c2 = l.rfind(',');
    REQUIRE(c1 != std::string::npos);
    REQUIRE(c2 > c1);
    std::size_t used = 0;
    const std::string ts = l.substr(0, c1);
    const double t = std::stod(ts, &used);
    CHECK(used == ts.size());
    rows.push_back({t, l.substr(c1 + 1, c2 - c1 - 1), std::stoi(l.substr(c2 + 1))});
  }
  return rows;
}

// Checks the error contract: exit 2, stderr exactly one line "evsnn: error: <file>...", with `expected`.
void check_error(const result& r, const std::string& file, const std::string& expected) {
  INFO("stderr: " << r.err);
  CHECK(r.status == 2);
  REQUIRE(!r.err.empty());
  CHECK(r.err.back() == '\n');
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.rfind("evsnn: error: " + file, 0) == 0);
  CHECK(r.err.find(expected) != std::string::npos);
}

}  // namespace

TEST_CASE("cli: the binary exists") {
  INFO(evsnn_bin);
  REQUIRE(fs::exists(evsnn_bin));
}

TEST_CASE("cli: run writes spikes.csv with exact, full-precision, time-sorted spikes and summary.json") {
  temp_dir d;
  const fs::path net = d.write("net.json", small_net().dump(2));
  const fs::path out = d.path / "out";
  const result r = run_evsnn(d, "run " + quote(net.string()) + " --out " + quote(out.string()));
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  CHECK(!r.out.empty());  // the human-readable summary

  std::string header;
  const auto rows = parse_spikes(read_file(out / "spikes.csv"), header);
  CHECK(header == "time_ms,population,neuron");
  REQUIRE(rows.size() == 4);
  for (std::size_t k = 1; k < rows.size(); ++k) CHECK(rows[k - 1].t <= rows[k].t);
  const double s0 = alpha_spike(t0, w0), s1 = alpha_spike(t1, w1);
  CHECK(rows[0].pop == "in");
  CHECK(rows[0].neuron == 0);
  CHECK(rows[0].t == t0);
  CHECK(rows[1].pop == "out");
  CHECK(rows[1].neuron == 0);
  CHECK(std::fabs(rows[1].t - s0) < 1e-9);
  CHECK(rows[2].pop == "in");
  CHECK(rows[2].neuron == 1);
  CHECK(rows[2].t == t1);
  CHECK(rows[3].pop == "out");
  CHECK(rows[3].neuron == 1);
  CHECK(std::fabs(rows[3].t - s1) < 1e-9);

  REQUIRE(fs::exists(out / "summary.json"));
  const json summary = json::parse(read_file(out / "summary.json"));
  CHECK(summary["duration_ms"].get<double>() == 100.0);
  CHECK(summary["spikes"].get<std::uint64_t>() == 4);
  REQUIRE(summary["populations"].size() == 2);
  CHECK(summary["populations"][1]["name"] == "out");
  CHECK(summary["populations"][1]["spikes"].get<std::uint64_t>() == 2);
  CHECK_FALSE(fs::exists(out / "readout.csv"));  // no li population

  // Only the final files, no temporaries.
  for (const auto& e : fs::directory_iterator(out)) {
    INFO(e.path().string());
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
  }
}

TEST_CASE("cli: run --json prints a summary that parses; --duration-ms overrides the file") {
  temp_dir d;
  const fs::path net = d.write("net.json", small_net().dump());
  const result r = run_evsnn(d, "run " + quote(net.string()) + " --json --duration-ms 20");
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  json j;
  REQUIRE_NOTHROW(j = json::parse(r.out));
  CHECK(j["duration_ms"].get<double>() == 20.0);
  CHECK(j["spikes"].get<std::uint64_t>() == 2);  // input at 2 ms and its output spike; 40 ms is past the end
  CHECK(j["populations"].size() == 2);
  CHECK(j["projections"].size() == 1);
  CHECK(j["projections"][0]["synapses"].get<std::uint64_t>() == 4);
}

TEST_CASE("cli: run with a li readout writes readout.csv") {
  temp_dir d;
  json doc = small_net();
  doc["populations"].push_back({{"name", "ro"}, {"model", "li"}, {"size", 1}, {"params", {{"tau_mem_ms", 5}}}});
  doc["projections"].push_back({{"pre", "out"}, {"post", "ro"}, {"weights", json::parse("[[1.0], [1.0]]")}});
  const fs::path net = d.write("net.json", doc.dump());
  const fs::path out = d.path / "o";
  const result r = run_evsnn(d, "run " + quote(net.string()) + " --out " + quote(out.string()));
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  const auto lines = lines_of(read_file(out / "readout.csv"));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "population,neuron,value");
  CHECK(lines[1].rfind("ro,0,", 0) == 0);
  for (const auto& e : fs::directory_iterator(out))
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
}

TEST_CASE("cli: check exits 0 on a valid file") {
  temp_dir d;
  const fs::path net = d.write("net.json", small_net().dump());
  const result r = run_evsnn(d, "check " + quote(net.string()));
  INFO("stderr: " << r.err);
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("valid") != std::string::npos);

  const result rj = run_evsnn(d, "check --json " + quote(net.string()));
  REQUIRE(rj.status == 0);
  json j;
  REQUIRE_NOTHROW(j = json::parse(rj.out));
  CHECK(j["neurons"].get<std::uint64_t>() == 4);
  CHECK(j["synapses"].get<std::uint64_t>() == 4);
  CHECK(j["projections"][0]["dense"].get<bool>());
}

TEST_CASE("cli: malformed files exit 2 with one error line naming the file") {
  temp_dir d;
  struct bad {
    const char* what;
    std::string file_name;
    std::string text;
    std::string expected;
  };
  json wrong_rows = small_net();
  wrong_rows["projections"][0]["weights"] = json::parse("[[1, 2]]");
  json unknown_key = small_net();
  unknown_key["populations"][1]["params"]["tau"] = 1;
  json bad_csv = small_net();
  bad_csv["projections"][0]["weights"] = {{"csv", "w.csv"}};
  d.write("w.csv", "1,2\n3,oops\n");
  const std::vector<bad> cases{
      {"JSON syntax", "syntax.json", "{\"format\": \"evsnn-network/1\",\n}", "syntax.json: byte "},
      {"empty file", "empty.json", "", "empty.json: byte "},
      {"dense rows", "rows.json", wrong_rows.dump(), "rows.json: /projections/0/weights: 1 rows, expected 2"},
      {"unknown key", "key.json", unknown_key.dump(), "key.json: /populations/1/params: unknown key 'tau'"},
      {"weights csv", "csv.json", bad_csv.dump(), "w.csv: line 2: column 2: weight \"oops\" is not a finite number"},
      {"deep nesting", "deep.json", "{\"format\": " + std::string(300000, '[') + std::string(300000, ']') + "}",
       "deep.json: /format/0/0/0/0/0/0/0/...: nesting deeper than 256 levels"},
      {"duplicate key", "dup.json", "{\"seed\": 1, \"seed\": 2}", "dup.json: /seed: duplicate key 'seed'"},
      {"double overflow", "big.json", "{\"seed\": 1e400}", "big.json: /seed: number overflow parsing '1e400'"},
  };
  for (const auto& c : cases) {
    const fs::path p = d.write(c.file_name, c.text);
    // A CSV error names the CSV file; everything else names the JSON file.
    const std::string named = c.expected.find("w.csv") == 0 ? (d.path / "w.csv").string() : p.string();
    {
      INFO(c.what << " / check");
      check_error(run_evsnn(d, "check " + quote(p.string())), named, c.expected);
    }
    {
      INFO(c.what << " / run");
      const fs::path out = d.path / ("out_" + c.file_name);
      check_error(run_evsnn(d, "run " + quote(p.string()) + " --out " + quote(out.string())), named, c.expected);
      CHECK_FALSE(fs::exists(out / "spikes.csv"));
    }
  }
}

TEST_CASE("cli: a missing file, or run without a duration, exits 2 with one error line") {
  temp_dir d;
  SUBCASE("missing file") {
    const std::string missing = (d.path / "nope.json").string();
    check_error(run_evsnn(d, "check " + quote(missing)), missing, "cannot open file");
    check_error(run_evsnn(d, "run " + quote(missing)), missing, "cannot open file");
  }
  SUBCASE("run without a duration") {
    json no_duration = small_net();
    no_duration.erase("duration_ms");
    const fs::path p = d.write("nodur.json", no_duration.dump());
    check_error(run_evsnn(d, "run " + quote(p.string())), p.string(), "/duration_ms: missing");
    // check does not need one.
    CHECK(run_evsnn(d, "check " + quote(p.string())).status == 0);
  }
}

namespace {
// Subcommand names listed under "Subcommands:" in CLI11's help text.
std::vector<std::string> subcommands_in(const std::string& help) {
  std::vector<std::string> names;
  bool in_list = false;
  for (const auto& line : lines_of(help)) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_list = true;
      continue;
    }
    if (!in_list) continue;
    if (line.empty() || line[0] != ' ') {
      if (!names.empty()) break;
      continue;
    }
    std::stringstream ss(line);
    std::string name;
    ss >> name;
    if (!name.empty()) names.push_back(name);
  }
  return names;
}
}  // namespace

TEST_CASE("cli: --help exits 0 for every subcommand") {
  temp_dir d;
  const result top = run_evsnn(d, "--help");
  CHECK(top.status == 0);
  const auto commands = subcommands_in(top.out);
  INFO(top.out);
  // The documented commands are listed (others may be added).
  for (const char* c : {"run", "check", "bench", "data", "train", "eval", "attack"})
    CHECK(std::find(commands.begin(), commands.end(), c) != commands.end());
  int checked = 0;
  for (const auto& c : commands) {
    const result r = run_evsnn(d, c + " --help");
    INFO(c << " --help: " << r.err);
    CHECK(r.status == 0);
    CHECK(!r.out.empty());
    ++checked;
    for (const auto& sub : subcommands_in(r.out)) {  // nested, e.g. data info
      const result rs = run_evsnn(d, c + " " + sub + " --help");
      INFO(c << " " << sub << " --help: " << rs.err);
      CHECK(rs.status == 0);
      CHECK(!rs.out.empty());
      ++checked;
    }
  }
  CHECK(checked >= 6);  // run, check, bench, data, data info, data show
  CHECK(run_evsnn(d, "--version").status == 0);
  // No subcommand, or an unknown one, is a usage error (non-zero).
  CHECK(run_evsnn(d, "").status != 0);
  CHECK(run_evsnn(d, "frobnicate").status != 0);
}

TEST_CASE("cli: times beyond 1e12 ms and steps that do not fit are refused with one line") {
  temp_dir d;
  const fs::path p = d.write("net.json", small_net().dump());
  result r = run_evsnn(d, "run " + quote(p.string()) + " --duration-ms 1e308");
  CHECK(r.status == 2);
  CHECK(r.err.find("--duration-ms: must be <= 1e12 ms, got 1e308") != std::string::npos);
  r = run_evsnn(d, "run " + quote(p.string()) + " --stepped --dt-ms 1e300");
  CHECK(r.status == 2);
  CHECK(r.err.find("--dt-ms 1e+300: longer than the run (100 ms): not one whole step") != std::string::npos);
  r = run_evsnn(d, "run " + quote(p.string()) + " --stepped --dt-ms 1e-300");
  CHECK(r.status == 2);
  CHECK(r.err.find("would take more than 1e9 steps") != std::string::npos);
  json net = small_net();
  net["duration_ms"] = 1e13;
  const fs::path q = d.write("long.json", net.dump());
  r = run_evsnn(d, "check " + quote(q.string()));
  CHECK(r.status == 2);
  CHECK(r.err.find("long.json: /duration_ms: must be <= 1e+12 ms") != std::string::npos);
}

TEST_CASE("cli: attack refuses bad options with one line and exit 2, before loading anything") {
  temp_dir d;
  std::ofstream(d.path / "train.json") << "{}";
  std::ofstream(d.path / "checkpoint.evsnn") << "x";
  for (const auto& [args, needle] : std::vector<std::pair<std::string, std::string>>{
           {"--eps 2", "--eps: each must be in [0, 1] (pixel units), got 2"},
           {"--methods pgd", "--methods: expected fgsm, nes or both, got 'pgd'"},
           {"--nes-sigma 0", "--nes-sigma: must be in (0, 1], got 0"},
           {"--nes-pairs 0", "--nes-pairs: must be at least 1"}}) {
    const result r = run_evsnn(d, "attack " + (d.path / "train.json").string() + " --checkpoint " +
                                      (d.path / "checkpoint.evsnn").string() + " " + args);
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find(needle) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

