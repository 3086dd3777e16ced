// event_queue: total order (time, kind, sequence or the arrivals' canonical key), same-time FIFOs, and a
// stress test against a sorted shadow vector; peek() shows what pop() returns.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "engine/event_queue.hpp"
#include "engine/rng.hpp"

using namespace evsnn;

TEST_CASE("event_queue: orders by time, then kind, then insertion") {
  event_queue q;
  q.push_arrival(2.0, 0.0, 0, 1, 0, 1.0f);
  q.push(1.0, event_kind::tick, 0, 2);
  q.push_arrival(1.0, 0.0, 0, 3, 0, 1.0f);
  q.push(1.0, event_kind::wakeup, 0, 4);
  q.push_arrival(1.0, 0.0, 0, 5, 0, 1.0f);
  q.push(1.0, event_kind::sample_end, 0, 6);
  q.push(1.0, event_kind::sample_begin, 0, 7);
  std::vector<std::uint32_t> order;
  while (!q.empty()) order.push_back(q.pop().index);
  CHECK(order == std::vector<std::uint32_t>{7, 4, 3, 5, 2, 6, 1});
}

TEST_CASE("event_queue: same-time pushes interleave correctly with the heap") {
  event_queue q;
  q.push_arrival(1.0, 0.0, 0, 1, 0, 1.0f);
  q.push(1.0, event_kind::tick, 0, 2);
  q.push_arrival(3.0, 0.0, 0, 9, 0, 1.0f);
  CHECK(q.pop().index == 1);  // now = 1
  // Pushed at the current time: go to the FIFOs, yet a wakeup still precedes the pending tick.
  q.push_arrival(1.0, 1.0, 0, 3, 0, 1.0f);
  q.push(1.0, event_kind::wakeup, 0, 4);
  std::vector<std::uint32_t> order;
  while (!q.empty()) order.push_back(q.pop().index);
  CHECK(order == std::vector<std::uint32_t>{4, 3, 2, 9});
  CHECK_THROWS_AS(q.push_arrival(2.0, 1.0, 0, 0, 0, 1.0f), std::logic_error);  // before now = 3
  CHECK_THROWS_AS(q.push(4.0, event_kind::arrival, 0, 0), std::logic_error);  // arrivals need their key
}

TEST_CASE("event_queue: arrivals at one time pop in their spikes' order, whatever order they were pushed in") {
  // (emission time, source population, source neuron, group, grade), pushed in a scrambled order, some
  // before now reaches their time (heap) and some at it (the current-time heap).
  struct key {
    double emit;
    std::uint32_t pop, neuron, group;
    float grade;
  };
  const std::vector<key> sorted{{0.5, 0, 7, 0, 1.0f}, {0.5, 1, 2, 0, 1.0f}, {0.5, 1, 2, 1, 1.0f}, {0.5, 1, 3, 0, 0.5f},
                                {2.0, 0, 0, 0, -1.0f}, {2.0, 0, 0, 0, 2.0f}, {2.0, 0, 1, 0, 1.0f}, {2.0, 2, 0, 0, 1.0f}};
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::vector<std::size_t> perm{0, 1, 2, 3, 4, 5, 6, 7};
    rng r(seed);
    for (std::size_t k = perm.size(); k > 1; --k) std::swap(perm[k - 1], perm[r.below(k)]);
    event_queue q;
    q.clear(0.5);
    q.push(2.0, event_kind::wakeup, 0, 99);
    for (std::size_t k : perm)
      if (sorted[k].emit < 2.0) q.push_arrival(2.0, sorted[k].emit, sorted[k].pop, sorted[k].neuron, sorted[k].group, sorted[k].grade);
    CHECK(q.pop().index == 99);  // now = 2: the rest are pushed at the current time
    for (std::size_t k : perm)
      if (sorted[k].emit == 2.0) q.push_arrival(2.0, sorted[k].emit, sorted[k].pop, sorted[k].neuron, sorted[k].group, sorted[k].grade);
    for (const key& want : sorted) {
      const event e = q.pop();
      CHECK(e.emit_ms == want.emit);
      CHECK(e.target == want.pop);
      CHECK(e.index == want.neuron);
      CHECK(e.aux == want.group);
      CHECK(e.grade == want.grade);
    }
    CHECK(q.empty());
  }
}

TEST_CASE("event_queue: stress against a sorted shadow vector") {
  rng r(42);
  event_queue q;
  std::vector<event> shadow;  // pending events, as pushed
  std::uint64_t pushed = 0, checked = 0;
  for (int round = 0; round < 200000; ++round) {
    const bool do_push = shadow.empty() || r.uniform() < 0.55;
    if (do_push) {
      // Times on a coarse grid so that ties are frequent; some exactly at now().
      double t = q.now() + static_cast<double>(r.below(4)) * 0.5;
      if (r.uniform() < 0.2) t = q.now();
      const auto kind = static_cast<event_kind>(r.below(event_kind_count));
      const auto tag = static_cast<std::uint32_t>(pushed);
      event e;
      e.time_ms = t;
      e.aux = tag;
      if (kind == event_kind::arrival) {
        // Arrivals: the canonical key, with ties on everything but the tag (the group here).
        e.emit_ms = q.now() - static_cast<double>(r.below(3)) * 0.25;
        e.target = static_cast<std::uint32_t>(r.below(3));
        e.index = static_cast<std::uint32_t>(r.below(3));
        e.order = static_cast<std::uint64_t>(kind) << 56;
        q.push_arrival(t, e.emit_ms, e.target, e.index, tag, 1.0f);
      } else {
        e.order = (static_cast<std::uint64_t>(kind) << 56) | pushed;  // same packing as the queue
        q.push(t, kind, 0, 0, tag);
      }
      shadow.push_back(e);
      ++pushed;
    } else {
      auto best = std::min_element(shadow.begin(), shadow.end(), [](const event& a, const event& b) { return precedes(a, b); });
      const event peeked = q.peek();
      const event got = q.pop();
      REQUIRE(peeked.aux == got.aux);  // peek() shows what pop() returns
      REQUIRE(peeked.order == got.order);
      REQUIRE(got.aux == best->aux);
      REQUIRE(got.time_ms == best->time_ms);
      shadow.erase(best);
      ++checked;
    }
    REQUIRE(q.size() == shadow.size());
  }
  CHECK(checked > 50000);
}

TEST_CASE("event_queue: settles run after arrivals and ticks, before sample_end, in rank order however pushed") {
  event_queue q;
  q.push(1.0, event_kind::sample_end, 0, 0, 100);
  q.push_settle(1.0, 12, 2);
  q.push_settle(1.0, 10, 0);
  q.push(1.0, event_kind::tick, 0, 0, 101);
  q.push_settle(1.0, 11, 1);
  q.push_arrival(1.0, 0.0, 0, 0, 102, 1.0f);
  std::vector<std::uint32_t> order;
  auto take = [&] {
    const event e = q.pop();
    order.push_back(e.kind() == event_kind::settle ? e.target : e.aux);
    return e;
  };
  CHECK(take().kind() == event_kind::arrival);  // now = 1
  // Pushed at the current time, out of rank order: a rank-0 settle and a zero-delay arrival.
  q.push_settle(1.0, 13, 3);
  q.push_settle(1.0, 9, 0);
  q.push_arrival(1.0, 1.0, 0, 0, 103, 1.0f);
  while (!q.empty()) take();
  CHECK(order == std::vector<std::uint32_t>{102, 103, 101, 10, 9, 11, 12, 13, 100});
  CHECK_THROWS_AS(q.push_settle(0.5, 0, 0), std::logic_error);
  CHECK_THROWS_AS(q.push_settle(2.0, 0, max_settle_rank + 1), std::logic_error);
}

TEST_CASE("event_queue: arrival streams pop in the same total order as the heap path") {
  // The same random arrivals pushed once without streams and once through 3 streams, interleaved with
  // wakeups and pops. Per stream the arrivals mostly come in order (later emission times), sometimes not
  // (same time, lower neuron; an earlier time), which must take the heap path without changing the order.
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    event_queue plain, streamed;
    streamed.set_streams(3);
    rng r(seed);
    std::vector<double> last(3, 0.0);
    for (int round = 0; round < 20000; ++round) {
      if (r.uniform() < 0.55 || plain.empty()) {
        const auto s = static_cast<std::uint32_t>(r.below(4));  // stream 3 does not exist: heap path
        const double now = plain.now();
        const double delay = 0.5 * static_cast<double>(s % 3);  // streams 0 and 3: zero delay, at now
        double emit = now;
        if (delay > 0.0 && r.uniform() < 0.1) emit = std::max(0.0, now - 0.25);  // received late
        const auto neuron = static_cast<std::uint32_t>(r.below(5));
        const auto grade = static_cast<float>(r.below(2));
        plain.push_arrival(emit + delay, emit, s, neuron, 0, grade);
        streamed.push_arrival(emit + delay, emit, s, neuron, 0, grade, s);
        if (r.uniform() < 0.2) {
          const double t = now + 0.25 * static_cast<double>(r.below(3));
          plain.push(t, event_kind::wakeup, 7, static_cast<std::uint32_t>(round));
          streamed.push(t, event_kind::wakeup, 7, static_cast<std::uint32_t>(round));
        }
      } else {
        REQUIRE(streamed.next_time() == plain.next_time());
        const event pa = plain.peek(), pb = streamed.peek();
        const event a = plain.pop(), b = streamed.pop();
        REQUIRE(pa.aux == a.aux);  // peek() shows what pop() returns, from the heap, a FIFO or a stream
        REQUIRE(pa.emit_ms == a.emit_ms);
        REQUIRE(pa.index == a.index);
        REQUIRE(pb.aux == b.aux);
        REQUIRE(pb.emit_ms == b.emit_ms);
        REQUIRE(pb.index == b.index);
        REQUIRE(pb.order == b.order);
        REQUIRE(a.time_ms == b.time_ms);
        REQUIRE(a.order == b.order);
        REQUIRE(a.emit_ms == b.emit_ms);
        REQUIRE(a.target == b.target);
        REQUIRE(a.index == b.index);
        REQUIRE(a.grade == b.grade);
        REQUIRE(streamed.now() == plain.now());
      }
      REQUIRE(streamed.size() == plain.size());
    }
    CHECK(streamed.pushes() == plain.pushes());
    CHECK(streamed.pops() == plain.pops());
  }
}

TEST_CASE("event_queue: a stream's memory is bounded by the arrivals in flight, and clear() empties it") {
  event_queue q;
  q.set_streams(1);
  for (int k = 0; k < 100000; ++k) {
    const double t = 0.01 * k;
    q.push_arrival(t + 0.05, t, 0, 0, 0, 1.0f, 0);  // at most five in flight
    if (k >= 4) CHECK(q.pop().emit_ms == 0.01 * (k - 4));
  }
  CHECK(q.size() == 4);
  CHECK(q.stream_capacity() == 8);
  q.clear(0.0);
  CHECK(q.empty());
  q.push_arrival(1.0, 0.0, 0, 3, 0, 1.0f, 0);
  CHECK(q.pop().index == 3);
  CHECK_THROWS_AS(q.push_arrival(0.5, 0.0, 0, 0, 0, 1.0f, 0), std::logic_error);  // before now = 1
}
