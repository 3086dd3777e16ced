#pragma once
// py_network: the network object of the Python module (evsnn.Network): a network built by the engine's
// loader (engine/network_loader, the same as `evsnn run` builds) from a file or a document, kept between
// calls. Its weights are read and written in place (through projection::set_weight, so float32 projections
// round as the engine does); runs (py_run.cpp) simulate it with a fresh simulator each time, so state
// does not carry from run to run, but what plasticity learned during a run stays in the weights.
// Invariant: at most one call works on the network at a time (a second thread gets an error, not a race).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/network.hpp"

namespace evsnn::py {

class py_network {
 public:
  // Built with the GIL released by the caller; errors are input_error (file and JSON path).
  static std::unique_ptr<py_network> load(const std::string& path);
  static std::unique_ptr<py_network> build(const nlohmann::json& doc, const std::string& name,
                                           const std::filesystem::path& base_dir);

  network& net() { return *net_; }
  const network& net() const { return *net_; }
  const std::string& file() const { return file_; }
  const std::filesystem::path& base_dir() const { return base_dir_; }
  const std::string& description() const { return description_; }
  // The projection called name; input_error listing the names otherwise.
  std::uint32_t projection_id(const std::string& name) const;

  // Marks the network busy for the lifetime of the guard; a second guard at the same time throws.
  class busy_guard {
   public:
    explicit busy_guard(py_network& n);
    ~busy_guard() { n_.busy_ = false; }
    busy_guard(const busy_guard&) = delete;
    busy_guard& operator=(const busy_guard&) = delete;

   private:
    py_network& n_;
  };

 private:
  py_network(std::unique_ptr<network> net, std::string file, std::filesystem::path base_dir, std::string description);
  std::unique_ptr<network> net_;
  std::string file_;
  std::filesystem::path base_dir_;
  std::string description_;
  std::atomic<bool> busy_{false};
};

// What Network.run asks for (the Python keywords).
struct run_request {
  std::optional<double> duration_ms;  // default: the network's duration_ms (with data: per sample)
  std::optional<std::uint64_t> seed;  // default: the network's seed
  std::string data, data_dir, input;  // data set spec ("" : the network's own input)
  std::size_t samples = 0;
  bool carry = false;
  double gap_ms = 0.0;
  std::uint64_t max_spikes = 0, max_events = 0;
  bool energy = true;
  std::vector<std::string> profiles{"loihi", "horowitz45_fp32"};
  double dt_ms = 1.0;
};

// What a run produced, before it becomes Python objects (filled with the GIL released).
struct run_outcome {
  std::vector<double> time_ms;
  std::vector<std::int32_t> population;
  std::vector<std::uint32_t> neuron;
  std::vector<std::int64_t> sample;  // with data only
  std::vector<std::string> population_names;
  nlohmann::json counters, summary, energy;  // energy: null when not computed
  std::vector<std::pair<std::string, std::vector<double>>> readout;
  bool with_data = false;
  std::vector<std::uint64_t> sample_spikes;
  std::vector<std::uint32_t> sample_labels;
  std::vector<double> sample_durations_ms;
  double wall_time_s = 0.0, simulated_ms = 0.0;
  std::string status = "complete", stop_reason;
  double stopped_at_ms = 0.0;
};

// Runs the network as `evsnn run` does (the same presenter path with data) and, when asked and without
// data, the time-stepped twin first as `evsnn energy` does. poll is asked every so many events whether to
// stop (Python signals); a stop by poll returns with status "interrupted".
run_outcome run_network(py_network& n, const run_request& r, const std::function<bool()>& poll);

}  // namespace evsnn::py
