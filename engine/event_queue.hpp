#pragma once
// event_queue: the future event set of a simulation.
// A Boost.Heap 4-ary heap holds future events; events pushed for the current time (zero-delay fan-out,
// immediate wakeups) skip it and go to one FIFO per kind, as OMNeT++'s cEventHeap does, because
// same-time inserts are a heap's worst case. Arrivals are ordered by their spikes, not by push order
// (event.hpp), so the current-time arrivals are a small binary heap instead of a FIFO. pop() always
// returns the least event in the total order over heap and FIFOs together.
// Settle events always go to the heap: their order carries a rank (event.hpp), so same-time settles
// pushed out of rank order must still pop in rank order, which a FIFO would not give.
// Arrival streams (set_streams; the simulator keeps one per fan-out group): a group's arrivals come in the
// order their spikes were emitted, so an arrival pushed to its stream is appended there whenever it does not
// precede the stream's last one, and takes the heap path otherwise (same-time spikes emitted out of neuron
// order, another rank's spikes received late). Each stream is then sorted, and a small binary heap of the
// non-empty streams keyed by their fronts gives the least front; an arrival costs an append and a pop
// instead of a sift up and a sift down in a heap of every pending event. Streams are ring buffers, so their
// memory is bounded by the arrivals in flight, not by the run's length.
// Invariants: every pushed time >= now() (causality; violated pushes throw std::logic_error);
// all FIFO events have time == now(); sequence numbers strictly increase with each push; the arrival
// FIFO's items are a binary heap under `later` (its head stays 0); every stream is sorted under precedes,
// and live_ holds exactly the non-empty streams as a binary min-heap of their fronts.
// Memory is reused across runs: clear() keeps capacity, so the steady state does not allocate.
#include <array>
#include <cstdint>
#include <vector>

#include <boost/heap/d_ary_heap.hpp>

#include "engine/event.hpp"

namespace evsnn {

class event_queue {
 public:
  event_queue();

  // Any kind but arrival (std::logic_error for an arrival: those need push_arrival's key).
  void push(double time_ms, event_kind kind, std::uint32_t target, std::uint32_t index, std::uint32_t aux = 0,
            float grade = 1.0f);
  // The arrival at time_ms of the spike neuron `index` of population `target` emitted at emit_ms, for its
  // fan-out group `group`.
  void push_arrival(double time_ms, double emit_ms, std::uint32_t target, std::uint32_t index, std::uint32_t group,
                    float grade);
  // The same, through arrival stream `stream` (< the count set_streams gave; others take the heap path).
  void push_arrival(double time_ms, double emit_ms, std::uint32_t target, std::uint32_t index, std::uint32_t group,
                    float grade, std::uint32_t stream);
  // Makes n empty arrival streams (drops pending stream events: call before a run).
  void set_streams(std::uint32_t n);
  // Events the streams' buffers can hold without growing (for tests of the memory bound).
  std::size_t stream_capacity() const;
  // A settle event for population `target` with its rank (<= max_settle_rank).
  void push_settle(double time_ms, std::uint32_t target, std::uint32_t rank);
  bool empty() const { return heap_.empty() && fifo_size_ == 0 && stream_size_ == 0; }
  std::size_t size() const { return heap_.size() + fifo_size_ + stream_size_; }
  // Time of the next event; requires !empty().
  double next_time() const;
  // The least event, which pop() would return; requires !empty(). Valid until the next push or pop.
  const event& peek() const;
  // Removes and returns the least event; requires !empty(). Advances now() to its time.
  event pop();
  double now() const { return now_ms_; }
  // Drops all events and sets now() to time_ms (sequence numbers keep increasing).
  void clear(double time_ms = 0.0);

  std::uint64_t pushes() const { return pushes_; }
  std::uint64_t pops() const { return pops_; }

 private:
  struct later {
    bool operator()(const event& a, const event& b) const { return precedes(b, a); }
  };
  struct fifo {
    std::vector<event> items;
    std::size_t head = 0;
    bool empty() const { return head == items.size(); }
  };
  // A FIFO ring buffer of arrivals; its capacity is 0 or a power of two.
  struct ring {
    std::vector<event> items;
    std::size_t head = 0;
    std::size_t count = 0;
    const event& front() const { return items[head]; }
    const event& back() const { return items[(head + count - 1) & (items.size() - 1)]; }
    void push_back(const event& e);
    void pop_front();
  };
  static event make_arrival(double time_ms, double emit_ms, std::uint32_t target, std::uint32_t index,
                            std::uint32_t group, float grade);
  // Puts e in the heap, or in its kind's FIFO when it is for now() (causality checked).
  void insert(const event& e);
  void check_causality(double time_ms, const char* what) const;
  bool stream_before(std::uint32_t a, std::uint32_t b) const {
    return precedes(streams_[a].front(), streams_[b].front());
  }
  void live_up(std::size_t k);
  void live_down(std::size_t k);
  // Where the least event lies (pop, peek): the current-time FIFO of kind fifo_kind (when from_current), the
  // heap, or the least stream. Requires !empty().
  enum : int { from_current, from_heap, from_stream };
  const event* least(int& fifo_kind, int& from) const;
  // Index of the non-empty FIFO whose front is least, or -1.
  int best_fifo() const;

  boost::heap::d_ary_heap<event, boost::heap::arity<4>, boost::heap::compare<later>> heap_;
  std::array<fifo, event_kind_count> fifos_;
  std::size_t fifo_size_ = 0;
  std::vector<ring> streams_;
  std::vector<std::uint32_t> live_;  // the non-empty streams, a binary min-heap by front
  std::size_t stream_size_ = 0;
  double now_ms_ = 0.0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t pushes_ = 0;
  std::uint64_t pops_ = 0;
};

}  // namespace evsnn
