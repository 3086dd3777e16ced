#pragma once
// wakeup_heap: an indexed 4-ary min-heap of predicted threshold crossings, one entry per neuron at
// most, keyed by (time, neuron). set(i, t) inserts, moves (earlier or later) or, with t = +inf,
// removes neuron i's entry in O(log k) through its stored position, so a changed prediction never
// leaves a stale entry behind. A population keeps one of these and puts only its earliest crossing
// in the simulator's event queue. Many changes at once (a dense row's targets) can be staged and the heap
// rebuilt once (stage, rebuild).
// Invariants (outside a stage/rebuild batch): heap_ is a 4-ary min-heap under (time, neuron);
// pos_[heap_[k].neuron] == k for every k; pos_[i] == npos exactly when neuron i has no entry; no entry has
// time +inf.
#include <cstdint>
#include <limits>
#include <vector>

namespace evsnn {

class wakeup_heap {
 public:
  static constexpr std::uint32_t npos = std::numeric_limits<std::uint32_t>::max();

  explicit wakeup_heap(std::uint32_t neurons = 0) : pos_(neurons, npos) { heap_.reserve(neurons); }

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  double top_time() const { return heap_.empty() ? std::numeric_limits<double>::infinity() : heap_[0].time_ms; }
  std::uint32_t top() const { return heap_[0].neuron; }
  bool contains(std::uint32_t neuron) const { return pos_[neuron] != npos; }

  // Always inlined: its callers' loops (a row's re-predictions) are hot, and GCC would not otherwise inline it
  // into a caller compiled for another target (exact_lif's AVX2 rows).
  __attribute__((always_inline)) void set(std::uint32_t neuron, double time_ms) {
    const std::uint32_t k = pos_[neuron];
    if (time_ms == std::numeric_limits<double>::infinity()) {
      if (k != npos) remove_at(k);
      return;
    }
    if (k == npos) {
      heap_.push_back({time_ms, neuron});
      pos_[neuron] = static_cast<std::uint32_t>(heap_.size() - 1);
      sift_up(static_cast<std::uint32_t>(heap_.size() - 1));
    } else if (time_ms < heap_[k].time_ms) {
      heap_[k].time_ms = time_ms;
      sift_up(k);
    } else {
      heap_[k].time_ms = time_ms;
      sift_down(k);
    }
  }

  void pop() { remove_at(0); }

  // Batch update, for many changes at once: stage() makes the change set() would (insert, move, remove)
  // without restoring the heap order, and rebuild() restores it in O(size) (Floyd's heap construction) instead
  // of O(log size) per change. Between them only stage() may be called. The entries, hence the top under the
  // (time, neuron) total order and every later top, are those the same set() calls would leave.
  void stage(std::uint32_t neuron, double time_ms) {
    const std::uint32_t k = pos_[neuron];
    if (time_ms == std::numeric_limits<double>::infinity()) {
      if (k == npos) return;
      pos_[neuron] = npos;
      const entry last = heap_.back();
      heap_.pop_back();
      if (k != heap_.size()) place(k, last);
    } else if (k == npos) {
      heap_.push_back({time_ms, neuron});
      pos_[neuron] = static_cast<std::uint32_t>(heap_.size() - 1);
    } else {
      heap_[k].time_ms = time_ms;
    }
  }
  void rebuild() {
    const auto n = static_cast<std::uint32_t>(heap_.size());
    if (n < 2) return;
    for (std::uint32_t k = (n - 2) / 4 + 1; k-- > 0;) sift_down(k);
  }

  void clear() {
    for (const entry& e : heap_) pos_[e.neuron] = npos;
    heap_.clear();
  }

 private:
  struct entry {
    double time_ms;
    std::uint32_t neuron;
  };
  static bool less(const entry& a, const entry& b) {
    return a.time_ms < b.time_ms || (a.time_ms == b.time_ms && a.neuron < b.neuron);
  }
  void place(std::uint32_t k, const entry& e) {
    heap_[k] = e;
    pos_[e.neuron] = k;
  }
  void sift_up(std::uint32_t k) {
    const entry e = heap_[k];
    while (k > 0) {
      const std::uint32_t parent = (k - 1) / 4;
      if (!less(e, heap_[parent])) break;
      place(k, heap_[parent]);
      k = parent;
    }
    place(k, e);
  }
  void sift_down(std::uint32_t k) {
    const entry e = heap_[k];
    const auto n = static_cast<std::uint32_t>(heap_.size());
    while (true) {
      const std::uint32_t first = 4 * k + 1;
      if (first >= n) break;
      std::uint32_t best = first;
      const std::uint32_t last = first + 4 < n ? first + 4 : n;
      for (std::uint32_t c = first + 1; c < last; ++c)
        if (less(heap_[c], heap_[best])) best = c;
      if (!less(heap_[best], e)) break;
      place(k, heap_[best]);
      k = best;
    }
    place(k, e);
  }
  void remove_at(std::uint32_t k) {
    pos_[heap_[k].neuron] = npos;
    const entry last = heap_.back();
    heap_.pop_back();
    if (k == heap_.size()) return;
    heap_[k] = last;
    pos_[last.neuron] = k;
    if (k > 0 && less(last, heap_[(k - 1) / 4]))
      sift_up(k);
    else
      sift_down(k);
  }

  std::vector<entry> heap_;
  std::vector<std::uint32_t> pos_;
};

}  // namespace evsnn
