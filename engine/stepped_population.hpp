#pragma once
// stepped_population: a population on the clocked engine (stepped_simulator) — the time-stepped twin
// of an event-driven population, made by population::make_stepped(dt_ms). The engine drives it
// without naming a model:
//   reset(); begin_sample(seed); then for every step k = 0, 1, ... (the step covers [k dt, (k+1) dt)):
//     add_dense/add_sparse(...)   the inputs binned to step k (any number of rows, any order);
//     step(k, out)                applies them at the step's start, advances every neuron over dt with
//                                 the model's exact propagator, and appends the neurons that spike in
//                                 step k to `out`.
// Spiking neurons report their spike at the step's end, time (k+1) dt, emission step k+1; spike
// sources report their own event times t (emission step floor(t/dt): "inputs binned to steps").
// Same-step populations (same_step(): discrete-tick models, lif_tick) instead report the spikes of
// step k at k dt, emission step k, and their zero-delay spikes reach other populations IN step k: the
// engine steps populations in topological order of those projections and delivers each same-step
// population's step-k spikes before later populations step.
// Invariants: size() is fixed; step() is called with k = 0, 1, 2, ... after begin_sample(); step()
// appends at most one spike per non-source neuron; steady-state step() does not allocate (`out` keeps
// its capacity).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace evsnn {

struct stepped_spike {
  std::uint32_t neuron = 0;
  float grade = 1.0f;
  double time_ms = 0.0;
  std::uint64_t step = 0;  // emission step: arrivals land in step + delay_steps
};

// What one step of one population did, for the counters.
struct step_counts {
  std::uint64_t membrane_changes = 0;  // neurons whose membrane potential changed (NeuroBench membrane updates)
  std::uint64_t active = 0;            // neurons that received input or spiked (Loihi's "active" updates)
};

class stepped_population {
 public:
  stepped_population(std::string name, std::string model, std::uint32_t size, double dt_ms)
      : name_(std::move(name)), model_(std::move(model)), size_(size), dt_ms_(dt_ms) {}
  virtual ~stepped_population() = default;
  stepped_population(const stepped_population&) = delete;
  stepped_population& operator=(const stepped_population&) = delete;

  const std::string& name() const { return name_; }
  const std::string& model() const { return model_; }
  std::uint32_t size() const { return size_; }
  double dt_ms() const { return dt_ms_; }

  // Spike sources replay input: they are not updated per step and take no synaptic input.
  virtual bool is_source() const { return false; }
  virtual bool spiking() const { return true; }
  // Spikes of step k at k dt, delivered through zero-delay projections within step k (see above).
  virtual bool same_step() const { return false; }

  // Every neuron at rest, nothing pending, step counter at 0.
  virtual void reset() = 0;
  // Sources seed their random stream here (the same seed the event-driven population gets).
  virtual void begin_sample(std::uint64_t /*seed*/) {}
  // Inputs for the current step (scale = grade of a graded projection, else 1).
  virtual void add_dense(std::span<const double> weights, float scale) = 0;
  virtual void add_sparse(std::span<const std::uint32_t> post, std::span<const double> weights, float scale) = 0;
  // Advances step k; appends spikes to out.
  virtual step_counts step(std::uint64_t k, std::vector<stepped_spike>& out) = 0;
  // Membrane potential (or readout value) at the end of the last step.
  virtual double value(std::uint32_t neuron) const = 0;
  // Bytes of per-neuron parameters and state (NeuroBench footprint "buffers").
  virtual std::size_t state_bytes() const = 0;

 private:
  std::string name_;
  std::string model_;
  std::uint32_t size_;
  double dt_ms_;
};

}  // namespace evsnn
