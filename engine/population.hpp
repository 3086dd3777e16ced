#pragma once
// population: a group of neurons of one model, with structure-of-arrays state, driven by events.
// The engine knows populations only through this interface; models/ implements it.
// Contract:
//  - attach() is called once before any other call; reset(t) puts every neuron at rest at time t.
//  - deliver_*() adds one presynaptic spike's row of weighted inputs at t_ms (scale = grade of a
//    graded projection, else 1). A model advances only the neurons it touches, re-predicts their next
//    threshold crossing, and asks for a wakeup through the port when the prediction changes.
//  - wakeup() is called at a time the population asked for; a version that no longer matches means
//    the prediction is stale and the call must do nothing but count it.
//  - settle() is called at a time the population asked for through port().schedule_settle(), after
//    every arrival and hook tick at that time (discrete-tick models integrate a step there); settles()
//    says whether the model uses it (the simulator orders settling populations by their zero-delay
//    projections and refuses zero-delay loops among them).
//  - Times passed in never decrease between reset() calls.
//  - Rules learn about a model only through membrane() (engine/membrane_view.hpp) and may perturb it
//    only through kickable() (engine/membrane_kick.hpp).
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "engine/counters.hpp"
#include "engine/error.hpp"
#include "engine/input_event.hpp"
#include "engine/membrane_kick.hpp"
#include "engine/trainable_bias.hpp"
#include "engine/membrane_view.hpp"
#include "engine/spike_port.hpp"
#include "engine/stepped_population.hpp"

namespace evsnn {

class population {
 public:
  population(std::string name, std::uint32_t size) : name_(std::move(name)), size_(size) {}
  virtual ~population() = default;
  population(const population&) = delete;
  population& operator=(const population&) = delete;

  const std::string& name() const { return name_; }
  std::uint32_t size() const { return size_; }
  std::uint32_t id() const { return id_; }
  virtual const char* model() const = 0;
  // False for readouts that never spike (li).
  virtual bool spiking() const { return true; }
  // False for populations that cannot be the target of a projection (spike sources).
  virtual bool takes_synaptic_input() const { return true; }

  void attach(std::uint32_t id, spike_port* port, population_counters* counters) {
    id_ = id;
    port_ = port;
    counters_ = counters;
  }

  virtual void reset(double t_ms) = 0;
  // Called at sample begin after reset (if any); sources schedule their first spikes here.
  // seed identifies the sample's random stream.
  virtual void begin_sample(double /*t_ms*/, std::uint64_t /*seed*/) {}
  virtual void deliver_sparse(double t_ms, std::span<const std::uint32_t> post, std::span<const double> weights,
                              float scale) = 0;
  // Row whose targets are neurons 0..weights.size()-1 in order.
  virtual void deliver_dense(double t_ms, std::span<const double> weights, float scale) = 0;
  // Same-time rows (optional; a model that defers_predictions() takes part). The simulator calls
  // defer_predictions() before delivering an arrival when the next event is another arrival at the same time
  // whose rows all go to this population, and finish_predictions() after the last such arrival's rows (or when
  // the run stops between them). In between nothing reaches the population but rows and rules' on_pre hooks,
  // which may read the membrane (state after the rows so far), not its predictions: the model may leave the
  // rows' re-predictions and its wakeup request to finish_predictions(), to make them once, from the state
  // after every row of the instant. A prediction that would be a crossing at that very time must be made at
  // once (the wakeup fires before the instant's later arrivals, event.hpp).
  virtual bool defers_predictions() const { return false; }
  virtual void defer_predictions() {}
  virtual void finish_predictions() {}
  virtual void wakeup(double t_ms, std::uint32_t neuron, std::uint32_t version) = 0;
  virtual bool settles() const { return false; }
  virtual void settle(double /*t_ms*/) {}
  // Membrane potential (or readout value) of a neuron at t_ms >= the last event it saw.
  virtual double potential(std::uint32_t neuron, double t_ms) const = 0;
  // The model's membrane for learning rules (kernel, thresholds, exact state); null when it has none.
  virtual const membrane_view* membrane() const { return nullptr; }
  // Kicks to the membrane potential for perturbation rules (engine/membrane_kick.hpp); null when the
  // model cannot take them.
  virtual membrane_kick* kickable() { return nullptr; }
  // The per-neuron bias a trainer may change (engine/trainable_bias.hpp); null when the model has none.
  virtual trainable_bias* trainable() { return nullptr; }
  // Sets the events a presenter feeds in, times relative to the next sample begin; the span must stay
  // valid until the sample ends. Only input populations (accepts_input()) use it.
  virtual bool accepts_input() const { return false; }
  virtual void set_input(std::span<const input_event> /*events*/) {}
  // The time-stepped twin of this population (same parameters, at rest) for a clock of step dt_ms > 0.
  virtual std::unique_ptr<stepped_population> make_stepped(double /*dt_ms*/) const {
    throw input_error("population '" + name_ + "': model " + model() + " has no time-stepped twin");
  }

 protected:
  spike_port& port() { return *port_; }
  population_counters& counters() { return *counters_; }

 private:
  std::string name_;
  std::uint32_t size_;
  std::uint32_t id_ = 0;
  spike_port* port_ = nullptr;
  population_counters* counters_ = nullptr;
};

}  // namespace evsnn
