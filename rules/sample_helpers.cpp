#include "rules/sample_helpers.hpp"

#include <algorithm>
#include <atomic>

namespace evsnn::rules {

void sample_helpers::open() {
  std::lock_guard<std::mutex> lock(mutex_);
  open_ = true;
}

void sample_helpers::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = false;
  }
  posted_.notify_all();
}

void sample_helpers::run_tasks(worker_pool& pool, std::size_t tasks, index_fn task) {
  std::atomic<std::size_t> running{tasks};
  struct closes_after_last {  // whatever the task does
    std::atomic<std::size_t>& running;
    sample_helpers& helpers;
    ~closes_after_last() {
      if (running.fetch_sub(1) == 1) helpers.close();
    }
  };
  open();
  pool.run(pool.size(), [&](std::size_t t) {
    if (t >= tasks) return serve();
    const closes_after_last guard{running, *this};
    task(t);
  });
}

std::size_t sample_helpers::served() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return served_;
}

sample_helpers::job* sample_helpers::open_job() {
  for (job* j : jobs_)
    if (j->next < j->rows) return j;
  return nullptr;
}

void sample_helpers::run_one(std::unique_lock<std::mutex>& lock, job& j, std::size_t r) {
  lock.unlock();
  std::exception_ptr error;
  try {
    (*j.row)(r);
  } catch (...) {
    error = std::current_exception();
  }
  lock.lock();
  if (error && !j.failure) j.failure = error;
  if (++j.done == j.rows) finished_.notify_all();
}

void sample_helpers::run_rows(std::size_t rows, index_fn row) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!open_ || rows < 2) {
    lock.unlock();
    for (std::size_t r = 0; r < rows; ++r) row(r);
    return;
  }
  job j;
  j.rows = rows;
  j.row = &row;
  jobs_.push_back(&j);
  posted_.notify_all();
  while (j.next < j.rows) run_one(lock, j, j.next++);
  finished_.wait(lock, [&] { return j.done == j.rows; });
  jobs_.erase(std::find(jobs_.begin(), jobs_.end(), &j));
  if (j.failure) std::rethrow_exception(j.failure);
}

void sample_helpers::serve() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    job* j = nullptr;
    posted_.wait(lock, [&] { return !open_ || (j = open_job()) != nullptr; });
    if (j == nullptr) return;  // closed, nothing left to take
    ++served_;
    run_one(lock, *j, j->next++);
  }
}

}  // namespace evsnn::rules
