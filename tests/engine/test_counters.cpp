// counters: totals, reset, and adding the counts of several runs of one network.
#include <doctest/doctest.h>

#include <stdexcept>

#include "engine/counters.hpp"

using namespace evsnn;

namespace {

run_counters make(std::uint64_t k) {
  run_counters c;
  c.populations.resize(2);
  c.projections.resize(1);
  c.populations[0] = {k, 2 * k, 3 * k, 4 * k, 5 * k, 6 * k};
  c.populations[1] = {10 * k, 0, 0, 0, 0, 0};
  c.projections[0] = {k, 7 * k, 8 * k, 9 * k, 11 * k, 12 * k};
  c.events = 13 * k;
  c.queue_pushes = 14 * k;
  c.queue_pops = 15 * k;
  c.ticks = 16 * k;
  return c;
}

}  // namespace

TEST_CASE("counters: totals and reset") {
  run_counters c = make(1);
  CHECK(c.total_spikes() == 11);
  CHECK(c.total_synaptic_events() == 15);
  CHECK(c.total_neuron_updates() == 2);
  c.reset();
  CHECK(c.populations.size() == 2);
  CHECK(c.total_spikes() == 0);
  CHECK(c.total_synaptic_events() == 0);
  CHECK(c.events == 0);
  CHECK(c.ticks == 0);
}

TEST_CASE("counters: add sums every field; an empty target takes the shape") {
  run_counters sum;
  sum.add(make(1));
  sum.add(make(2));
  const run_counters want = make(3);
  REQUIRE(sum.populations.size() == 2);
  REQUIRE(sum.projections.size() == 1);
  for (std::size_t p = 0; p < 2; ++p) {
    const auto& a = sum.populations[p];
    const auto& b = want.populations[p];
    CHECK(a.spikes == b.spikes);
    CHECK(a.neuron_updates == b.neuron_updates);
    CHECK(a.crossing_predictions == b.crossing_predictions);
    CHECK(a.wakeups_scheduled == b.wakeups_scheduled);
    CHECK(a.stale_wakeups == b.stale_wakeups);
    CHECK(a.dropped_inputs == b.dropped_inputs);
  }
  const auto& a = sum.projections[0];
  const auto& b = want.projections[0];
  CHECK(a.spikes_in == b.spikes_in);
  CHECK(a.synaptic_events == b.synaptic_events);
  CHECK(a.graded_events == b.graded_events);
  CHECK(a.trace_updates == b.trace_updates);
  CHECK(a.weight_updates == b.weight_updates);
  CHECK(a.rule_ops == b.rule_ops);
  CHECK(sum.events == want.events);
  CHECK(sum.queue_pushes == want.queue_pushes);
  CHECK(sum.queue_pops == want.queue_pops);
  CHECK(sum.ticks == want.ticks);
}

TEST_CASE("counters: adding counts of another network is an error") {
  run_counters c = make(1);
  run_counters other;
  other.populations.resize(3);
  CHECK_THROWS_AS(c.add(other), std::invalid_argument);
}
