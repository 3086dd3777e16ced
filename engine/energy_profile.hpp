#pragma once
// energy_profile: per-operation energies of one execution platform (a neuromorphic chip run
// event-driven, or a clocked accelerator / CPU / GPU run time-stepped), loaded from a JSON file that
// carries each figure's published source:
//   { "format": "evsnn-energy-profile/1", "name": "loihi", "title": "...",
//     "execution": "event_driven" | "time_stepped",        which run's counts it prices
//     "notes": "...",                                        optional
//     "per_op": { "<kind>": {"energy_pj": x >= 0, "source": "...",
//                            "status": "confirmed" | "unconfirmed" | "derived" | "not_charged"}, ... } }
// Every kind in op_kind_names must be present (a platform that does not spend energy on a kind says
// so with energy_pj 0 and status "not_charged"); unknown keys are errors. Energy = sum over kinds of
// count x energy_pj. Errors are input_error naming the file and JSON path.
// Invariants: energy_pj finite and >= 0 for every kind; "not_charged" <=> energy_pj == 0; a charged
// figure has a non-empty source.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/counters.hpp"

namespace evsnn {

// The kinds of operation a run is priced by. ED: event-driven run (simulator), TS: time-stepped twin.
enum class op_kind : std::uint8_t {
  synaptic_ac,          // synaptic events of binary spikes (accumulate); ED and TS: one per synapse reached
  synaptic_mac,         // synaptic events of graded spikes (multiply-accumulate)
  dense_mac,            // TS only: every (pre, post) pair of every projection every step (dense layers)
  neuron_update,        // ED: neuron state advances; TS: stepped neurons x steps
  neuron_step,          // both: stepped neurons x steps (a per-neuron charge every hardware timestep)
  active_neuron_step,   // both: (neuron, step) pairs with input or a spike, from the stepped twin at dt
  spike,                // spikes emitted (sources included)
  crossing_prediction,  // ED only: next-crossing computations
  queue_op,             // ED only: event-queue pushes + pops
  trace_update,         // reported by learning rules (ED only)
  weight_update,
  rule_op,
};
inline constexpr std::size_t op_kind_count = 12;
inline constexpr std::array<const char*, op_kind_count> op_kind_names = {
    "synaptic_ac",         "synaptic_mac", "dense_mac",    "neuron_update", "neuron_step", "active_neuron_step",
    "spike",               "crossing_prediction", "queue_op", "trace_update", "weight_update", "rule_op"};
using op_counts = std::array<std::uint64_t, op_kind_count>;
using op_energies = std::array<double, op_kind_count>;

// Counts of an event-driven run. The two per-timestep kinds come from the stepped twin at the hardware
// timestep dt: neuron_steps = stepped neurons x steps, active_neuron_steps as counted by it.
op_counts event_driven_op_counts(const run_counters& c, std::uint64_t neuron_steps, std::uint64_t active_neuron_steps);
// Counts of a time-stepped run (its counters: spikes, synaptic events, neuron updates = neuron_steps).
op_counts time_stepped_op_counts(const run_counters& c, std::uint64_t dense_macs, std::uint64_t neuron_steps,
                                 std::uint64_t active_neuron_steps);

struct energy_figure {
  double energy_pj = 0.0;
  std::string source;
  std::string status;
};

class energy_profile {
 public:
  static energy_profile load(const std::string& path);
  static energy_profile parse(const nlohmann::json& doc, const std::string& file);

  const std::string& name() const { return name_; }
  const std::string& title() const { return title_; }
  const std::string& notes() const { return notes_; }
  const std::string& file() const { return file_; }
  bool event_driven() const { return event_driven_; }
  const char* execution() const { return event_driven_ ? "event_driven" : "time_stepped"; }
  const energy_figure& figure(op_kind k) const { return figures_[static_cast<std::size_t>(k)]; }
  const energy_figure& figure(std::size_t k) const { return figures_[k]; }

  // Energy in pJ per kind, and in total, of the given counts.
  op_energies energy_pj(const op_counts& counts) const;
  double total_pj(const op_counts& counts) const;

 private:
  std::string name_, title_, notes_, file_;
  bool event_driven_ = true;
  std::array<energy_figure, op_kind_count> figures_;
};

// Resolves --profile ARG: an existing file, else ARG.json in each of dirs in order; input_error
// listing where it looked otherwise.
std::filesystem::path find_profile(const std::string& arg, const std::vector<std::filesystem::path>& dirs);

}  // namespace evsnn
