#pragma once
// spike_port: what a population may ask of the simulator that drives it. Implemented by simulator;
// tests may implement it to drive one population alone.
#include <cstdint>

namespace evsnn {

class spike_port {
 public:
  virtual ~spike_port() = default;
  // The population's neuron spiked at t_ms (>= the current time) carrying `grade`.
  virtual void emit_spike(std::uint32_t population, std::uint32_t neuron, double t_ms, float grade) = 0;
  // Asks for wakeup(t_ms, neuron, version) to be called on the population at t_ms (>= current time).
  virtual void schedule_wakeup(std::uint32_t population, std::uint32_t neuron, double t_ms,
                               std::uint32_t version) = 0;
};

}  // namespace evsnn
