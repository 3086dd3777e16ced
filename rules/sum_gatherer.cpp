#include "rules/sum_gatherer.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <utility>

namespace evsnn::rules {

sum_gatherer::sum_gatherer(const fixed_sum_set& shape, std::size_t max_workers, std::size_t chunk_elements)
    : max_workers_(std::max<std::size_t>(max_workers, 1)) {
  if (chunk_elements == 0) throw std::invalid_argument("sum_gatherer: chunk_elements must be > 0");
  total_.sums.reserve(shape.sums.size());
  for (std::size_t k = 0; k < shape.sums.size(); ++k) {
    const std::size_t n = shape.sums[k].size();
    total_.sums.emplace_back(n);
    for (std::size_t b = 0; b < n; b += chunk_elements) chunks_.push_back({k, b, std::min(n, b + chunk_elements)});
  }
  parts_.assign(max_workers_, nullptr);
  finished_ = std::make_unique<std::atomic<bool>[]>(max_workers_);
  busy_ = std::make_unique<std::atomic<bool>[]>(chunks_.size());
  merged_ = std::make_unique<std::atomic<unsigned char>[]>(max_workers_ * chunks_.size());
  saturated_.assign(chunks_.size(), 0);
}

void sum_gatherer::begin(std::size_t workers) {
  if (workers == 0 || workers > max_workers_)
    throw std::invalid_argument("sum_gatherer: a batch needs 1 to max_workers workers");
  workers_ = workers;
  for (std::size_t w = 0; w < workers; ++w) {
    parts_[w] = nullptr;
    finished_[w].store(false, std::memory_order_relaxed);
  }
  for (std::size_t i = 0; i < workers * chunks_.size(); ++i) merged_[i].store(0, std::memory_order_relaxed);
  started_.store(false, std::memory_order_relaxed);
  total_ready_.store(false, std::memory_order_relaxed);
  std::fill(saturated_.begin(), saturated_.end(), 0);
  finished_count_.store(0, std::memory_order_relaxed);
  // The pool's start of the batch orders these stores before any worker's finish().
}

void sum_gatherer::merge(std::size_t part, std::size_t c) {
  const chunk& k = chunks_[c];
  fixed_sum& from = parts_[part]->sums[k.sum];
  if (total_.sums[k.sum].take_range(from, k.begin, k.end)) saturated_[c] = 1;
}

void sum_gatherer::finish(std::size_t w, fixed_sum_set& part) {
  const std::size_t n_chunks = chunks_.size();
  parts_[w] = &part;
  const bool first = !started_.exchange(true, std::memory_order_acq_rel);
  if (first) {
    // The first worker to finish: its sums become the total (a swap, no copy; its chunks count as merged), the
    // last batch's total its sums, cleared below once the others may merge.
    std::swap(total_.sums, part.sums);
    for (std::size_t c = 0; c < n_chunks; ++c) {
      merged_[w * n_chunks + c].store(1, std::memory_order_relaxed);
      saturated_[c] = total_.sums[chunks_[c].sum].saturated() ? 1 : 0;
    }
    total_ready_.store(true, std::memory_order_release);
    total_ready_.notify_all();
  }
  finished_[w].store(true, std::memory_order_release);
  finished_count_.fetch_add(1, std::memory_order_acq_rel);
  finished_count_.notify_all();
  if (first) {
    for (fixed_sum& s : part.sums) s.clear();
  } else {
    total_ready_.wait(false, std::memory_order_acquire);  // the first worker's swap, a moment at most
  }
  const std::size_t offset = n_chunks * w / workers_;  // workers start on different chunks
  while (true) {
    const std::size_t finished = finished_count_.load(std::memory_order_acquire);
    bool left = false;  // a chunk of a finished worker was locked by another thread: look again
    bool took = false;
    for (std::size_t i = 0; i < workers_; ++i) {
      const std::size_t p = (w + i) % workers_;
      if (!finished_[p].load(std::memory_order_acquire)) continue;
      for (std::size_t j = 0; j < n_chunks; ++j) {
        const std::size_t c = (offset + j) % n_chunks;
        std::atomic<unsigned char>& merged = merged_[p * n_chunks + c];
        if (merged.load(std::memory_order_relaxed)) continue;
        if (busy_[c].exchange(true, std::memory_order_acquire)) {
          left = true;
          continue;
        }
        if (!merged.load(std::memory_order_relaxed)) {
          merge(p, c);
          merged.store(1, std::memory_order_relaxed);
          took = true;
        }
        busy_[c].store(false, std::memory_order_release);
      }
    }
    if (!left) {
      if (finished == workers_) return;                          // every chunk of every worker is taken
      finished_count_.wait(finished, std::memory_order_acquire);  // until another worker finishes
    } else if (!took) {
      std::this_thread::yield();
    }
  }
}

fixed_sum_set& sum_gatherer::total() {
  for (std::size_t w = 0; w < workers_; ++w)
    if (parts_[w] != nullptr)
      for (fixed_sum& s : parts_[w]->sums) s.reset_saturated();
  for (fixed_sum& s : total_.sums) s.reset_saturated();
  for (std::size_t c = 0; c < chunks_.size(); ++c)
    if (saturated_[c]) total_.sums[chunks_[c].sum].mark_saturated();
  return total_;
}

}  // namespace evsnn::rules
