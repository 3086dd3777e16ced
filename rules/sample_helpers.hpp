#pragma once
// sample_helpers: the threads a batch leaves idle lend a hand to the samples still running. When a training
// batch has fewer tasks than the pool has threads (a batch of 1, as NEST's N-MNIST e-prop set-up trains), the
// trainer runs the batch through run_tasks(): the threads without a task serve, and a sample's rule worker hands
// independent rows of its end-of-sample work to run_rows(), which runs them on the calling thread and on any
// serving thread and returns when every row has run. Each row must write only its own outputs, so results do not
// depend on which thread ran which row.
// Invariants: the helpers are open only inside run_tasks(), from before its first task starts until its last
// task has ended (however it ended), so no serving thread waits for a task that is gone; run_rows() may be called
// by several tasks at once and outside run_tasks() (then on the caller alone); a posted job lives on its caller's
// stack and is unlinked, under the lock, only after all its rows finished.
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <vector>

#include "rules/worker_pool.hpp"

namespace evsnn::rules {

class sample_helpers {
 public:
  // max_jobs: how many tasks may post at once (the pool's size); reserved so that posting never allocates.
  explicit sample_helpers(std::size_t max_jobs) { jobs_.reserve(max_jobs); }

  // Runs task(0) .. task(tasks - 1) on `pool`, one thread each, while the pool's other threads serve the rows
  // those tasks post; returns when every task has ended and rethrows as worker_pool::run does.
  // tasks <= pool.size().
  void run_tasks(worker_pool& pool, std::size_t tasks, index_fn task);
  // row(0) .. row(rows - 1), on this thread and on the serving ones; rethrows the first exception of a row
  // after every row has ended.
  void run_rows(std::size_t rows, index_fn row);
  // Rows run by serving threads so far (for tests and benchmarks).
  std::size_t served() const;

 private:
  void open();
  void close();
  void serve();  // runs posted rows until close()

  struct job {
    std::size_t rows = 0, next = 0, done = 0;
    const index_fn* row = nullptr;
    std::exception_ptr failure;
  };
  // Runs row r of j with the lock released, and counts it done; the lock is held on entry and on return.
  void run_one(std::unique_lock<std::mutex>& lock, job& j, std::size_t r);
  job* open_job();  // a posted job with a row not taken yet, or null (lock held)

  mutable std::mutex mutex_;
  std::condition_variable posted_, finished_;
  std::vector<job*> jobs_;
  bool open_ = false;
  std::size_t served_ = 0;
};

}  // namespace evsnn::rules
