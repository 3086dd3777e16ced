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

event event_queue::make_arrival(double time_ms, double emit_ms, std::uint32_t target, std::uint32_t index,
                                std::uint32_t group, float grade) {
  event e;
  e.time_ms = time_ms;
  e.order = static_cast<std::uint64_t>(event_kind::arrival) << 56;
  e.emit_ms = emit_ms;
  e.target = target;
  e.index = index;
  e.aux = group;
  e.grade = grade;
  return e;
}

void event_queue::push_arrival(double time_ms, double emit_ms, std::uint32_t target, std::uint32_t index,
                               std::uint32_t group, float grade) {
  insert(make_arrival(time_ms, emit_ms, target, index, group, grade));
}

void event_queue::push_arrival(double time_ms, double emit_ms, std::uint32_t target, std::uint32_t index,
                               std::uint32_t group, float grade, std::uint32_t stream) {
  const event e = make_arrival(time_ms, emit_ms, target, index, group, grade);
  if (stream >= streams_.size()) {
    insert(e);
    return;
  }
  ring& r = streams_[stream];
  if (r.count > 0 && precedes(e, r.back())) {  // out of the stream's order: the heap path keeps it exact
    insert(e);
    return;
  }
  check_causality(e.time_ms, "event");
  ++pushes_;
  r.push_back(e);
  ++stream_size_;
  if (r.count == 1) {
    live_.push_back(stream);
    live_up(live_.size() - 1);
  }
}

void event_queue::set_streams(std::uint32_t n) {
  streams_.assign(n, ring{});
  live_.clear();
  live_.reserve(n);
  stream_size_ = 0;
}

std::size_t event_queue::stream_capacity() const {
  std::size_t c = 0;
  for (const ring& r : streams_) c += r.items.size();
  return c;
}

void event_queue::ring::push_back(const event& e) {
  if (count == items.size()) {  // full: double, unrolled from head
    std::vector<event> grown(std::max<std::size_t>(8, 2 * items.size()));
    for (std::size_t k = 0; k < count; ++k) grown[k] = items[(head + k) & (items.size() - 1)];
    items.swap(grown);
    head = 0;
  }
  items[(head + count) & (items.size() - 1)] = e;
  ++count;
}

void event_queue::ring::pop_front() {
  head = (head + 1) & (items.size() - 1);
  --count;
}

void event_queue::live_up(std::size_t k) {
  while (k > 0) {
    const std::size_t parent = (k - 1) / 2;
    if (!stream_before(live_[k], live_[parent])) break;
    std::swap(live_[k], live_[parent]);
    k = parent;
  }
}

void event_queue::live_down(std::size_t k) {
  const std::size_t n = live_.size();
  for (;;) {
    const std::size_t l = 2 * k + 1;
    if (l >= n) break;
    std::size_t least = l;
    if (l + 1 < n && stream_before(live_[l + 1], live_[l])) least = l + 1;
    if (!stream_before(live_[least], live_[k])) break;
    std::swap(live_[k], live_[least]);
    k = least;
  }
}

void event_queue::check_causality(double time_ms, const char* what) const {
  if (!(time_ms >= now_ms_))
    throw std::logic_error(fmt::format("event_queue: {} at {} ms pushed at {} ms", what, time_ms, now_ms_));
}

void event_queue::insert(const event& e) {
  check_causality(e.time_ms, "event");
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
  check_causality(time_ms, "settle");
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
  if (live_.empty()) return heap_.top().time_ms;
  const double s = streams_[live_[0]].front().time_ms;
  return heap_.empty() ? s : std::min(s, heap_.top().time_ms);
}

const event* event_queue::least(int& fifo_kind, int& from) const {
  // The least of three candidates: the current-time FIFOs' least front, the heap's top, the least stream front.
  const event* best = nullptr;
  from = from_current;
  fifo_kind = best_fifo();
  if (fifo_kind >= 0) best = &fifos_[static_cast<std::size_t>(fifo_kind)].items[fifos_[static_cast<std::size_t>(fifo_kind)].head];
  if (!heap_.empty() && (best == nullptr || precedes(heap_.top(), *best))) {
    best = &heap_.top();
    from = from_heap;
  }
  if (!live_.empty() && (best == nullptr || precedes(streams_[live_[0]].front(), *best))) {
    best = &streams_[live_[0]].front();
    from = from_stream;
  }
  return best;
}

const event& event_queue::peek() const {
  int k = 0, from = 0;
  return *least(k, from);
}

event event_queue::pop() {
  ++pops_;
  int k = 0, from = 0;
  const event* best = least(k, from);
  const event e = *best;
  switch (from) {
    case from_current: {
      fifo& f = fifos_[static_cast<std::size_t>(k)];
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
      break;
    }
    case from_heap:
      heap_.pop();
      break;
    case from_stream: {
      ring& r = streams_[live_[0]];
      r.pop_front();
      --stream_size_;
      if (r.count == 0) {
        live_[0] = live_.back();
        live_.pop_back();
      }
      if (!live_.empty()) live_down(0);
      break;
    }
  }
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
  for (ring& r : streams_) {
    r.head = 0;
    r.count = 0;
  }
  live_.clear();
  stream_size_ = 0;
  now_ms_ = time_ms;
}

}  // namespace evsnn
