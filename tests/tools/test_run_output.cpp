// evsnn run's outputs as a real process: spikes streamed in bounded memory, SIGINT stopping a run
// cleanly (exit 130, outputs so far marked interrupted), --max-spikes / --max-events and the bound on
// pending events of a runaway network (--max-pending; exit 2), output
// folders replaced as a set (no temporaries left, no mix of two runs), samples that drain, and
// unwritable --out folders (exit 2, one line) for run, energy and bench --export.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/npy_reader.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/runaway_network.hpp"
#include "tools/run_output.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace evsnn::test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

// Two lif_delta neurons exciting each other through a 1 µs delay once an input at 1 ms starts them:
// they spike forever (one spike per event), ~10^6 spikes per simulated second.
json runaway_net(double duration_ms) {
  json net = json::parse(R"({"format": "evsnn-network/1",
    "populations": [
      {"name": "in", "model": "spike_source", "size": 1, "params": {"spikes": [[1.0, 0]]}},
      {"name": "e", "model": "lif_delta", "size": 2, "params": {"tau_mem_ms": 10, "threshold": 1}}],
    "projections": [
      {"pre": "in", "post": "e", "weights": [[2, 2]]},
      {"pre": "e", "post": "e", "delay_ms": 0.001, "weights": [[0, 2], [2, 0]]}]})");
  net["duration_ms"] = duration_ms;
  return net;
}

// Exit status of pid (128 + signal when killed by one); its peak resident memory in KiB.
int wait_for(pid_t pid, long* max_rss_kib = nullptr) {
  int status = 0;
  rusage ru{};
  ::wait4(pid, &status, 0, &ru);
  if (max_rss_kib != nullptr) *max_rss_kib = ru.ru_maxrss;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A started evsnn process; killed if the test ends (a failed REQUIRE) before it was waited for.
struct child {
  pid_t pid = -1;
  bool reaped = false;
  explicit child(pid_t p) : pid(p) {}
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  int wait(long* max_rss_kib = nullptr) {
    reaped = true;
    return wait_for(pid, max_rss_kib);
  }
  ~child() {
    if (reaped || pid <= 0) return;
    ::kill(pid, SIGKILL);
    wait_for(pid);
  }
};

// The temporary spikes file of a running evsnn in dir, once it holds more than min_bytes.
bool streaming(const fs::path& dir, std::uintmax_t min_bytes) {
  std::error_code ec;
  for (const auto& t : fs::directory_iterator(dir, ec))
    if (t.path().filename().string().rfind(".evsnn-tmp-", 0) == 0)
      for (const auto& f : fs::directory_iterator(t.path(), ec))
        if (f.path().filename().string().rfind("spikes.csv", 0) == 0 && fs::file_size(f.path(), ec) > min_bytes)
          return true;
  return false;
}

// Names in dir that are evsnn temporaries.
std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.find(".tmp.") != std::string::npos || n.rfind(".evsnn-tmp-", 0) == 0) found.push_back(n);
  }
  return found;
}

void check_one_error_line(const cli_result& r, const std::string& expected) {
  INFO("stderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.rfind("evsnn: error: ", 0) == 0);
  CHECK(r.err.find(expected) != std::string::npos);
}

// Spike rows of spikes.csv (header excluded) and the time of the last one.
std::size_t spike_rows(const fs::path& csv, double* last_t = nullptr) {
  const auto lines = lines_of(read_text(csv));
  REQUIRE(!lines.empty());
  CHECK(lines[0] == "time_ms,population,neuron");
  if (last_t != nullptr && lines.size() > 1) *last_t = std::stod(lines.back().substr(0, lines.back().find(',')));
  return lines.size() - 1;
}

}  // namespace

TEST_CASE("run: SIGINT stops a runaway run cleanly: exit 130, the spikes so far, marked interrupted") {
  cli_temp_dir d;
  const fs::path net = d.write("loop.json", runaway_net(1e9).dump());
  const fs::path out = d.path / "out";
  child run(spawn_evsnn({"run", net.string(), "--out", out.string()}, d.path / "o.txt", d.path / "e.txt"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!streaming(out, 100000) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(streaming(out, 100000));  // spikes reach the file while the run goes on
  ::kill(run.pid, SIGINT);
  const int status = run.wait();
  const std::string err = read_text(d.path / "e.txt");
  INFO("stderr: " << err);
  CHECK(status == 130);
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  CHECK(err.rfind("evsnn: interrupted (SIGINT) at t = ", 0) == 0);

  const json summary = json::parse(read_text(out / "summary.json"));
  const json counters = json::parse(read_text(out / "counters.json"));
  CHECK(summary["status"] == "interrupted");
  CHECK(summary["stop_reason"] == "SIGINT");
  CHECK(counters["status"] == "interrupted");
  const double at = summary["stopped_at_ms"].get<double>();
  CHECK(at > 1.0);
  CHECK(at < 1e9);
  CHECK(counters["stopped_at_ms"].get<double>() == at);
  CHECK(summary["duration_ms"].get<double>() == at);  // rates over the time simulated
  double last = 0;
  // Every spike counted is in the file, the last one at the time the run stopped.
  CHECK(spike_rows(out / "spikes.csv", &last) == summary["spikes"].get<std::size_t>());
  CHECK(last == at);
  CHECK(read_text(d.path / "o.txt").find("interrupted at t = ") != std::string::npos);
  CHECK(temporaries(out).empty());
}

TEST_CASE("run: --max-spikes and --max-events stop a run with one line, exit 2, outputs marked stopped") {
  cli_temp_dir d;
  const fs::path net = d.write("loop.json", runaway_net(1e9).dump());
  const fs::path out = d.path / "out";
  cli_result r = run_cli(d, "run " + shell_quote(net.string()) + " --out " + shell_quote(out.string()) +
                                " --max-spikes 1000");
  check_one_error_line(r, "run stopped after 1001 spikes (--max-spikes 1000) at t = ");
  json summary = json::parse(read_text(out / "summary.json"));
  CHECK(summary["status"] == "stopped");
  CHECK(summary["stop_reason"] == "--max-spikes 1000");
  CHECK(summary["spikes"] == 1001);
  CHECK(spike_rows(out / "spikes.csv") == 1001);

  r = run_cli(d, "run " + shell_quote(net.string()) + " --out " + shell_quote(out.string()) + " --max-events 5000");
  check_one_error_line(r, "run stopped after 5000 events (--max-events 5000) at t = ");
  summary = json::parse(read_text(out / "summary.json"));
  CHECK(summary["status"] == "stopped");
  CHECK(summary["events"] == 5000);
  CHECK(spike_rows(out / "spikes.csv") == summary["spikes"].get<std::size_t>());
  CHECK(temporaries(out).empty());

  // Within the limits: complete, exit 0.
  r = run_cli(d, "run " + shell_quote(net.string()) + " --duration-ms 1.01 --max-events 1000000 --json");
  REQUIRE(r.status == 0);
  CHECK(json::parse(r.out)["status"] == "complete");
}

TEST_CASE("run: a runaway network stops at the bound on pending events (exit 2, one line), memory bounded") {
  cli_temp_dir d;
  const fs::path net = d.write("grow.json", growing_runaway_network().dump());
  const fs::path out = d.path / "out";
  cli_result r = run_cli(d, "run " + shell_quote(net.string()) + " --out " + shell_quote(out.string()) +
                                " --max-pending 2000");
  check_one_error_line(r, "grow.json: run stopped: ");
  CHECK(r.err.find(" events pending at t = ") != std::string::npos);
  CHECK(r.err.find("more than the limit of 2000") != std::string::npos);
  CHECK(r.err.find("--max-pending N sets the limit") != std::string::npos);
  const json summary = json::parse(read_text(out / "summary.json"));
  CHECK(summary["status"] == "stopped");
  CHECK(summary["stop_reason"] == "pending events over --max-pending");
  CHECK(summary["duration_ms"].get<double>() < 1000.0);
  CHECK(spike_rows(out / "spikes.csv") == summary["spikes"].get<std::size_t>());
  CHECK(temporaries(out).empty());

  // The default bound (2^20 events for a network this small) stops it too, in bounded memory: the queue at
  // most 80 MiB, against gigabytes within a minute without it.
  child run(spawn_evsnn({"run", net.string()}, d.path / "o.txt", d.path / "e.txt"));
  long rss_kib = 0;
  CHECK(run.wait(&rss_kib) == 2);
  INFO("peak RSS " << rss_kib << " KiB");
#if defined(__SANITIZE_ADDRESS__)
  constexpr long bound_kib = 1024 * 1024;  // AddressSanitizer's shadow memory and 256 MB quarantine
#else
  constexpr long bound_kib = 400 * 1024;
#endif
  CHECK(rss_kib < bound_kib);
  CHECK(read_text(d.path / "e.txt").find("more than the limit of 1048576") != std::string::npos);

  // --max-pending 0 lifts the bound (another guard then stops it); --stepped refuses it.
  r = run_cli(d, "run " + shell_quote(net.string()) + " --max-pending 0 --max-events 300000");
  check_one_error_line(r, "run stopped after 300000 events (--max-events 300000)");
  r = run_cli(d, "run " + shell_quote(net.string()) + " --stepped --max-pending 10");
  check_one_error_line(r, "--max-pending guard event-driven runs only");
}

TEST_CASE("run: memory does not grow with the number of spikes written") {
  cli_temp_dir d;
  const fs::path net = d.write("loop.json", runaway_net(1e9).dump());
  auto peak_rss_kib = [&](const char* duration_ms) {
    child run(spawn_evsnn({"run", net.string(), "--out", (d.path / "out").string(), "--duration-ms", duration_ms},
                    d.path / "o.txt", d.path / "e.txt"));
    long rss_kib = 0;
    CHECK(run.wait(&rss_kib) == 0);
    return rss_kib;
  };
  // 8 M spikes more: 128 MB as in-memory records alone; streamed, the process does not grow
  // (compared with a short run, so that sanitizer builds measure the same way).
  const long short_run = peak_rss_kib("250"), long_run = peak_rss_kib("4250");  // ~2 spikes per µs
  INFO("peak RSS " << short_run << " KiB, then " << long_run << " KiB");
  CHECK(long_run < short_run + 16 * 1024);
  CHECK(spike_rows(d.path / "out" / "spikes.csv") > 8000000);
}

TEST_CASE("run: a killed run leaves nothing the next run does not clean; a run replaces the previous set") {
  cli_temp_dir d;
  const fs::path loop = d.write("loop.json", runaway_net(1e9).dump());
  const fs::path out = d.path / "out";
  // Killed hard while streaming: its temporary folder stays ...
  child run(spawn_evsnn({"run", loop.string(), "--out", out.string()}, d.path / "o.txt", d.path / "e.txt"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!streaming(out, 1000) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::kill(run.pid, SIGKILL);
  CHECK(run.wait() == 128 + SIGKILL);
  const pid_t pid = run.pid;
  CHECK(!temporaries(out).empty());
  CHECK_FALSE(fs::exists(out / "summary.json"));
  // ... and so does a stale atomic_file temporary of a process that is gone.
  d.write("out/summary.json.tmp." + std::to_string(pid), "{}");
  d.write("out/mine.txt", "the user's own file");

  // A network with a li readout writes readout.csv ...
  json with_li = runaway_net(3.0);
  with_li["populations"].push_back({{"name", "ro"}, {"model", "li"}, {"size", 1}, {"params", {{"tau_mem_ms", 5}}}});
  with_li["projections"].push_back({{"pre", "e"}, {"post", "ro"}, {"weights", json::parse("[[1.0], [1.0]]")}});
  const fs::path li = d.write("li.json", with_li.dump());
  cli_result r = run_cli(d, "run " + shell_quote(li.string()) + " --out " + shell_quote(out.string()));
  REQUIRE(r.status == 0);
  CHECK(temporaries(out).empty());
  CHECK(fs::exists(out / "readout.csv"));
  const auto manifest = lines_of(read_text(out / ".evsnn-run.manifest"));
  CHECK(std::find(manifest.begin(), manifest.end(), "readout.csv") != manifest.end());

  // ... the next run into the folder does not: no readout.csv of the other run stays beside its files.
  const fs::path small = d.write("small.json", runaway_net(1.5).dump());
  r = run_cli(d, "run " + shell_quote(small.string()) + " --out " + shell_quote(out.string()));
  REQUIRE(r.status == 0);
  CHECK_FALSE(fs::exists(out / "readout.csv"));
  const json summary = json::parse(read_text(out / "summary.json"));
  CHECK(summary["duration_ms"].get<double>() == 1.5);
  CHECK(spike_rows(out / "spikes.csv") == summary["spikes"].get<std::size_t>());
  CHECK(read_text(out / "mine.txt") == "the user's own file");
  CHECK(temporaries(out).empty());

  // A folder of an older evsnn (no manifest) loses the files run writes, not the others.
  fs::remove(out / ".evsnn-run.manifest");
  d.write("out/readout.csv", "stale");
  r = run_cli(d, "run " + shell_quote(small.string()) + " --out " + shell_quote(out.string()));
  REQUIRE(r.status == 0);
  CHECK_FALSE(fs::exists(out / "readout.csv"));
  CHECK(fs::exists(out / "mine.txt"));
}

TEST_CASE("run --data: each sample runs for the duration, or drains until the spikes in flight arrive") {
  cli_temp_dir d;
  // in -> out through a 5 ms delay; each input at 1 or 2 ms makes out spike once, after 6 or 7 ms.
  const json net = json::parse(R"({"format": "evsnn-network/1",
    "populations": [
      {"name": "in", "model": "spike_source", "size": 1, "params": {"external": true}},
      {"name": "out", "model": "lif_alpha", "size": 1, "params": {"tau_mem_ms": 10, "threshold": 0.5}}],
    "projections": [{"pre": "in", "post": "out", "delay_ms": 5, "weights": [[3.0]]}]})");
  const fs::path path = d.write("net.json", net.dump());
  const fs::path events = d.write("e.csv", "sample,time_ms,channel,label\n0,1.0,0,1\n1,2.0,0,0\n");
  const std::string data = " --data " + shell_quote("csv:train=" + events.string());
  const fs::path out = d.path / "out";
  // lif_alpha (tau 10) after one input of weight 3 at t: the earlier root of 3 (y - y^2) = 0.5.
  const double lag = -10.0 * std::log((1.0 + std::sqrt(1.0 - 4.0 * 0.5 / 3.0)) / 2.0);

  cli_result r = run_cli(d, "run " + shell_quote(path.string()) + data + " --out " + shell_quote(out.string()));
  REQUIRE(r.status == 0);
  auto lines = lines_of(read_text(out / "spikes.csv"));
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == "sample,time_ms,population,neuron");
  CHECK(lines[1] == "0,1,in,0");
  CHECK(lines[2].rfind("0,", 0) == 0);
  CHECK(std::fabs(std::stod(lines[2].substr(2)) - (6.0 + lag)) < 1e-9);  // after the last input: kept
  CHECK(lines[4].rfind("1,", 0) == 0);
  CHECK(std::fabs(std::stod(lines[4].substr(2)) - (7.0 + lag)) < 1e-9);
  auto samples = lines_of(read_text(out / "samples.csv"));
  REQUIRE(samples.size() == 3);
  CHECK(samples[0] == "sample,label,spikes,duration_ms");
  CHECK(samples[1].rfind("0,1,2,", 0) == 0);
  CHECK(std::fabs(std::stod(samples[1].substr(6)) - (6.0 + lag)) < 1e-9);  // ends at its last spike

  // --duration-ms (or the network's duration_ms): every sample that long, whatever its input.
  r = run_cli(d, "run " + shell_quote(path.string()) + data + " --duration-ms 20 --out " + shell_quote(out.string()));
  REQUIRE(r.status == 0);
  samples = lines_of(read_text(out / "samples.csv"));
  REQUIRE(samples.size() == 3);
  CHECK(samples[1] == "0,1,2,20");
  CHECK(samples[2] == "1,0,2,20");
  CHECK(json::parse(read_text(out / "summary.json"))["duration_ms"].get<double>() == 40.0);
  r = run_cli(d, "run " + shell_quote(path.string()) + data + " --duration-ms 5 --out " + shell_quote(out.string()));
  REQUIRE(r.status == 0);
  CHECK(lines_of(read_text(out / "samples.csv"))[1] == "0,1,1,5");  // the output spike comes after 5 ms

  // A network with a Poisson source of its own never drains.
  json noisy = net;
  noisy["populations"].push_back({{"name", "noise"}, {"model", "spike_source"}, {"size", 1}, {"params", {{"rate_hz", 5}}}});
  const fs::path noisy_path = d.write("noisy.json", noisy.dump());
  r = run_cli(d, "run " + shell_quote(noisy_path.string()) + data);
  check_one_error_line(r, "population 'noise' is a Poisson source");
  r = run_cli(d, "run " + shell_quote(noisy_path.string()) + data + " --duration-ms 10");
  CHECK(r.status == 0);
}

TEST_CASE("run, energy, bench --export: an unwritable --out is one line, exit 2, before any work") {
  cli_temp_dir d;
  const fs::path net = d.write("net.json", runaway_net(2.0).dump());
  const fs::path file = d.write("a_file", "x");
  const std::string under_file = shell_quote((file / "out").string());
  check_one_error_line(run_cli(d, "run " + shell_quote(net.string()) + " --out " + under_file),
                       "cannot create output folder");
  check_one_error_line(run_cli(d, "energy " + shell_quote(net.string()) + " --out " + under_file),
                       "cannot create output folder");
  check_one_error_line(run_cli(d, "bench --export " + under_file), "cannot create output folder");
  if (::geteuid() != 0) {  // root writes into read-only folders
    const fs::path ro = d.path / "ro";
    fs::create_directories(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    check_one_error_line(run_cli(d, "run " + shell_quote(net.string()) + " --out " + shell_quote(ro.string())),
                         "not writable");
    check_one_error_line(run_cli(d, "bench --export " + shell_quote(ro.string())), "not writable");
    fs::permissions(ro, fs::perms::owner_all);
  }
  // bench --export and energy --out write their set and nothing else.
  const fs::path exp = d.path / "exp";
  REQUIRE(run_cli(d, "bench ff --export " + shell_quote(exp.string())).status == 0);
  CHECK(fs::exists(exp / "bench_ff.json"));
  CHECK(temporaries(exp).empty());
  // An unknown network is the error, before any table line or exported file.
  const cli_result unknown = run_cli(d, "bench ff nonesuch --export " + shell_quote((d.path / "exp2").string()));
  check_one_error_line(unknown, "unknown benchmark network 'nonesuch' (known: ff, recurrent, recurrent_cuba)");
  CHECK(!fs::exists(d.path / "exp2"));
  const cli_result unknown_run = run_cli(d, "bench ff nonesuch");
  check_one_error_line(unknown_run, "unknown benchmark network 'nonesuch'");
  CHECK(unknown_run.out.empty());
}

TEST_CASE("bench --refractory-ms, --reset: set on every spiking population, exported and run; bad values refused") {
  cli_temp_dir d;
  const fs::path exp = d.path / "exp";
  REQUIRE(run_cli(d, "bench recurrent_cuba --refractory-ms 2 --reset zero --export " + shell_quote(exp.string()))
              .status == 0);
  const json net = json::parse(read_text(exp / "bench_recurrent_cuba.json"));
  int spiking = 0;
  for (const json& pop : net["populations"]) {
    if (pop["model"] == "spike_source") {
      CHECK_FALSE(pop["params"].contains("refractory_ms"));
      continue;
    }
    CHECK(pop["params"]["refractory_ms"] == 2.0);
    CHECK(pop["params"]["reset"] == "zero");
    ++spiking;
  }
  CHECK(spiking == 2);
  CHECK(net["description"].get<std::string>().find("refractory 2 ms, reset zero") != std::string::npos);
  // The run reports them, and a refractory period changes the activity.
  const cli_result plain = run_cli(d, "bench ff --repeat 1 --json");
  const cli_result held = run_cli(d, "bench ff --repeat 1 --json --refractory-ms 5 --reset zero");
  REQUIRE(plain.status == 0);
  REQUIRE(held.status == 0);
  const json a = json::parse(plain.out)[0], b = json::parse(held.out)[0];
  CHECK(a["refractory_ms"].is_null());
  CHECK(b["refractory_ms"] == 5.0);
  CHECK(b["reset"] == "zero");
  CHECK(b["spikes"].get<std::uint64_t>() < a["spikes"].get<std::uint64_t>());
  check_one_error_line(run_cli(d, "bench ff --refractory-ms -1"), "--refractory-ms");
  check_one_error_line(run_cli(d, "bench ff --refractory-ms nan"), "--refractory-ms");
  check_one_error_line(run_cli(d, "bench ff --reset sometimes"), "--reset");
}

TEST_CASE("run --spikes-format npy: spikes.npy holds exactly the rows of spikes.csv, numpy's layout") {
  cli_temp_dir d;
  const json net = json::parse(R"({"format": "evsnn-network/1", "duration_ms": 50,
    "populations": [
      {"name": "in", "model": "spike_source", "size": 2, "params": {"spikes": [[1.0, 0], [2.5, 1], [3.25, 0]]}},
      {"name": "out", "model": "lif_alpha", "size": 2, "params": {"tau_mem_ms": 10, "threshold": 0.5}}],
    "projections": [{"pre": "in", "post": "out", "delay_ms": 0.1, "weights": [[3.0, 0.1], [0.2, 3.0]]}]})");
  const fs::path path = d.write("net.json", net.dump());
  const fs::path csv_out = d.path / "csv", npy_out = d.path / "npy";
  REQUIRE(run_cli(d, "run " + shell_quote(path.string()) + " --out " + shell_quote(csv_out.string())).status == 0);
  REQUIRE(run_cli(d, "run " + shell_quote(path.string()) + " --spikes-format npy --out " + shell_quote(npy_out.string()))
              .status == 0);
  CHECK_FALSE(fs::exists(npy_out / "spikes.csv"));
  const std::string bytes = read_text(npy_out / "spikes.npy");
  CHECK(bytes.find("'descr': '<f8', 'fortran_order': False") != std::string::npos);
  const evsnn::npy_array a = evsnn::parse_npy(bytes, "spikes.npy", 1000);
  const auto lines = lines_of(read_text(csv_out / "spikes.csv"));
  REQUIRE(lines.size() >= 4);
  REQUIRE(a.shape == std::vector<std::uint64_t>{lines.size() - 1, 3});
  for (std::size_t k = 1; k < lines.size(); ++k) {
    std::istringstream row(lines[k]);
    std::string t, pop, neuron;
    std::getline(row, t, ',');
    std::getline(row, pop, ',');
    std::getline(row, neuron, ',');
    INFO(lines[k]);
    CHECK(a.values[(k - 1) * 3] == std::stod(t));  // both exact: shortest round-trip text and raw bits
    CHECK(a.values[(k - 1) * 3 + 1] == (pop == "in" ? 0.0 : 1.0));
    CHECK(a.values[(k - 1) * 3 + 2] == std::stod(neuron));
  }
  check_one_error_line(run_cli(d, "run " + shell_quote(path.string()) + " --spikes-format hdf5"), "--spikes-format");
}

TEST_CASE("spike files: the spikes of one instant in (population, neuron) order, whatever order they were emitted in") {
  const cli_temp_dir d;
  const std::vector<std::string> names{"a", "b"};
  {
    evsnn::cli::spike_csv_writer w(d.path / "s.csv", names, true);
    w.set_sample(4);
    for (const evsnn::spike_record& s : std::vector<evsnn::spike_record>{
             {1.5, 1, 3}, {1.5, 0, 9}, {1.5, 1, 0}, {2.0, 1, 1}, {2.0, 0, 2}, {2.5, 0, 0}})
      w.on_spike(s);
    w.set_sample(5);  // the held instant belongs to sample 4
    w.on_spike({0.5, 1, 7});
    w.on_spike({0.5, 0, 8});
    w.commit();
  }
  CHECK(read_text(d.path / "s.csv") ==
        "sample,time_ms,population,neuron\n4,1.5,a,9\n4,1.5,b,0\n4,1.5,b,3\n4,2,a,2\n4,2,b,1\n4,2.5,a,0\n5,0.5,a,8\n"
        "5,0.5,b,7\n");
}
