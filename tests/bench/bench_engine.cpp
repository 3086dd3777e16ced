// Engine benchmarks (Google Benchmark; speed is measured here, never asserted in tests):
//  - event_queue push/pop throughput at steady sizes, with future and same-time events;
//  - wakeup_heap updates (the per-population crossing heap);
//  - synaptic events per second on the standard networks (tools/bench_networks).
// Run: build/tests/bench_engine [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include "engine/event_queue.hpp"
#include "engine/network_loader.hpp"
#include "engine/rng.hpp"
#include "engine/simulator.hpp"
#include "engine/wakeup_heap.hpp"
#include "models/builtin_models.hpp"
#include "tools/bench_networks.hpp"

using namespace evsnn;

// Hold `size` events; each iteration pops the least and pushes one at a random later time.
static void bm_queue_hold(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  event_queue q;
  rng r(1);
  for (std::size_t k = 0; k < size; ++k) q.push(r.uniform(0.0, 10.0), event_kind::arrival, 0, 0);
  for (auto _ : state) {
    const event e = q.pop();
    q.push(e.time_ms + r.uniform(0.0, 10.0), event_kind::arrival, 0, 0);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);  // one push + one pop
}
BENCHMARK(bm_queue_hold)->Arg(16)->Arg(1024)->Arg(65536);

// Zero-delay fan-out: every pop pushes one event at the current time (FIFO path) and one later.
static void bm_queue_same_time(benchmark::State& state) {
  event_queue q;
  rng r(2);
  for (int k = 0; k < 1024; ++k) q.push(r.uniform(0.0, 10.0), event_kind::arrival, 0, 0);
  bool flip = false;
  for (auto _ : state) {
    const event e = q.pop();
    flip = !flip;
    q.push(flip ? e.time_ms : e.time_ms + r.uniform(0.0, 10.0), event_kind::arrival, 0, 0);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);
}
BENCHMARK(bm_queue_same_time);

// Moving predictions of `k` pending neurons among 4096 (the per-population crossing heap).
static void bm_wakeup_heap_update(benchmark::State& state) {
  const auto pending = static_cast<std::uint32_t>(state.range(0));
  wakeup_heap h(4096);
  rng r(3);
  for (std::uint32_t i = 0; i < pending; ++i) h.set(i, r.uniform(0.0, 10.0));
  for (auto _ : state) h.set(static_cast<std::uint32_t>(r.below(pending)), r.uniform(0.0, 10.0));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(bm_wakeup_heap_update)->Arg(16)->Arg(256)->Arg(4096);

static void bm_network(benchmark::State& state, const char* name) {
  const model_registry models = builtin_model_registry();
  auto net = build_network(cli::bench_network(name), name, ".", models);
  std::uint64_t events = 0;
  for (auto _ : state) {
    simulator sim(*net, net->seed);
    sim.record_spikes(false);
    sim.run(net->duration_ms);
    events += sim.counters().total_synaptic_events();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.counters["syn_events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(bm_network, ff, "ff")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_network, recurrent, "recurrent")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_network, recurrent_cuba, "recurrent_cuba")->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
