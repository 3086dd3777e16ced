// sample_helpers: outside open()/close() a job runs on its caller alone; inside, serving threads take rows of
// the jobs tasks post (every row exactly once, each task's job returning only when all its rows ran, several
// tasks posting at once); an exception in a row reaches the task that posted it after its other rows ran; serve()
// returns at close().
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "rules/sample_helpers.hpp"
#include "rules/worker_pool.hpp"

using evsnn::rules::sample_helpers;
using evsnn::rules::worker_pool;

TEST_CASE("sample_helpers: closed, a job runs on its caller alone") {
  sample_helpers helpers(2);
  std::vector<int> out(10, 0);
  const auto caller = std::this_thread::get_id();
  bool elsewhere = false;
  helpers.run_rows(out.size(), [&](std::size_t r) {
    out[r] = static_cast<int>(r) + 1;
    elsewhere = elsewhere || std::this_thread::get_id() != caller;
  });
  for (std::size_t r = 0; r < out.size(); ++r) CHECK(out[r] == static_cast<int>(r) + 1);
  CHECK_FALSE(elsewhere);
  CHECK(helpers.served() == 0);
}

// Runs `tasks` posting tasks on a pool of `threads` (the rest serve), each posting `jobs` jobs of `rows` rows; row 0
// of every job waits until some other row of it has started, so a job always needs a second thread.
static void post_and_serve(std::size_t threads, std::size_t tasks, std::size_t jobs, std::size_t rows) {
  worker_pool pool(static_cast<unsigned>(threads));
  sample_helpers helpers(threads);
  std::vector<std::atomic<int>> runs(tasks * jobs * rows);
  std::atomic<std::size_t> running{tasks};
  helpers.open();
  pool.run(threads, [&](std::size_t t) {
    if (t >= tasks) return helpers.serve();
    for (std::size_t j = 0; j < jobs; ++j) {
      std::atomic<bool> second{false};
      helpers.run_rows(rows, [&](std::size_t r) {
        if (r == 0) {
          while (!second.load()) std::this_thread::yield();
        } else {
          second = true;
        }
        runs[(t * jobs + j) * rows + r].fetch_add(1);
      });
      // Every row of the job has run when run_rows returns.
      for (std::size_t r = 0; r < rows; ++r) CHECK(runs[(t * jobs + j) * rows + r].load() == 1);
    }
    if (running.fetch_sub(1) == 1) helpers.close();
  });
  for (auto& n : runs) CHECK(n.load() == 1);
  // Row 0 of a job waits for another row, which the caller cannot take while it is in row 0: a serving thread did.
  CHECK(helpers.served() >= tasks * jobs);
}

TEST_CASE("sample_helpers: idle threads take rows of the running tasks' jobs, every row once") {
  SUBCASE("one task, three serving threads") { post_and_serve(4, 1, 20, 8); }
  SUBCASE("two tasks posting at once, two serving threads") { post_and_serve(4, 2, 20, 8); }
}

TEST_CASE("sample_helpers: a row's exception reaches the task that posted it, after its other rows") {
  worker_pool pool(3);
  sample_helpers helpers(3);
  std::atomic<int> ran{0};
  bool caught = false;
  helpers.open();
  pool.run(3, [&](std::size_t t) {
    if (t > 0) return helpers.serve();
    try {
      helpers.run_rows(16, [&](std::size_t r) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        ran.fetch_add(1);
        if (r == 5) throw std::runtime_error("row 5");
      });
    } catch (const std::runtime_error& e) {
      caught = std::string(e.what()) == "row 5";
    }
    CHECK(ran.load() == 16);
    helpers.close();
  });
  CHECK(caught);
  // The helpers stay usable: a later round serves again.
  helpers.open();
  std::vector<int> out(8, 0);
  pool.run(3, [&](std::size_t t) {
    if (t > 0) return helpers.serve();
    helpers.run_rows(out.size(), [&](std::size_t r) { out[r] = 1; });
    helpers.close();
  });
  for (int v : out) CHECK(v == 1);
}
