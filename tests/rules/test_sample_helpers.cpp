// sample_helpers: outside run_tasks() a job runs on its caller alone; inside, serving threads take rows of the
// jobs tasks post (every row exactly once, each task's job returning only when all its rows ran, several tasks
// posting at once); an exception in a row reaches the task that posted it after its other rows ran; run_tasks()
// returns once its tasks have ended, whatever they threw, and the helpers serve again in a later call.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
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
  helpers.run_tasks(pool, tasks, [&](std::size_t t) {
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
  helpers.run_tasks(pool, 1, [&](std::size_t) {
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
  });
  CHECK(caught);
}

TEST_CASE("sample_helpers: a task that throws ends run_tasks, and the helpers serve again in the next call") {
  worker_pool pool(3);
  sample_helpers helpers(3);
  // The task's own exception: the serving threads must stop waiting for it, and run_tasks rethrows it.
  CHECK_THROWS_WITH(helpers.run_tasks(pool, 1, [&](std::size_t) { throw std::runtime_error("task"); }), "task");
  CHECK_THROWS_WITH(helpers.run_tasks(pool, 1,
                                      [&](std::size_t) {
                                        helpers.run_rows(4, [](std::size_t r) {
                                          if (r == 2) throw std::runtime_error("row 2");
                                        });
                                      }),
                    "row 2");
  // A later call serves again: row 0 waits for another row to start, which only a serving thread can take.
  const std::size_t before = helpers.served();
  std::vector<int> out(8, 0);
  helpers.run_tasks(pool, 1, [&](std::size_t) {
    std::atomic<bool> second{false};
    helpers.run_rows(out.size(), [&](std::size_t r) {
      if (r == 0) {
        while (!second.load()) std::this_thread::yield();
      } else {
        second = true;
      }
      out[r] = 1;
    });
  });
  for (int v : out) CHECK(v == 1);
  CHECK(helpers.served() > before);
}
