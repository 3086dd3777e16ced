#include "engine/event_queue.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace evsnn {

event_queue::event_queue() = default;

void event_queue::push(double time_ms, event_kind kind, std::uint32_t target, std::uint32_t index,
                       std::uint32_t aux, float grade) {
  if (kind == event_kind::arrival) throw std::logic_error("event_queue: arrivals go through push_arrival");
  event e;
  e.time_ms = time_ms;
  e.order = (static_cast<std::uint64_t>(kind) << 56) | next_seq_;
  e.target = target;
  e.index = index;
  e.aux = aux;
  e.grade = grade;
  insert(e);
  ++next_seq_;
}

void event_queue::push_arrival(double time_ms, double emit_ms, std::uint32_t target, std::uint32_t index,
                               std::uint32_t group, float grade) {
  event e;
  e.time_ms = time_ms;
  e.order = static_cast<std::uint64_t>(event_kind::arrival) << 56;
  e.emit_ms = emit_ms;
  e.target = target;
  e.index = index;
  e.aux = group;
  e.grade = grade;
  insert(e);
}

void event_queue::insert(const event& e) {
  if (!(e.time_ms >= now_ms_))
    throw std::logic_error(fmt::format("event_queue: event at {} ms pushed at {} ms", e.time_ms, now_ms_));
  ++pushes_;
  if (e.time_ms != now_ms_) {
    heap_.push(e);
    return;
  }
  std::vector<event>& now = fifos_[static_cast<std::size_t>(e.kind())].items;
  now.push_back(e);
  if (e.kind() == event_kind::arrival) std::push_heap(now.begin(), now.end(), later{});
  ++fifo_size_;
}

void event_queue::push_settle(double time_ms, std::uint32_t target, std::uint32_t rank) {
  if (!(time_ms >= now_ms_))
    throw std::logic_error(fmt::format("event_queue: settle at {} ms pushed at {} ms", time_ms, now_ms_));
  if (rank > max_settle_rank) throw std::logic_error(fmt::format("event_queue: settle rank {} too large", rank));
  constexpr std::uint64_t seq_mask = (std::uint64_t{1} << settle_rank_shift) - 1;
  event e;
  e.time_ms = time_ms;
  e.order = (static_cast<std::uint64_t>(event_kind::settle) << 56) |
            (static_cast<std::uint64_t>(rank) << settle_rank_shift) | (next_seq_++ & seq_mask);
  e.target = target;
  ++pushes_;
  heap_.push(e);
}

int event_queue::best_fifo() const {
  if (fifo_size_ == 0) return -1;
  // All FIFO events share now(), so the lowest non-empty kind holds the least front.
  for (int k = 0; k < event_kind_count; ++k)
    if (!fifos_[static_cast<std::size_t>(k)].empty()) return k;
  return -1;
}

double event_queue::next_time() const {
  if (fifo_size_ > 0) return now_ms_;
  return heap_.top().time_ms;
}

event event_queue::pop() {
  ++pops_;
  const int k = best_fifo();
  if (k >= 0) {
    fifo& f = fifos_[static_cast<std::size_t>(k)];
    const event& front = f.items[f.head];
    if (heap_.empty() || precedes(front, heap_.top())) {
      event e = front;
      if (k == static_cast<int>(event_kind::arrival)) {
        std::pop_heap(f.items.begin(), f.items.end(), later{});
        f.items.pop_back();
      } else {
        ++f.head;
      }
      --fifo_size_;
      if (f.empty()) {
        f.items.clear();
        f.head = 0;
      }
      return e;
    }
  }
  event e = heap_.top();
  heap_.pop();
  now_ms_ = e.time_ms;
  return e;
}

void event_queue::clear(double time_ms) {
  heap_.clear();
  for (fifo& f : fifos_) {
    f.items.clear();
    f.head = 0;
  }
  fifo_size_ = 0;
  now_ms_ = time_ms;
}

}  // namespace evsnn
