// wakeup_heap: the indexed 4-ary heap of predicted crossings against a std::set of (time, neuron) under random
// inserts, moves (earlier and later), removals and pops, one change at a time and in staged batches rebuilt at
// once; the top is always the reference's least entry, ties going to the lower neuron.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <utility>
#include <vector>

#include "engine/rng.hpp"
#include "engine/wakeup_heap.hpp"

using namespace evsnn;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

struct reference {
  std::set<std::pair<double, std::uint32_t>> entries;
  std::vector<double> time;
  explicit reference(std::uint32_t n) : time(n, inf) {}
  void set(std::uint32_t i, double t) {
    if (time[i] != inf) entries.erase({time[i], i});
    time[i] = t;
    if (t != inf) entries.insert({t, i});
  }
};

// The heap holds what the reference holds, with the same least entry.
void check_same(const wakeup_heap& h, const reference& r) {
  REQUIRE(h.size() == r.entries.size());
  for (std::uint32_t i = 0; i < r.time.size(); ++i) REQUIRE(h.contains(i) == (r.time[i] != inf));
  if (r.entries.empty()) {
    REQUIRE(h.empty());
    REQUIRE(h.top_time() == inf);
    return;
  }
  REQUIRE(h.top_time() == r.entries.begin()->first);
  REQUIRE(h.top() == r.entries.begin()->second);
}

}  // namespace

TEST_CASE("wakeup_heap: set, pop and staged batches give the reference's least entry throughout") {
  constexpr std::uint32_t n = 300;
  for (const bool staged : {false, true}) {
    wakeup_heap h(n);
    reference r(n);
    rng g(staged ? 11 : 7);
    // Times on a coarse grid, so that equal times (ties broken by neuron) are common.
    const auto draw = [&]() { return g.uniform() < 0.1 ? inf : static_cast<double>(g.below(64)); };
    for (int round = 0; round < 400; ++round) {
      const auto changes = static_cast<std::uint32_t>(1 + g.below(staged ? 2 * n : 4));
      for (std::uint32_t c = 0; c < changes; ++c) {
        const auto i = static_cast<std::uint32_t>(g.below(n));
        const double t = draw();
        r.set(i, t);
        if (staged)
          h.stage(i, t);
        else
          h.set(i, t);
      }
      if (staged) h.rebuild();
      check_same(h, r);
      // Pop a few in order: each is the reference's least.
      for (int k = 0; k < 3 && !h.empty(); ++k) {
        const std::uint32_t i = h.top();
        REQUIRE(i == r.entries.begin()->second);
        h.pop();
        r.set(i, inf);
        check_same(h, r);
      }
    }
    // Drain: the whole order.
    while (!h.empty()) {
      REQUIRE(h.top() == r.entries.begin()->second);
      const std::uint32_t i = h.top();
      h.pop();
      r.set(i, inf);
    }
    CHECK(r.entries.empty());
    h.clear();
    CHECK(h.empty());
  }
}

TEST_CASE("wakeup_heap: a staged batch that removes, re-inserts and moves one neuron twice ends as set() would") {
  wakeup_heap a(8), b(8);
  for (std::uint32_t i = 0; i < 8; ++i) {
    a.set(i, 10.0 - i);
    b.set(i, 10.0 - i);
  }
  const std::vector<std::pair<std::uint32_t, double>> batch = {{7, inf}, {7, 1.0}, {3, 0.5}, {3, 20.0}, {0, 2.0},
                                                               {5, inf}, {2, 1.0}, {6, 1.0}};
  for (const auto& [i, t] : batch) {
    a.set(i, t);
    b.stage(i, t);
  }
  b.rebuild();
  while (!a.empty()) {
    REQUIRE_FALSE(b.empty());
    CHECK(a.top() == b.top());
    CHECK(a.top_time() == b.top_time());
    a.pop();
    b.pop();
  }
  CHECK(b.empty());
}
