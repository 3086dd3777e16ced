#pragma once
// input_event: one input spike of a sample, as every data set reader and encoder produces it.
// Invariants (held by whoever builds a sample): time_ms >= 0, events sorted by (time_ms, channel),
// channel < the sample's channel count; grade is the graded-spike payload (1 when the data has none).
#include <cstdint>

namespace evsnn {

struct input_event {
  double time_ms = 0.0;
  std::uint32_t channel = 0;
  float grade = 1.0f;
};

}  // namespace evsnn
