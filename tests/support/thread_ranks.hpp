#pragma once
// thread_ranks: N ranks of one run as threads of this process, each with a communicator that sums and
// gathers through shared memory — the trainer's distribution tested without MPI (and under the sanitizers).
// run(n, fn) calls fn(comm) on n threads and rethrows the first exception; a rank that throws would leave the
// others waiting, so abort() ends the process as MPI_Abort does.
#include <barrier>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/communicator.hpp"

namespace evsnn::test {

class thread_ranks {
 public:
  explicit thread_ranks(int n)
      : n_(n), sync_(n), posted_(static_cast<std::size_t>(n)), sizes_(static_cast<std::size_t>(n)) {}

  // Runs fn on every rank (its own thread) and waits for all.
  static void run(int n, const std::function<void(communicator&)>& fn) {
    thread_ranks shared(n);
    std::vector<std::thread> threads;
    std::exception_ptr failure;
    std::mutex m;
    for (int r = 0; r < n; ++r)
      threads.emplace_back([&, r] {
        rank_comm comm(shared, r);
        try {
          fn(comm);
        } catch (...) {
          std::lock_guard<std::mutex> lock(m);
          if (!failure) failure = std::current_exception();
        }
      });
    for (auto& t : threads) t.join();
    if (failure) std::rethrow_exception(failure);
  }

 private:
  class rank_comm final : public communicator {
   public:
    rank_comm(thread_ranks& s, int r) : s_(s), r_(r) {}
    int rank() const override { return r_; }
    int size() const override { return s_.n_; }
    void sum(std::span<std::int64_t> v) override { s_.sum_into(r_, v); }
    void sum(std::span<std::uint64_t> v) override { s_.sum_into(r_, v); }
    std::vector<std::byte> gather(std::span<const std::byte> mine) override {
      s_.posted_[static_cast<std::size_t>(r_)] = mine.data();
      s_.sync_.arrive_and_wait();
      std::vector<std::byte> all;
      for (const void* p : s_.posted_) {
        const auto* b = static_cast<const std::byte*>(p);
        all.insert(all.end(), b, b + mine.size());
      }
      s_.sync_.arrive_and_wait();  // nobody reads the posted buffers any more
      return all;
    }
    void gather_varied(std::span<const std::byte> mine, std::vector<std::byte>& all,
                       std::vector<std::size_t>& counts) override {
      s_.posted_[static_cast<std::size_t>(r_)] = mine.data();
      s_.sizes_[static_cast<std::size_t>(r_)] = mine.size();
      s_.sync_.arrive_and_wait();
      all.clear();
      counts.clear();
      for (std::size_t r = 0; r < s_.posted_.size(); ++r) {
        const auto* b = static_cast<const std::byte*>(s_.posted_[r]);
        all.insert(all.end(), b, b + s_.sizes_[r]);
        counts.push_back(s_.sizes_[r]);
      }
      s_.sync_.arrive_and_wait();
    }
    [[noreturn]] void abort(int status) override {
      std::fprintf(stderr, "thread_ranks: rank %d aborted the run\n", r_);
      std::_Exit(status);
    }

   private:
    thread_ranks& s_;
    int r_;
  };

  template <typename T>
  void sum_into(int r, std::span<T> v) {
    posted_[static_cast<std::size_t>(r)] = v.data();
    sync_.arrive_and_wait();
    std::vector<T> total(v.size(), T{0});
    for (const void* p : posted_)  // rank order; saturating at the int64 range for signed values
      for (std::size_t i = 0; i < v.size(); ++i) {
        const T x = static_cast<const T*>(p)[i];
        if constexpr (std::is_signed_v<T>) {
          T s;
          total[i] = __builtin_add_overflow(total[i], x, &s) ? (x > 0 ? INT64_MAX : INT64_MIN) : s;
        } else {
          total[i] += x;
        }
      }
    sync_.arrive_and_wait();  // every rank has read every buffer
    std::copy(total.begin(), total.end(), v.begin());
  }

  int n_;
  std::barrier<> sync_;
  std::vector<const void*> posted_;
  std::vector<std::size_t> sizes_;  // gather_varied: each rank's byte count
};

}  // namespace evsnn::test
