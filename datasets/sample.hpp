#pragma once
// sample: one labelled input of a data set, as the presenter feeds it to a network.
// Invariants: events sorted by (time_ms, channel); every time_ms >= 0 and finite, and
// <= duration_ms; every channel < channels; label < the data set's class count.
// A sample is also a reusable buffer: dataset::load() overwrites it without shrinking capacity,
// so presenting samples in a loop allocates nothing once the largest sample has been seen.
#include <cstdint>
#include <vector>

#include "engine/input_event.hpp"

namespace evsnn::data {

struct sample {
  std::vector<input_event> events;
  std::uint32_t label = 0;
  double duration_ms = 0.0;
  std::uint32_t channels = 0;

  void clear() {
    events.clear();
    label = 0;
    duration_ms = 0.0;
    channels = 0;
  }
};

// Sorts events by (time_ms, channel), stable for equal keys.
void sort_events(std::vector<input_event>& events);

}  // namespace evsnn::data
