#pragma once
// stepped_source: the time-stepped twin of spike_source. It produces the SAME input spikes as the
// event-driven source: replay lists are copied, and Poisson trains are regenerated from the same
// per-sample seed with the same sequence of random draws (first gap, then per spike: neuron, next
// gap), so the event-driven and stepped runs of one network see identical input. A spike at time t is
// emitted in step floor(t/dt) (a time within 1e-9 steps below a step boundary counts as on it) with
// its exact time and grade; the stepped engine then bins its arrivals. Sources take no synaptic input
// and are not updated per step.
// Invariants: events_ sorted by (time, channel), every channel < size(); cursor_ <= events_.size().
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/input_event.hpp"
#include "engine/rng.hpp"
#include "engine/stepped_population.hpp"

namespace evsnn {

class stepped_source final : public stepped_population {
 public:
  // Replays events (times relative to the sample begin).
  stepped_source(std::string name, std::uint32_t size, double dt_ms, std::span<const input_event> events);
  // Independent Poisson trains at rate_hz per neuron.
  stepped_source(std::string name, std::uint32_t size, double dt_ms, double rate_hz);

  bool is_source() const override { return true; }
  void reset() override;
  void begin_sample(std::uint64_t seed) override;
  void add_dense(std::span<const double>, float) override {}
  void add_sparse(std::span<const std::uint32_t>, std::span<const double>, float) override {}
  step_counts step(std::uint64_t k, std::vector<stepped_spike>& out) override;
  double value(std::uint32_t) const override { return 0.0; }
  std::size_t state_bytes() const override { return 0; }

 private:
  std::uint64_t bin(double t_ms) const;

  bool poisson_;
  std::vector<input_event> events_;
  std::size_t cursor_ = 0;
  double rate_hz_ = 0.0;
  double next_ms_ = 0.0;  // next Poisson spike
  rng rng_{0};
};

}  // namespace evsnn
