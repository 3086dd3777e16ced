// event_queue: total order (time, kind, sequence), same-time FIFOs, and a stress test against a
// sorted shadow vector.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "engine/event_queue.hpp"
#include "engine/rng.hpp"

using namespace evsnn;

TEST_CASE("event_queue: orders by time, then kind, then insertion") {
  event_queue q;
  q.push(2.0, event_kind::arrival, 0, 1);
  q.push(1.0, event_kind::tick, 0, 2);
  q.push(1.0, event_kind::arrival, 0, 3);
  q.push(1.0, event_kind::wakeup, 0, 4);
  q.push(1.0, event_kind::arrival, 0, 5);
  q.push(1.0, event_kind::sample_end, 0, 6);
  q.push(1.0, event_kind::sample_begin, 0, 7);
  std::vector<std::uint32_t> order;
  while (!q.empty()) order.push_back(q.pop().index);
  CHECK(order == std::vector<std::uint32_t>{7, 4, 3, 5, 2, 6, 1});
}

TEST_CASE("event_queue: same-time pushes interleave correctly with the heap") {
  event_queue q;
  q.push(1.0, event_kind::arrival, 0, 1);
  q.push(1.0, event_kind::tick, 0, 2);
  q.push(3.0, event_kind::arrival, 0, 9);
  CHECK(q.pop().index == 1);  // now = 1
  // Pushed at the current time: go to the FIFOs, yet a wakeup still precedes the pending tick.
  q.push(1.0, event_kind::arrival, 0, 3);
  q.push(1.0, event_kind::wakeup, 0, 4);
  std::vector<std::uint32_t> order;
  while (!q.empty()) order.push_back(q.pop().index);
  CHECK(order == std::vector<std::uint32_t>{4, 3, 2, 9});
  CHECK_THROWS_AS(q.push(2.0, event_kind::arrival, 0, 0), std::logic_error);  // before now = 3
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
      q.push(t, kind, 0, tag);
      event e;
      e.time_ms = t;
      e.order = (static_cast<std::uint64_t>(kind) << 56) | pushed;  // same packing as the queue
      e.index = tag;
      shadow.push_back(e);
      ++pushed;
    } else {
      auto best = std::min_element(shadow.begin(), shadow.end(), [](const event& a, const event& b) { return precedes(a, b); });
      const event got = q.pop();
      REQUIRE(got.index == best->index);
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
  q.push(1.0, event_kind::arrival, 0, 0, 102);
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
  q.push(1.0, event_kind::arrival, 0, 0, 103);
  while (!q.empty()) take();
  CHECK(order == std::vector<std::uint32_t>{102, 103, 101, 10, 9, 11, 12, 13, 100});
  CHECK_THROWS_AS(q.push_settle(0.5, 0, 0), std::logic_error);
  CHECK_THROWS_AS(q.push_settle(2.0, 0, max_settle_rank + 1), std::logic_error);
}
