#pragma once
// energy_report: the event-driven vs time-stepped comparison `evsnn energy` prints and writes — the
// counts of both runs by operation kind, their energy under each profile (event-driven profiles price
// the event-driven run, time-stepped profiles the stepped run), totals, the ratio of every
// time-stepped total to every event-driven total, and the NeuroBench metrics of the stepped run; as a
// table for people, JSON for machines and an SVG bar chart. Also the counters.json document of
// `evsnn run` (full per-population and per-projection counters of either run).
// Invariants: energy_pj[k] == count[k] x per-op energy of the profile, exactly as computed by
// energy_profile; totals are the sums of the per-kind energies in kind order.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/energy_profile.hpp"
#include "engine/network.hpp"
#include "engine/neurobench_metrics.hpp"
#include "engine/simulator.hpp"
#include "engine/stepped_simulator.hpp"

namespace evsnn::cli {

// Where --profile names are looked up: $EVSNN_PROFILE_DIR, then tools/profiles next to the executable's
// folder (build/evsnn -> tools/profiles); from replaces the executable's folder.
std::vector<std::filesystem::path> profile_dirs(const std::filesystem::path& from = {});

// counters.json of an event-driven run.
nlohmann::json event_driven_counters_json(const run_counters& c, const network& net, double duration_ms);
// counters.json of a time-stepped run.
nlohmann::json time_stepped_counters_json(const stepped_simulator& sim, double duration_ms);

class energy_report {
 public:
  struct timing {
    double event_driven_s = 0.0;
    double time_stepped_s = 0.0;
  };

  energy_report(std::string network_file, const network& net, double duration_ms, const run_counters& event_driven,
                const stepped_simulator& stepped, std::vector<energy_profile> profiles, timing wall);

  const op_counts& event_driven_counts() const { return ed_; }
  const op_counts& time_stepped_counts() const { return ts_; }
  const std::vector<energy_profile>& profiles() const { return profiles_; }
  // Total energy (pJ) of profile i on the run it prices.
  double total_pj(std::size_t i) const;
  const neurobench_metrics& neurobench() const { return nb_; }

  nlohmann::json to_json() const;
  std::string table() const;
  std::string svg() const;

 private:
  const op_counts& counts_for(const energy_profile& p) const { return p.event_driven() ? ed_ : ts_; }

  std::string file_;
  double duration_ms_, dt_ms_;
  std::uint64_t steps_, neurons_, stepped_neurons_, synapses_;
  std::uint64_t ed_spikes_, ts_spikes_;
  op_counts ed_, ts_;
  std::vector<energy_profile> profiles_;
  neurobench_metrics nb_;
  timing wall_;
};

// "62.7 µJ": three significant digits in the unit that fits (pJ ... J).
std::string format_energy(double pj);

}  // namespace evsnn::cli
