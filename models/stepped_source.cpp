#include "models/stepped_source.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn {

stepped_source::stepped_source(std::string name, std::uint32_t size, double dt_ms, std::span<const input_event> events)
    : stepped_population(std::move(name), "spike_source", size, dt_ms), poisson_(false), events_(events.begin(), events.end()) {
  for (const input_event& e : events_)
    if (e.channel >= size)
      throw input_error(fmt::format("population '{}': input channel {} >= size {}", this->name(), e.channel, size));
}

stepped_source::stepped_source(std::string name, std::uint32_t size, double dt_ms, double rate_hz)
    : stepped_population(std::move(name), "spike_source", size, dt_ms), poisson_(true), rate_hz_(rate_hz) {}

void stepped_source::reset() {
  cursor_ = 0;
  next_ms_ = std::numeric_limits<double>::infinity();
}

void stepped_source::begin_sample(std::uint64_t seed) {
  cursor_ = 0;
  next_ms_ = std::numeric_limits<double>::infinity();
  if (poisson_) {
    rng_ = rng(seed);
    if (rate_hz_ > 0.0 && size() > 0) next_ms_ = 0.0 + rng_.exponential(rate_hz_ * size() * 1e-3);
  }
}

std::uint64_t stepped_source::bin(double t_ms) const {
  return static_cast<std::uint64_t>(std::floor(t_ms / dt_ms() + 1e-9));
}

step_counts stepped_source::step(std::uint64_t k, std::vector<stepped_spike>& out) {
  if (poisson_) {
    while (next_ms_ != std::numeric_limits<double>::infinity() && bin(next_ms_) <= k) {
      const auto neuron = static_cast<std::uint32_t>(rng_.below(size()));
      out.push_back({neuron, 1.0f, next_ms_, bin(next_ms_)});
      next_ms_ = next_ms_ + rng_.exponential(rate_hz_ * size() * 1e-3);
    }
    return {};
  }
  while (cursor_ < events_.size() && bin(events_[cursor_].time_ms) <= k) {
    const input_event& e = events_[cursor_++];
    out.push_back({e.channel, e.grade, e.time_ms, bin(e.time_ms)});
  }
  return {};
}

}  // namespace evsnn
