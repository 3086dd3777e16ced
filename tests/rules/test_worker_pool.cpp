// worker_pool: every task of a call runs exactly once, later calls reuse the same threads (none is
// created per call), fewer tasks than threads, and an exception in a task reaches the caller; longest_first
// against a stable sort.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <numeric>
#include <random>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "rules/worker_pool.hpp"

using evsnn::rules::longest_first;
using evsnn::rules::worker_pool;

TEST_CASE("worker_pool: every task runs once per call, on the same threads call after call") {
  worker_pool pool(4);
  CHECK(pool.size() == 4);
  std::mutex m;
  std::set<std::thread::id> ids;
  for (int batch = 0; batch < 50; ++batch) {
    std::vector<std::atomic<int>> runs(4);
    pool.run(4, [&](std::size_t i) {
      runs[i].fetch_add(1);
      std::lock_guard<std::mutex> lock(m);
      ids.insert(std::this_thread::get_id());
    });
    for (auto& r : runs) CHECK(r.load() == 1);
  }
  // Four threads did all the work of 50 calls: the caller and three kept threads.
  CHECK(ids.size() == 4);
  CHECK(ids.count(std::this_thread::get_id()) == 1);
}

TEST_CASE("worker_pool: fewer tasks than threads, one thread, and no tasks") {
  worker_pool pool(3);
  std::atomic<int> sum{0};
  pool.run(2, [&](std::size_t i) { sum += static_cast<int>(i) + 1; });
  CHECK(sum == 3);
  pool.run(0, [&](std::size_t) { sum = -100; });
  CHECK(sum == 3);
  worker_pool single(0);
  CHECK(single.size() == 1);
  std::thread::id who;
  single.run(1, [&](std::size_t) { who = std::this_thread::get_id(); });
  CHECK(who == std::this_thread::get_id());
  CHECK_THROWS_AS(single.run(2, [](std::size_t) {}), std::logic_error);
}

TEST_CASE("worker_pool: an exception in a task is rethrown after every task has ended, and the pool stays usable") {
  worker_pool pool(4);
  for (std::size_t bad : {0u, 2u}) {
    std::atomic<int> finished{0};
    try {
      pool.run(4, [&](std::size_t i) {
        if (i == bad) throw std::runtime_error("task " + std::to_string(i));
        ++finished;
      });
      FAIL("no exception");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()) == "task " + std::to_string(bad));
    }
    CHECK(finished == 3);  // the others ran to the end before run() returned
  }
  std::atomic<int> ok{0};
  pool.run(4, [&](std::size_t) { ++ok; });
  CHECK(ok == 4);
}

TEST_CASE("longest_first: positions by descending cost, equal costs in position order, like a stable sort") {
  std::mt19937_64 rng(7);
  std::vector<std::size_t> order;
  for (std::size_t n : {0u, 1u, 2u, 7u, 50u, 333u}) {
    for (std::uint64_t range : {1u, 3u, 1000u}) {  // range 1: all equal (the first epoch's zeros)
      std::vector<std::uint64_t> costs(n);
      for (auto& c : costs) c = rng() % range;
      std::vector<std::size_t> expected(n);
      std::iota(expected.begin(), expected.end(), std::size_t{0});
      std::stable_sort(expected.begin(), expected.end(),
                       [&](std::size_t a, std::size_t b) { return costs[a] > costs[b]; });
      longest_first(costs, order);
      CAPTURE(n);
      CAPTURE(range);
      CHECK(order == expected);
    }
  }
  const std::size_t capacity = order.capacity();
  const std::vector<std::uint64_t> few{5, 9, 9, 1};
  longest_first(few, order);
  CHECK(order == std::vector<std::size_t>{1, 2, 0, 3});
  CHECK(order.capacity() == capacity);  // no reallocation for a shorter list
}
