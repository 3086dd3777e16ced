#include "rules/worker_pool.hpp"

#include <algorithm>
#include <stdexcept>

namespace evsnn::rules {

void longest_first(std::span<const std::uint64_t> costs, std::vector<std::size_t>& order) {
  order.resize(costs.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return costs[a] != costs[b] ? costs[a] > costs[b] : a < b; });
}

worker_pool::worker_pool(unsigned threads) {
  const unsigned n = threads > 0 ? threads : 1;
  threads_.reserve(n - 1);
  for (unsigned i = 1; i < n; ++i) threads_.emplace_back([this, i] { loop(i); });
}

worker_pool::~worker_pool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  start_.notify_all();
  threads_.clear();  // joins
}

void worker_pool::loop(std::size_t index) {
  std::uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    start_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    if (index >= tasks_) continue;
    const task_fn* task = task_;
    lock.unlock();
    std::exception_ptr error;
    try {
      (*task)(index);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (error && !failure_) failure_ = error;
    if (--pending_ == 0) done_.notify_one();
  }
}

void worker_pool::run(std::size_t n, task_fn task) {
  if (n == 0) return;
  if (n > size()) throw std::logic_error("worker_pool::run: more tasks than threads");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = &task;
    tasks_ = n;
    pending_ = n - 1;
    failure_ = nullptr;
    ++generation_;
  }
  if (n > 1) start_.notify_all();
  std::exception_ptr own;
  try {
    task(0);
  } catch (...) {
    own = std::current_exception();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return pending_ == 0; });
  task_ = nullptr;
  std::exception_ptr error = own ? own : failure_;
  failure_ = nullptr;
  lock.unlock();
  if (error) std::rethrow_exception(error);
}

}  // namespace evsnn::rules
