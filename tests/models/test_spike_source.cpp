// spike_source: CSV replay is exact; Poisson has the right rate and is seeded; presenter input.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/error.hpp"
#include "models/lif_delta.hpp"
#include "models/spike_source.hpp"
#include "tests/support/single_neuron.hpp"

using namespace evsnn;

namespace {
std::vector<spike_record> run_source(std::unique_ptr<spike_source> src, double T, std::uint64_t seed) {
  network net;
  net.add_population(std::move(src));
  simulator sim(net, seed);
  sim.run(T);
  return sim.spikes();
}
}  // namespace

TEST_CASE("spike_source: CSV replay emits every event at its exact time") {
  const auto dir = std::filesystem::temp_directory_path() / "evsnn_test_source";
  std::filesystem::create_directories(dir);
  const auto file = dir / "in.csv";
  std::ofstream(file) << "time_ms,channel\n0.125,3\n2.0000000000000004,1\n2.0000000000000004,0\n7,2,0.5\n";
  const auto events = read_spike_csv(file.string(), 4);
  REQUIRE(events.size() == 4);
  const auto spikes = run_source(spike_source::replay("in", 4, events), 10.0, 1);
  REQUIRE(spikes.size() == 4);
  CHECK(spikes[0].time_ms == 0.125);
  CHECK(spikes[0].neuron == 3);
  CHECK(spikes[1].time_ms == 2.0000000000000004);
  CHECK(spikes[1].neuron == 0);  // same time: channel order
  CHECK(spikes[2].neuron == 1);
  CHECK(spikes[3].time_ms == 7.0);
  CHECK(events[3].grade == 0.5f);
  std::ofstream(file) << "time_ms,channel\n1,9\n";
  CHECK_THROWS_WITH_AS(read_spike_csv(file.string(), 4), doctest::Contains("in.csv: line 2: column 2: channel 9 out of range"),
                       input_error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("spike_source: spike CSVs with LF, CRLF and lone CR line ends read the same; a folder is an error") {
  const auto dir = std::filesystem::temp_directory_path() / "evsnn_test_source_ends";
  std::filesystem::create_directories(dir);
  const auto file = dir / "in.csv";
  std::vector<std::vector<input_event>> got;
  for (const char* end : {"\n", "\r\n", "\r"}) {
    std::ofstream(file, std::ios::binary) << "time_ms,channel" << end << "0.5,1" << end << "1.5,3,0.25" << end;
    got.push_back(read_spike_csv(file.string(), 4));
  }
  REQUIRE(got[0].size() == 2);
  CHECK(got[0][1].time_ms == 1.5);
  CHECK(got[0][1].channel == 3);
  CHECK(got[0][1].grade == 0.25f);
  for (const auto& g : got) {
    REQUIRE(g.size() == got[0].size());
    for (std::size_t k = 0; k < g.size(); ++k) {
      CHECK(g[k].time_ms == got[0][k].time_ms);
      CHECK(g[k].channel == got[0][k].channel);
      CHECK(g[k].grade == got[0][k].grade);
    }
  }
  // Errors on CR-only files name the right line.
  std::ofstream(file, std::ios::binary) << "time_ms,channel\r0.5,1\r1,9\r";
  CHECK_THROWS_WITH_AS(read_spike_csv(file.string(), 4),
                       doctest::Contains("in.csv: line 3: column 2: channel 9 out of range"), input_error);
  CHECK_THROWS_WITH_AS(read_spike_csv(dir.string(), 4), (dir.string() + ": is a folder, not a file").c_str(),
                       input_error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("spike_source: Poisson rate, independence of neurons and seeding") {
  const std::uint32_t n = 200;
  const double rate = 20.0, T = 5000.0;
  const auto a = run_source(spike_source::poisson("p", n, rate), T, 7);
  const double expected = n * rate * T * 1e-3;  // 20000
  CHECK(std::fabs(static_cast<double>(a.size()) - expected) < 5.0 * std::sqrt(expected));
  std::vector<int> per(n, 0);
  for (const auto& s : a) ++per[s.neuron];
  const double mean = expected / n;
  double chi2 = 0;
  for (int c : per) chi2 += (c - mean) * (c - mean) / mean;
  CHECK(chi2 < n + 6.0 * std::sqrt(2.0 * n));  // counts per neuron are Poisson(mean)
  for (std::size_t k = 1; k < a.size(); ++k) CHECK(a[k].time_ms >= a[k - 1].time_ms);
  const auto b = run_source(spike_source::poisson("p", n, rate), T, 7);
  REQUIRE(b.size() == a.size());
  bool same = true;
  for (std::size_t k = 0; k < a.size(); ++k) same &= a[k].time_ms == b[k].time_ms && a[k].neuron == b[k].neuron;
  CHECK(same);
  const auto c = run_source(spike_source::poisson("p", n, rate), T, 8);
  CHECK((c.size() != a.size() || c[0].time_ms != a[0].time_ms));
}

TEST_CASE("spike_source: presenter input is replayed relative to each sample's begin") {
  network net;
  net.add_population(spike_source::input("in", 2));
  simulator sim(net, 1);
  const std::vector<input_event> sample{{0.5, 1, 1.f}, {2.0, 0, 3.f}};
  net.pop(0).set_input(sample);
  sim.begin_sample(0.0, true);
  sim.end_sample(10.0);
  sim.begin_sample(10.0, false);  // continuous stream: time carries on
  sim.end_sample(20.0);
  REQUIRE(sim.spikes().size() == 4);
  CHECK(sim.spikes()[0].time_ms == 0.5);
  CHECK(sim.spikes()[2].time_ms == 10.5);
  CHECK(sim.spikes()[3].time_ms == 12.0);
}
