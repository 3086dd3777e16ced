#pragma once
// sum_gatherer: the training workers' fixed-point sums gathered into one total while the workers finish their
// shares of a batch, instead of in a pass over every worker's sums after the last one has finished. A worker
// with no sample left calls finish(): it merges, chunk by chunk, the sums of every worker that has finished
// (its own included) into the total, setting them to zero as it goes (only the blocks a worker wrote: fixed_sum's
// dirty marks), and returns once every chunk of every worker of the batch is merged or being merged. So the
// merge runs in the batch's tail, where threads otherwise wait, and what is left after the last worker finishes
// is that worker's chunks, spread over all the threads. The first worker to finish swaps its sums with the total
// instead of copying them (and clears the storage it gets back); no other worker clears its sums before a batch
// (they are left zero). A worker waits
// without using a core (std::atomic::wait). The total is the same integers in any order (fixed point). (Which partial
// sums exist depends on the order, so a total near the range's end, +-1.07e9, may be flagged saturated in one
// order and not in another; the trainer stops either way soon after: such sums mean divergence.) The trainer
// uses one for the workers' sums of a batch and, for online rules, for the threads' sums of a lockstep step.
// Invariants: between batches every part handed to finish() is zero with its saturation flags cleared (from
// construction: make_sums() gives zeros); no chunk of the total is merged into before the first worker's swap
// (total_ready_); a chunk is written by one thread at a time (its lock), and each (worker, chunk) is merged
// exactly once per batch. Every worker started for a batch must call finish(), even after an error.
#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "rules/fixed_sum.hpp"

namespace evsnn::rules {

class sum_gatherer {
 public:
  // shape: sums of the workers' shape (their values are not used); max_workers: the most workers of a batch;
  // chunk_elements: elements per chunk (the unit of merging and locking).
  sum_gatherer(const fixed_sum_set& shape, std::size_t max_workers, std::size_t chunk_elements = 8192);
  sum_gatherer(const sum_gatherer&) = delete;
  sum_gatherer& operator=(const sum_gatherer&) = delete;

  // Before a batch that `workers` workers (1 .. max_workers) run; not while one runs.
  void begin(std::size_t workers);
  // Worker w (< workers, once per batch) has added its last sample into part (which it does not touch again in
  // this batch): merges finished workers' chunks, then returns when none is left to take.
  void finish(std::size_t w, fixed_sum_set& part);
  // After every worker's finish() has returned: the batch's total, with saturation flags (a part's flag, or a
  // merged sum beyond the range). Valid until the next begin().
  fixed_sum_set& total();

 private:
  struct chunk {
    std::size_t sum, begin, end;
  };
  void merge(std::size_t part, std::size_t c);  // caller holds chunk c's lock

  fixed_sum_set total_;
  std::vector<chunk> chunks_;
  std::size_t max_workers_ = 0, workers_ = 0;
  std::vector<fixed_sum_set*> parts_;                      // per worker: its sums, set by finish()
  std::unique_ptr<std::atomic<bool>[]> finished_;          // per worker
  std::unique_ptr<std::atomic<bool>[]> busy_;              // per chunk: its lock
  std::unique_ptr<std::atomic<unsigned char>[]> merged_;   // per (worker, chunk): taken (under the chunk's lock)
  std::vector<char> saturated_;                            // per chunk (its lock)
  std::atomic<std::size_t> finished_count_{0};
  std::atomic<bool> started_{false};      // a worker has claimed the swap
  std::atomic<bool> total_ready_{false};  // the swap is done: chunks may be merged into the total
};

}  // namespace evsnn::rules
