#pragma once
// worker_pool: a fixed set of threads kept for a whole training run. run(n, task) calls task(i) once
// for every i in [0, n) — task 0 on the calling thread, task i > 0 on pool thread i — and returns when
// all have finished; no thread is created or joined per call. Which thread runs which index is fixed,
// but callers must not let results depend on it (the trainer's workers merge exactly, see fixed_sum).
// An exception thrown by a task (the calling thread's own if it threw, else the first one a pool thread
// recorded) is rethrown by run() after every task of the call has ended.
// Invariants: size() >= 1 threads of work (the caller plus size() - 1 pool threads); n <= size();
// run() is called by one thread at a time and is not reentrant.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <type_traits>
#include <vector>

namespace evsnn::rules {

// A callable taking an index, by reference: no copy and no allocation (a std::function of a lambda that
// captures more than two pointers allocates on every call of run or for_rows). It must outlive the call it is
// passed to, as an argument's temporary does; never store one.
class index_fn {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, index_fn> && std::is_invocable_v<F&, std::size_t>)
  index_fn(F&& f)  // NOLINT: converts implicitly, like std::function
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, std::size_t i) { (*static_cast<std::remove_reference_t<F>*>(object))(i); }) {}
  void operator()(std::size_t i) const { call_(object_, i); }

 private:
  void* object_;
  void (*call_)(void*, std::size_t);
};

// Runs row(r) for every r in [0, rows), spread over threads; each row is written by exactly one call, so
// results do not depend on the spread. The sequential one: for (r = 0; r < rows; ++r) row(r).
using parallel_rows = std::function<void(std::size_t rows, index_fn row)>;
// row(0) .. row(rows - 1) through par, or on the calling thread alone where par is empty.
inline void spread_rows(const parallel_rows& par, std::size_t rows, index_fn row) {
  if (par) {
    par(rows, row);
  } else {
    for (std::size_t r = 0; r < rows; ++r) row(r);
  }
}

// The order in which to hand pieces of work to the first free thread so that long ones do not start last
// (longest processing time first): the positions [0, costs.size()) by descending cost, equal costs in
// position order, into order (resized; it allocates only when its capacity is short).
void longest_first(std::span<const std::uint64_t> costs, std::vector<std::size_t>& order);

class worker_pool {
 public:
  using task_fn = index_fn;

  // threads: how many tasks can run at once (0 counts as 1).
  explicit worker_pool(unsigned threads);
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;
  ~worker_pool();

  unsigned size() const { return static_cast<unsigned>(threads_.size()) + 1; }
  // How many tasks to cut `units` pieces of work into: one per unit, at least one, at most size().
  std::size_t tasks_for(std::size_t units) const {
    return std::min<std::size_t>(size(), std::max<std::size_t>(1, units));
  }
  // Runs task(0) .. task(n - 1) concurrently (n <= size()) and waits for all of them.
  void run(std::size_t n, task_fn task);

 private:
  void loop(std::size_t index);

  std::mutex mutex_;
  std::condition_variable start_, done_;
  std::uint64_t generation_ = 0;   // incremented by every run()
  std::size_t tasks_ = 0;          // n of the current run()
  std::size_t pending_ = 0;        // pool tasks of the current run() not yet finished
  const task_fn* task_ = nullptr;  // the running call's (on its caller's stack)
  std::exception_ptr failure_;
  bool stopping_ = false;
  std::vector<std::jthread> threads_;  // last: started after the state above exists
};

}  // namespace evsnn::rules
