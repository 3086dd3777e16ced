// simulator: delays, zero-delay order, hooks, counters and determinism on whole networks; the stop poll,
// event/spike limits and the bound on pending events (a runaway network).
#include <doctest/doctest.h>

#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/network_loader.hpp"
#include "engine/simulator.hpp"
#include "models/builtin_models.hpp"
#include "models/lif_delta.hpp"
#include "models/spike_source.hpp"
#include "tests/support/runaway_network.hpp"
#include "tools/bench_networks.hpp"

using namespace evsnn;

namespace {
// Spike records equal field by field, times bit for bit.
bool same_bits(const std::vector<spike_record>& a, const std::vector<spike_record>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (std::bit_cast<std::uint64_t>(a[k].time_ms) != std::bit_cast<std::uint64_t>(b[k].time_ms) ||
        a[k].population != b[k].population || a[k].neuron != b[k].neuron ||
        std::bit_cast<std::uint32_t>(a[k].grade) != std::bit_cast<std::uint32_t>(b[k].grade))
      return false;
  return true;
}
}  // namespace

namespace {

std::unique_ptr<lif_delta> relay(std::uint32_t n) {
  spiking_params p;
  p.threshold.assign(n, 1.0);
  return std::make_unique<lif_delta>("relay", n, 10.0, p);
}

struct recording_hook : hook {
  std::vector<std::string> log;
  void on_pre(const pre_context& c) override { log.push_back(fmt_pre(c)); }
  void on_post(const post_context& c) override {
    log.push_back("post " + std::to_string(c.projection_id) + ":" + std::to_string(c.post) + "@" + std::to_string(c.t_ms));
    c.counters.weight_updates += c.proj.incoming(c.post).size();
  }
  void on_tick(double t) override { log.push_back("tick@" + std::to_string(t)); }
  void on_sample_begin(double t, std::uint64_t s) override { log.push_back("begin " + std::to_string(s) + "@" + std::to_string(t)); }
  void on_sample_end(double t, std::uint64_t s) override { log.push_back("end " + std::to_string(s) + "@" + std::to_string(t)); }
  static std::string fmt_pre(const pre_context& c) {
    return "pre " + std::to_string(c.projection_id) + ":" + std::to_string(c.pre) + "@" + std::to_string(c.t_ms);
  }
};

// A settling population (test-local, no model): an input asks for one settle at its time; the settle
// logs itself and fires neuron 0 when the step's input reached 1.
class settler final : public population {
 public:
  settler(std::string name, std::vector<std::string>& log) : population(std::move(name), 1), log_(log) {}
  const char* model() const override { return "settler"; }
  bool settles() const override { return true; }
  void reset(double) override { input_ = 0.0; }
  void deliver_dense(double t, std::span<const double> w, float s) override { add(t, w[0] * s); }
  void deliver_sparse(double t, std::span<const std::uint32_t>, std::span<const double> w, float s) override {
    add(t, w[0] * s);
  }
  void wakeup(double, std::uint32_t, std::uint32_t) override {}
  void settle(double t) override {
    log_.push_back("settle " + name() + "@" + std::to_string(t));
    if (input_ >= 1.0) port().emit_spike(id(), 0, t, 1.0f);
    input_ = 0.0;
    scheduled_ = false;
  }
  double potential(std::uint32_t, double) const override { return input_; }

 private:
  void add(double t, double x) {
    log_.push_back("input " + name() + "@" + std::to_string(t));
    input_ += x;
    if (!scheduled_) port().schedule_settle(id(), t);
    scheduled_ = true;
  }
  std::vector<std::string>& log_;
  double input_ = 0.0;
  bool scheduled_ = false;
};

struct tick_log : hook {
  std::vector<std::string>* log = nullptr;
  void on_tick(double t) override { log->push_back("tick@" + std::to_string(t)); }
};

}  // namespace

TEST_CASE("simulator: settles run after the ticks of their time, in rank order of zero-delay projections") {
  // Declared c, b, a; in -> a -> b -> c with zero delay, and in -> c directly: c's settle is asked for
  // first, yet runs last, after b's zero-delay spike reached it.
  std::vector<std::string> log;
  network net;
  net.add_population(std::make_unique<settler>("c", log));
  net.add_population(std::make_unique<settler>("b", log));
  net.add_population(std::make_unique<settler>("a", log));
  net.add_population(spike_source::replay("in", 1, {{1.0, 0, 1.f}}));
  net.add_population(relay(1));
  net.add_projection(projection("in->c", 3, 0, 1, 1, 0.0, false, {{0, 0, 0.5f}}));
  net.add_projection(projection("in->a", 3, 2, 1, 1, 0.0, false, {{0, 0, 1.f}}));
  net.add_projection(projection("a->b", 2, 1, 1, 1, 0.0, false, {{0, 0, 1.f}}));
  net.add_projection(projection("b->c", 1, 0, 1, 1, 0.0, false, {{0, 0, 0.5f}}));
  // Zero-delay projections with a non-settling end and delayed ones do not order settles.
  net.add_projection(projection("c->relay", 0, 4, 1, 1, 0.0, false, {{0, 0, 0.5f}}));
  net.add_projection(projection("c->a", 0, 2, 1, 1, 1.0, false, {{0, 0, 0.5f}}));
  simulator sim(net, 1);
  CHECK(sim.settle_ranks() == std::vector<std::uint32_t>{2, 1, 0, 0, 0});
  tick_log h;
  h.log = &log;
  hook_subscription sub;
  sub.tick_period_ms = 1.0;
  sim.add_hook(h, sub);
  sim.run(2.0);
  const std::vector<std::string> expected{"input c@1.000000", "input a@1.000000", "tick@1.000000",
                                          "settle a@1.000000", "input b@1.000000", "settle b@1.000000",
                                          "input c@1.000000", "settle c@1.000000", "input a@2.000000",
                                          "tick@2.000000", "settle a@2.000000"};
  CHECK(log == expected);
  // a, b, c spiked at 1 (c got 0.5 + 0.5 in its step); a not at 2 (0.5).
  REQUIRE(sim.spikes().size() == 4);
  CHECK(sim.spikes()[3].population == 0);
  CHECK(sim.spikes()[3].time_ms == 1.0);
  // A zero-delay loop among settling populations is refused.
  net.add_projection(projection("c->b", 0, 1, 1, 1, 0.0, false, {{0, 0, 1.f}}));
  std::string message;
  try {
    simulator loop(net, 1);
  } catch (const input_error& e) {
    message = e.what();
  }
  CHECK(message == "zero-delay loop through projection 'b->c' between tick populations: give it a delay >= tick_ms");
}

TEST_CASE("simulator: a spike arrives exactly one delay later, through each delay group") {
  network net;
  net.add_population(spike_source::replay("in", 1, {{0.1, 0, 1.f}}));
  net.add_population(relay(2));
  net.add_projection(projection("a", 0, 1, 1, 2, 0.3, false, {{0, 0, 2.f}}));
  net.add_projection(projection("b", 0, 1, 1, 2, 1.7, false, {{0, 1, 2.f}}));
  simulator sim(net, 1);
  sim.run(5.0);
  REQUIRE(sim.spikes().size() == 3);
  CHECK(sim.spikes()[1].time_ms == 0.1 + 0.3);
  CHECK(sim.spikes()[1].neuron == 0);
  CHECK(sim.spikes()[2].time_ms == 0.1 + 1.7);
  CHECK(sim.spikes()[2].neuron == 1);
  CHECK(net.fanout(0).size() == 2);  // one queue entry per distinct delay
}

TEST_CASE("simulator: zero-delay chains are delivered in causal order at one instant") {
  network net;
  net.add_population(spike_source::replay("in", 1, {{1.0, 0, 1.f}}));
  net.add_population(relay(4));
  net.add_projection(projection("in", 0, 1, 1, 4, 0.0, false, {{0, 0, 2.f}}));
  net.add_projection(projection("chain", 1, 1, 4, 4, 0.0, false, {{0, 1, 2.f}, {1, 2, 2.f}, {2, 3, 2.f}}));
  simulator sim(net, 1);
  sim.run(2.0);
  REQUIRE(sim.spikes().size() == 5);
  for (std::uint32_t k = 1; k < 5; ++k) {
    CHECK(sim.spikes()[k].time_ms == 1.0);
    CHECK(sim.spikes()[k].neuron == k - 1);
  }
}

TEST_CASE("simulator: hooks see pre, post, ticks and sample boundaries in order") {
  network net;
  net.add_population(spike_source::replay("in", 1, {{1.0, 0, 1.f}}));
  net.add_population(relay(1));
  net.add_projection(projection("p", 0, 1, 1, 1, 0.5, false, {{0, 0, 2.f}}));
  simulator sim(net, 1);
  recording_hook h;
  hook_subscription sub;
  sub.pre_projections = {0};
  sub.post_projections = {0};
  sub.tick_period_ms = 1.5;
  sim.add_hook(h, sub);
  sim.run(3.0);
  const std::vector<std::string> expected{"begin 0@0.000000", "pre 0:0@1.500000", "post 0:0@1.500000",
                                          "tick@1.500000", "tick@3.000000", "end 0@3.000000"};
  CHECK(h.log == expected);
  CHECK(sim.counters().projections[0].weight_updates == 1);
  CHECK(sim.counters().ticks == 2);
}

TEST_CASE("simulator: counters are exact — synaptic events = sum over spikes of fan-out") {
  const model_registry models = builtin_model_registry();
  auto net = build_network(cli::bench_network("recurrent"), "recurrent", ".", models);
  simulator sim(*net, net->seed);
  sim.run(200.0);
  std::vector<std::vector<std::uint32_t>> count(net->population_count());
  for (std::uint32_t p = 0; p < net->population_count(); ++p) count[p].assign(net->pop(p).size(), 0);
  for (const auto& s : sim.spikes()) ++count[s.population][s.neuron];
  std::uint64_t total = 0;
  for (std::uint32_t p = 0; p < net->projection_count(); ++p) {
    const projection& pr = net->proj(p);
    std::uint64_t expected = 0;
    for (std::uint32_t i = 0; i < pr.n_pre(); ++i) {
      // Spikes emitted before the end minus delay have arrived.
      expected += static_cast<std::uint64_t>(count[pr.pre_population()][i]) * pr.fan_out(i);
    }
    // Spikes in the last delay window have not arrived yet: count those separately.
    std::uint64_t late = 0;
    for (const auto& s : sim.spikes())
      if (s.population == pr.pre_population() && s.time_ms + pr.delay_ms() > 200.0) late += pr.fan_out(s.neuron);
    CHECK(sim.counters().projections[p].synaptic_events == expected - late);
    total += expected - late;
  }
  CHECK(sim.counters().total_synaptic_events() == total);
  CHECK(sim.counters().total_spikes() == sim.spikes().size());
  CHECK(total > 100000);
}

TEST_CASE("simulator: same seed and input give bit-identical spikes; another seed differs") {
  const model_registry models = builtin_model_registry();
  auto run = [&](std::uint64_t seed) {
    auto doc = cli::bench_network("recurrent");
    doc["seed"] = seed;
    auto net = build_network(doc, "recurrent", ".", models);
    simulator sim(*net, net->seed);
    sim.run(150.0);
    return std::make_pair(sim.spikes(), sim.counters().events);
  };
  const auto a = run(2), b = run(2), c = run(3);
  REQUIRE(a.first.size() == b.first.size());
  CHECK(same_bits(a.first, b.first));
  CHECK(a.second == b.second);
  CHECK((c.first.size() != a.first.size() ||
         !same_bits(a.first, c.first)));
  // Re-running the same simulator (reset between samples) repeats itself too.
  auto net = build_network(cli::bench_network("ff"), "ff", ".", models);
  simulator sim(*net, 5);
  sim.run(300.0);
  const auto first = sim.spikes();
  sim.clear_spikes();
  const std::uint64_t index = sim.sample_index();
  CHECK(index == 1);
  // Poisson input is seeded per sample, so sample 1 differs from sample 0 ...
  sim.run(300.0);
  CHECK(sim.spikes().size() != first.size());
  // ... but a fresh simulator with the same seed repeats sample 0 exactly.
  auto net2 = build_network(cli::bench_network("ff"), "ff", ".", models);
  simulator sim2(*net2, 5);
  sim2.run(300.0);
  REQUIRE(sim2.spikes().size() == first.size());
  CHECK(same_bits(sim2.spikes(), first));
}

TEST_CASE("simulator: graded projections count MACs and pass the grade") {
  network net;
  net.add_population(spike_source::replay("in", 1, {{1.0, 0, 0.25f}, {2.0, 0, 4.0f}}));
  net.add_population(relay(1));
  net.add_projection(projection("g", 0, 1, 1, 1, 0.0, true, {{0, 0, 2.f}}));
  simulator sim(net, 1);
  sim.run(3.0);
  // 2 * 0.25 = 0.5 stays below threshold; 2 * 4 = 8 crosses at t = 2.
  REQUIRE(sim.spikes().size() == 3);
  CHECK(sim.spikes()[2].time_ms == 2.0);
  CHECK(sim.counters().projections[0].graded_events == 2);
  CHECK(sim.counters().projections[0].synaptic_events == 0);
}

namespace {
// Two relay neurons exciting each other through a delay: once the input at 1 ms starts them, they
// spike forever (one spike per arrival), a network that never stops on its own.
std::unique_ptr<network> runaway_pair(double delay_ms) {
  auto net = std::make_unique<network>();
  net->add_population(spike_source::replay("in", 1, {{1.0, 0, 1.f}}));
  net->add_population(relay(2));
  net->add_projection(projection("in", 0, 1, 1, 2, 0.0, false, {{0, 0, 2.f}, {0, 1, 2.f}}));
  net->add_projection(projection("loop", 1, 1, 2, 2, delay_ms, false, {{0, 1, 2.f}, {1, 0, 2.f}}));
  return net;
}

struct spike_list : spike_sink {
  std::vector<spike_record> seen;
  void on_spike(const spike_record& s) override { seen.push_back(s); }
};
}  // namespace

TEST_CASE("simulator: the stop poll stops a runaway network at an event boundary; it stays stopped until cleared") {
  auto net = runaway_pair(0.01);
  simulator sim(*net, 1);
  int polls = 0;
  sim.set_stop_poll([&] { return ++polls == 3; }, 100);
  sim.run(1e9);
  CHECK(sim.stopped() == stop_reason::requested);
  CHECK(polls == 3);
  CHECK(sim.events_processed() == 300);  // polled before events 101, 201 and 301
  CHECK(sim.counters().events == 300);
  CHECK(sim.now() < 10.0);
  CHECK(sim.counters().total_spikes() == sim.spikes().size());
  // Stopped: nothing runs, nothing is dropped.
  const double at = sim.now();
  sim.run_until(1e9);
  sim.begin_sample(0.0, true);
  sim.end_sample(1e9);
  CHECK(sim.events_processed() == 300);
  CHECK(sim.now() == at);
  // Cleared: it carries on where it stopped (the poll is asked again 100 events on).
  sim.clear_stop();
  sim.run_until(at + 1.0);
  CHECK(sim.stopped() == stop_reason::none);
  CHECK(sim.events_processed() > 300);
  CHECK(sim.now() <= at + 1.0);
  CHECK(sim.now() > at);
}

TEST_CASE("simulator: event and spike limits stop exactly; a run within them completes") {
  {
    auto net = runaway_pair(1e-9);
    simulator sim(*net, 1);
    sim.set_limits(1000, 0);
    sim.run(100.0);
    CHECK(sim.stopped() == stop_reason::max_events);
    CHECK(sim.events_processed() == 1000);
  }
  {
    auto net = runaway_pair(0.5);
    simulator sim(*net, 1);
    sim.set_limits(0, 50);
    sim.run(1e9);
    CHECK(sim.stopped() == stop_reason::max_spikes);
    // Stopped at the first event boundary after spike 51: one event adds at most two spikes here.
    CHECK(sim.spikes_emitted() > 50);
    CHECK(sim.spikes_emitted() <= 52);
    CHECK(sim.counters().total_spikes() == sim.spikes_emitted());
    CHECK(sim.spikes().back().time_ms == sim.now());
  }
  {
    network net;
    net.add_population(spike_source::replay("in", 1, {{0.1, 0, 1.f}}));
    net.add_population(relay(2));
    net.add_projection(projection("a", 0, 1, 1, 2, 0.3, false, {{0, 0, 2.f}, {0, 1, 2.f}}));
    simulator sim(net, 1);
    // Exactly its 4 events (sample begin, source wakeup, arrival, sample end) and 3 spikes: not exceeded.
    sim.set_limits(4, 3);
    sim.run(5.0);
    CHECK(sim.stopped() == stop_reason::none);
    CHECK(sim.events_processed() == 4);
    CHECK(sim.spikes_emitted() == 3);
    sim.set_limits(3, 0);
    sim.run(5.0);
    CHECK(sim.stopped() == stop_reason::max_events);
  }
}

namespace {
std::unique_ptr<network> growing_runaway(const model_registry& models) {
  return build_network(test::growing_runaway_network(), "grow.json", ".", models);
}
}  // namespace

TEST_CASE("simulator: a runaway network stops at its bound on pending events, memory bounded by the network") {
  const model_registry models = builtin_model_registry();
  {
    auto net = growing_runaway(models);
    simulator sim(*net, 1);
    CHECK(sim.default_pending_limit() == (1u << 20));  // the floor: 3 neuron-group slots x 64 is less
    CHECK(sim.pending_limit() == sim.default_pending_limit());
    sim.record_spikes(false);
    sim.set_pending_limit(5000);
    sim.run(1000.0);
    REQUIRE(sim.stopped() == stop_reason::max_pending);
    // Stopped at the event boundary after the push that passed the limit: an event adds at most a wakeup
    // and one arrival per spike of its two neurons.
    CHECK(sim.pending() > 5000);
    CHECK(sim.pending() <= 5003);
    CHECK(sim.now() < 1000.0);
    CHECK(sim.pending_stop_text().find(std::to_string(sim.pending()) + " events pending at t = ") == 0);
    CHECK(sim.pending_stop_text().find("more than the limit of 5000") != std::string::npos);
    // It stays stopped: clearing the stop stops again at once, as the queue is still over the limit.
    const std::uint64_t events = sim.events_processed();
    sim.clear_stop();
    sim.run_until(1000.0);
    CHECK(sim.stopped() == stop_reason::max_pending);
    CHECK(sim.events_processed() == events);
  }
  {
    // No limit: the same network really grows past it (so the bound above is what stopped it).
    auto net = growing_runaway(models);
    simulator sim(*net, 1);
    sim.record_spikes(false);
    sim.set_pending_limit(0);
    sim.set_limits(200000, 0);
    sim.run(1000.0);
    CHECK(sim.stopped() == stop_reason::max_events);
    CHECK(sim.pending() > 20000);
  }
  {
    // 64 per neuron and fan-out group once that passes the floor (a population with no fan-out counts once).
    network net;
    net.add_population(spike_source::replay("in", 1, {{0.1, 0, 1.f}}));
    net.add_population(relay(20000));
    std::vector<synapse_triplet> syn;
    for (std::uint32_t i = 0; i < 20000; ++i) syn.push_back({i, i, 2.f});
    net.add_projection(projection("a", 1, 1, 20000, 20000, 0.5, false, syn));
    net.add_projection(projection("b", 1, 1, 20000, 20000, 1.5, false, syn));
    simulator sim(net, 1);
    CHECK(sim.default_pending_limit() == 64u * (1u + 2u * 20000u));
    sim.run(5.0);
    CHECK(sim.stopped() == stop_reason::none);
  }
}

TEST_CASE("simulator: a spike sink sees every spike as it is emitted, as the in-memory record has them") {
  const model_registry models = builtin_model_registry();
  auto net = build_network(cli::bench_network("ff"), "ff", ".", models);
  simulator sim(*net, 5);
  spike_list sink;
  sim.set_spike_sink(&sink);
  sim.run(100.0);
  REQUIRE(!sink.seen.empty());
  REQUIRE(sink.seen.size() == sim.spikes().size());
  CHECK(same_bits(sink.seen, sim.spikes()));
  CHECK(sim.spikes_emitted() == sink.seen.size());
}
