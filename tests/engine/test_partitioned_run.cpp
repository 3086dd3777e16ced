// partitioned_run and partition: a network dealt over 2 and 3 ranks (ranks as threads,
// tests/support/thread_ranks.hpp) gives exactly one process's spikes — same neurons, same times bit for
// bit — and counters that sum to one process's, on a recurrent network with several delays (long enough
// for the populations' reference times to move many times), a feed-forward network with inputs on a
// time grid (many same-time arrivals), a graded projection, a zero-delay pair and a readout, and with
// STDP on dealt postsynaptic neurons (the same final weights). Also the plan itself.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/network_loader.hpp"
#include "engine/partitioned_run.hpp"
#include "engine/spike_order.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tests/support/dealt_networks.hpp"
#include "tests/support/thread_ranks.hpp"

using namespace evsnn;
using nlohmann::json;

namespace {

struct outcome {
  std::vector<spike_record> spikes;  // (time, population, neuron) order
  run_counters counters;
  // Per projection: (pre, global post) -> weights in synapse order.
  std::vector<std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<double>>> weights;
  double window_ms = 0.0;
};

void take_weights(network& net, outcome& out, std::mutex* lock) {
  const partition& part = net.part();
  if (lock != nullptr) lock->lock();
  out.weights.resize(net.projection_count());
  for (std::uint32_t k = 0; k < net.projection_count(); ++k) {
    projection& pr = net.proj(k);
    for (std::uint32_t i = 0; i < pr.n_pre(); ++i) {
      const projection::row_view row = pr.row(i);
      for (std::size_t s = 0; s < row.post.size(); ++s)
        out.weights[k][{i, part.global_index(pr.post_population(), row.post[s])}].push_back(row.weights[s]);
    }
  }
  if (lock != nullptr) lock->unlock();
}

outcome one_process(const json& doc) {
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  auto net = build_network(doc, "net.json", ".", models, &rules);
  simulator sim(*net, net->seed);
  sim.run(net->duration_ms);
  outcome out;
  out.spikes = sim.spikes();
  std::stable_sort(out.spikes.begin(), out.spikes.end(), spike_order);
  out.counters = sim.counters();
  take_weights(*net, out, nullptr);
  return out;
}

class collect final : public spike_sink {
 public:
  void on_spike(const spike_record& s) override { spikes.push_back(s); }
  std::vector<spike_record> spikes;
};

outcome dealt(const json& doc, int ranks, partition_mode mode) {
  outcome out;
  std::mutex lock;
  test::thread_ranks::run(ranks, [&](communicator& comm) {
    const model_registry models = builtin_model_registry();
    const plasticity_registry rules = rules::builtin_plasticity_registry();
    const partition_request request{comm.rank(), comm.size(), mode};
    auto net = build_network(doc, "net.json", ".", models, &rules, &request);
    simulator sim(*net, net->seed);
    sim.record_spikes(false);
    collect c;
    partitioned_run run(sim, comm);
    bool complete = false;
    try {
      complete = run.run(net->duration_ms, &c);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "rank %d: %s\n", comm.rank(), e.what());
      comm.abort(3);
    }
    REQUIRE(complete);
    sim.counters().sum_over_ranks(comm, net->population_count(), net->projection_count());
    take_weights(*net, out, &lock);
    if (comm.rank() == 0) {
      out.spikes = c.spikes;
      out.counters = sim.counters();
      out.window_ms = net->part().window_ms();
    }
  });
  return out;
}

void check_same(const outcome& one, const outcome& many) {
  REQUIRE(one.spikes.size() == many.spikes.size());
  std::size_t differ = 0;
  for (std::size_t k = 0; k < one.spikes.size(); ++k) {
    const spike_record &a = one.spikes[k], &b = many.spikes[k];
    differ += a.time_ms != b.time_ms || a.population != b.population || a.neuron != b.neuron;
  }
  CHECK(differ == 0);
  for (std::size_t p = 0; p < one.counters.populations.size(); ++p) {
    const population_counters &a = one.counters.populations[p], &b = many.counters.populations[p];
    CHECK(a.spikes == b.spikes);
    CHECK(a.neuron_updates == b.neuron_updates);
    CHECK(a.crossing_predictions == b.crossing_predictions);
    CHECK(a.dropped_inputs == b.dropped_inputs);
  }
  for (std::size_t k = 0; k < one.counters.projections.size(); ++k) {
    const projection_counters &a = one.counters.projections[k], &b = many.counters.projections[k];
    CHECK(a.spikes_in == b.spikes_in);
    CHECK(a.synaptic_events == b.synaptic_events);
    CHECK(a.graded_events == b.graded_events);
    CHECK(a.trace_updates == b.trace_updates);
    CHECK(a.weight_updates == b.weight_updates);
  }
  REQUIRE(one.weights.size() == many.weights.size());
  for (std::size_t k = 0; k < one.weights.size(); ++k) {
    CAPTURE(k);
    CHECK(one.weights[k].size() == many.weights[k].size());
    std::size_t unequal = 0;  // synapses whose weights differ (bit for bit) or that one side lacks
    for (const auto& [key, w] : one.weights[k]) {
      const auto it = many.weights[k].find(key);
      unequal += it == many.weights[k].end() || it->second != w;
    }
    CHECK(unequal == 0);
  }
}

}  // namespace

TEST_CASE("partition: dealt, held whole, zero-delay groups together, readouts on rank 0, the window") {
  using po = partition::population_outline;
  const std::vector<po> pops{{100, true, false}, {240, false, false}, {61, false, false}, {2, false, false},
                             {30, false, false}, {30, false, false}, {5, false, true}};
  const std::vector<partition::projection_outline> links{{0, 1, 1.0}, {1, 2, 1.5}, {1, 1, 0.7}, {2, 3, 2.0},
                                                         {4, 5, 0.0}, {5, 6, 3.0}};
  const partition p = partition::plan(1, 3, partition_mode::neurons, pops, links);
  CHECK(p.owner(0) >= 0);  // a source
  CHECK(p.dealt(1));
  CHECK(p.dealt(2));
  CHECK(!p.dealt(3));  // fewer neurons than ranks
  CHECK(!p.dealt(4));
  CHECK(p.owner(4) == p.owner(5));  // joined by a zero-delay projection
  CHECK(p.owner(6) == 0);           // a readout
  CHECK(p.window_ms() == 0.7);
  CHECK(p.local_size(1, 240) == 80);
  CHECK(p.local_size(2, 61) == 20);  // 61 = 21 + 20 + 20: rank 1 holds 1, 4, ..., 58
  CHECK(p.global_index(2, 19) == 58);
  CHECK(p.holds(2, 58));
  CHECK(!p.holds(2, 57));
  CHECK(p.local_index(2, 58) == 19);
  CHECK(p.local_size(0, 100) == 100);  // held whole (perhaps by another rank: built whole, inactive)
  const partition whole = partition::plan(0, 3, partition_mode::populations, pops, links);
  for (std::uint32_t k = 0; k < pops.size(); ++k) CHECK(!whole.dealt(k));
  const partition one = partition::plan(0, 1, partition_mode::neurons, pops, links);
  CHECK(one.whole());
  CHECK(one.global_index(1, 7) == 7);
}

TEST_CASE("partitioned_run: a recurrent network on 2 and 3 ranks gives one process's spikes and counters") {
  const outcome one = one_process(test::recurrent_network(false));
  CHECK(one.spikes.size() > 1000);
  for (int ranks : {2, 3}) {
    CAPTURE(ranks);
    const outcome many = dealt(test::recurrent_network(false), ranks, partition_mode::neurons);
    CHECK(many.window_ms == 1.0);
    check_same(one, many);
  }
  const outcome by_population = dealt(test::recurrent_network(false), 2, partition_mode::populations);
  check_same(one, by_population);
}

TEST_CASE("partitioned_run: STDP on dealt postsynaptic neurons learns one process's weights") {
  const outcome one = one_process(test::recurrent_network(true));
  for (int ranks : {2, 3}) {
    CAPTURE(ranks);
    check_same(one, dealt(test::recurrent_network(true), ranks, partition_mode::neurons));
  }
}

TEST_CASE("partitioned_run: same-time arrivals, graded spikes, a zero-delay pair and a readout") {
  const outcome one = one_process(test::feed_forward_network());
  CHECK(one.spikes.size() > 300);
  for (int ranks : {2, 3}) {
    CAPTURE(ranks);
    const outcome many = dealt(test::feed_forward_network(), ranks, partition_mode::neurons);
    CHECK(many.window_ms == 0.5);
    check_same(one, many);
  }
}
