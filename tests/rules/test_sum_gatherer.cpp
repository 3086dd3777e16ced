// sum_gatherer: the total equals a serial merge of the workers' sums whatever order and timing the workers
// finish in (1 to max workers, chunks that do not divide the sums, an empty sum), the parts are left zero
// and unflagged, the total needs no clearing between batches, and saturation reaches the right sum's flag.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "rules/fixed_sum.hpp"
#include "rules/sum_gatherer.hpp"
#include "rules/worker_pool.hpp"

using evsnn::rules::fixed_sum;
using evsnn::rules::fixed_sum_set;
using evsnn::rules::sum_gatherer;
using evsnn::rules::worker_pool;

namespace {

fixed_sum_set make_set(const std::vector<std::size_t>& sizes) {
  fixed_sum_set s;
  for (std::size_t n : sizes) s.sums.emplace_back(n);
  return s;
}

std::vector<std::int64_t> values(const fixed_sum& s) {
  fixed_sum copy = s;
  return {copy.raw().begin(), copy.raw().end()};
}

bool all_zero(const fixed_sum_set& set) {
  for (const fixed_sum& s : set.sums) {
    if (s.saturated()) return false;
    for (std::int64_t v : values(s))
      if (v != 0) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("sum_gatherer: the total is the serial merge, whatever the workers and their timing") {
  const std::vector<std::size_t> sizes{1000, 0, 37, 257};
  const std::size_t max_workers = 5;
  worker_pool pool(max_workers);
  std::mt19937_64 rng(11);
  for (std::size_t chunk : {7u, 64u, 8192u}) {
    sum_gatherer g(make_set(sizes), max_workers, chunk);
    std::vector<fixed_sum_set> parts(max_workers, make_set(sizes));
    for (int batch = 0; batch < 12; ++batch) {
      const std::size_t workers = 1 + static_cast<std::size_t>(batch) % max_workers;
      CAPTURE(chunk);
      CAPTURE(batch);
      fixed_sum_set expected = make_set(sizes);
      std::vector<int> delay_us(workers);
      for (std::size_t w = 0; w < workers; ++w) {
        for (fixed_sum& s : parts[w].sums)
          for (std::size_t i = 0; i < s.size(); ++i)
            if (rng() % 3 != 0) s.add(i, std::uniform_real_distribution<double>(-50.0, 50.0)(rng));
        expected.merge(parts[w]);
        delay_us[w] = static_cast<int>(rng() % 400);
      }
      g.begin(workers);
      pool.run(workers, [&](std::size_t w) {
        std::this_thread::sleep_for(std::chrono::microseconds(delay_us[w]));  // finish in a random order
        g.finish(w, parts[w]);
      });
      const fixed_sum_set& total = g.total();
      REQUIRE(total.sums.size() == sizes.size());
      for (std::size_t k = 0; k < sizes.size(); ++k) {
        CAPTURE(k);
        CHECK(values(total.sums[k]) == values(expected.sums[k]));
        CHECK_FALSE(total.sums[k].saturated());
      }
      for (std::size_t w = 0; w < max_workers; ++w) CHECK(all_zero(parts[w]));
    }
  }
}

TEST_CASE("sum_gatherer: a sum beyond the range, or a worker's saturated sum, flags that sum of the total only") {
  worker_pool pool(3);
  sum_gatherer g(make_set({10, 10}), 3, 4);
  std::vector<fixed_sum_set> parts(3, make_set({10, 10}));
  for (int round = 0; round < 2; ++round) {
    // Three workers adding 4e8 at element 6 of sum 1: 1.2e9 is beyond the range (about 1.07e9).
    for (auto& p : parts) p.sums[1].add(6, 4.0e8);
    g.begin(3);
    pool.run(3, [&](std::size_t w) { g.finish(w, parts[w]); });
    CHECK_FALSE(g.total().sums[0].saturated());
    CHECK(g.total().sums[1].saturated());
    // A worker whose own sum saturated (a contribution beyond the range).
    parts[2].sums[0].add(1, 2.0e9);
    g.begin(3);
    pool.run(3, [&](std::size_t w) { g.finish(w, parts[w]); });
    CHECK(g.total().sums[0].saturated());
    CHECK_FALSE(g.total().sums[1].saturated());
    // The next batch is clean again, alone too (a worker's sums become the total).
    for (std::size_t workers : {3u, 1u}) {
      parts[0].sums[0].add(2, 1.5);
      g.begin(workers);
      pool.run(workers, [&](std::size_t w) { g.finish(w, parts[w]); });
      CHECK_FALSE(g.total().saturated());
      CHECK(g.total().sums[0].get(2) == 1.5);
      CHECK(g.total().sums[0].get(1) == 0.0);
      for (const auto& p : parts) CHECK(all_zero(p));
    }
  }
}

TEST_CASE("sum_gatherer: a batch needs 1 to max workers") {
  sum_gatherer g(make_set({3}), 2);
  CHECK_THROWS_AS(g.begin(0), std::invalid_argument);
  CHECK_THROWS_AS(g.begin(3), std::invalid_argument);
  CHECK_THROWS_AS(sum_gatherer(make_set({3}), 2, 0), std::invalid_argument);
}
