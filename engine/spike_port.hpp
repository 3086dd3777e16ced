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
  // Asks for population::settle(t_ms) to be called at t_ms (>= current time), after every arrival and
  // hook tick at t_ms; settles at one time run in topological order of the zero-delay projections
  // between settling populations (event.hpp).
  virtual void schedule_settle(std::uint32_t population, double t_ms) = 0;
};

}  // namespace evsnn
