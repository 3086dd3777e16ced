// Cost of counting, and of the time-stepped twin. The engine's counters are always on: plain uint64
// increments, a handful per event (the row's synaptic events and neuron updates are added once per
// delivered row, not per synapse). Their overhead is measured against a build with every increment
// removed (the procedure and figures are in docs/benchmarks.md, "Counters and the stepped twin");
// this program times the same runs in-tree so the comparison can be repeated:
//   build/tests/bench_counters --benchmark_min_time=1 --benchmark_repetitions=5
// Counter-only work is also timed in isolation: the exact increments one ff run makes, replayed on a
// run_counters object (an upper bound for what counting can cost inside the run).
#include <benchmark/benchmark.h>

#include "engine/network_loader.hpp"
#include "engine/simulator.hpp"
#include "engine/stepped_simulator.hpp"
#include "models/builtin_models.hpp"
#include "tools/bench_networks.hpp"

using namespace evsnn;

namespace {

std::unique_ptr<network> load(const char* name) {
  static const model_registry models = builtin_model_registry();
  return build_network(cli::bench_network(name), name, ".", models);
}

void event_driven(benchmark::State& state, const char* name) {
  auto net = load(name);
  simulator sim(*net, net->seed);
  sim.record_spikes(false);
  sim.run(net->duration_ms);
  const auto per_run = static_cast<double>(sim.counters().total_synaptic_events());  // counters accumulate over runs
  for (auto _ : state) {
    sim.run(net->duration_ms);
    benchmark::DoNotOptimize(sim.counters().total_synaptic_events());
  }
  state.counters["synaptic_events/s"] = benchmark::Counter(per_run, benchmark::Counter::kIsIterationInvariantRate);
}

void time_stepped(benchmark::State& state, const char* name, double dt_ms) {
  auto net = load(name);
  stepped_simulator sim(*net, dt_ms, net->seed);
  sim.record_spikes(false);
  for (auto _ : state) {
    sim.run(net->duration_ms);
    benchmark::DoNotOptimize(sim.counters().total_synaptic_events());
  }
  state.counters["neuron_updates/s"] = benchmark::Counter(static_cast<double>(sim.counters().total_neuron_updates()),
                                                          benchmark::Counter::kIsIterationInvariantRate);
}

// The increments of one ff run (per event, per delivered row, per prediction, per spike, per
// wakeup), replayed alone on the same counter layout.
void counting_only(benchmark::State& state) {
  auto net = load("ff");
  simulator sim(*net, net->seed);
  sim.record_spikes(false);
  sim.run(net->duration_ms);
  const run_counters c = sim.counters();
  std::uint64_t rows = 0, predictions = 0, spikes = 0, wakeups = 0, stale = 0;
  for (const auto& p : c.projections) rows += p.spikes_in;
  for (const auto& p : c.populations) {
    predictions += p.crossing_predictions;
    spikes += p.spikes;
    wakeups += p.wakeups_scheduled;
    stale += p.stale_wakeups;
  }
  const std::uint64_t increments = c.events + 3 * rows + predictions + 2 * spikes + wakeups + stale;
  run_counters target = c;
  for (auto _ : state) {
    population_counters& pc = target.populations[1];
    projection_counters& jc = target.projections[1];
    for (std::uint64_t i = 0; i < increments; ++i) {
      ++pc.crossing_predictions;
      benchmark::ClobberMemory();
    }
    benchmark::DoNotOptimize(jc);
  }
  state.counters["increments_per_run"] = static_cast<double>(increments);
}

}  // namespace

BENCHMARK_CAPTURE(event_driven, ff, "ff")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(event_driven, recurrent, "recurrent")->Unit(benchmark::kMillisecond);
BENCHMARK(counting_only)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(time_stepped, ff_dt1, "ff", 1.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(time_stepped, ff_dt0_1, "ff", 0.1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(time_stepped, recurrent_dt0_1, "recurrent", 0.1)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
