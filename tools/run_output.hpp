#pragma once
// run_output: the files and summaries `evsnn run` produces — spikes.csv (time_ms,population,neuron;
// shortest round-trip decimal: it reads back to the same double), streamed while the network runs, the summary as a table or JSON, readout values of
// non-spiking populations. Files are written atomically.
// Invariant: spike_csv_writer holds at most one buffer (about 64 KiB) of text, whatever the run's
// length: memory does not grow with the number of spikes.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/atomic_file.hpp"
#include "engine/simulator.hpp"
#include "tools/output_folder.hpp"

namespace evsnn::cli {

// A spike file streamed while the simulator emits spikes (at most one buffer held), renamed into place by
// commit(). With by_sample (presenting a data set) each spike also carries its sample number.
// Spikes of one instant are written in (population, neuron) order, not in the order they were emitted:
// the file is then the same however the work was shared (over MPI ranks, issue 17, each rank emits its
// own neurons' spikes). The spikes of the current instant are held until time moves on (at most one per
// neuron and per input event of that instant).
class spike_file_writer : public spike_sink {
 public:
  void on_spike(const spike_record& s) final {
    if (!instant_.empty() && s.time_ms != instant_.front().time_ms) flush_instant();
    instant_.push_back(s);
  }
  void set_sample(std::uint64_t sample) {
    flush_instant();
    sample_ = sample;
  }
  // Writes what is buffered and renames the file into place.
  virtual void commit() = 0;

 protected:
  virtual void write_spike(const spike_record& s) = 0;
  // Writes the held instant's spikes in (population, neuron) order.
  void flush_instant();
  std::uint64_t sample_ = 0;

 private:
  std::vector<spike_record> instant_;
};

// Passes every spike on to each of its sinks in turn (the spike file and the --svg raster).
class spike_fanout final : public spike_sink {
 public:
  void add(spike_sink* sink) {
    if (sink != nullptr) sinks_.push_back(sink);
  }
  bool empty() const { return sinks_.empty(); }
  void on_spike(const spike_record& s) override {
    for (spike_sink* sink : sinks_) sink->on_spike(s);
  }

 private:
  std::vector<spike_sink*> sinks_;
};

// spikes.csv: time_ms,population,neuron (population by name), or sample,time_ms,population,neuron.
class spike_csv_writer final : public spike_file_writer {
 public:
  spike_csv_writer(const std::filesystem::path& path, const network& net, bool by_sample);
  // The same for spikes of populations known by name only (a client of evsnn serve); population < names.size().
  spike_csv_writer(const std::filesystem::path& path, std::vector<std::string> population_names, bool by_sample);
  void commit() override;

 private:
  void write_spike(const spike_record& s) override;
  static constexpr std::size_t flush_bytes = std::size_t{1} << 16;
  atomic_file file_;
  std::vector<std::string> names_;  // population names
  fmt::memory_buffer buf_;
  bool by_sample_;
};

// spikes.npy: a NumPy float64 array (little-endian, C order) of shape (n, 3) with rows time_ms,
// population index, neuron — or (n, 4) with the sample first. Every value is exact (indices < 2^53). The
// header is written with room for any count and rewritten with the final one by commit().
class spike_npy_writer final : public spike_file_writer {
 public:
  spike_npy_writer(const std::filesystem::path& path, bool by_sample);
  void commit() override;

 private:
  void write_spike(const spike_record& s) override;
  std::string header(std::uint64_t rows) const;
  static constexpr std::size_t flush_bytes = std::size_t{1} << 16;
  atomic_file file_;
  std::string buf_;
  bool by_sample_;
  std::uint64_t rows_ = 0;
};

// The writer of a run's spike file at path: format "csv" or "npy" (spike_file_name gives the file's name).
std::unique_ptr<spike_file_writer> make_spike_writer(const std::string& format, const std::filesystem::path& path,
                                                     const network& net, bool by_sample);
inline std::string spike_file_name(const std::string& format) { return format == "npy" ? "spikes.npy" : "spikes.csv"; }

// The output folder of `evsnn run` (one process or dealt over ranks): its files replace the previous run's
// as a set, summary.json last (tools/output_folder).
std::unique_ptr<output_folder> open_run_folder(const std::filesystem::path& dir);

// sample,label,spikes,duration_ms for a data set run (spikes and duration of each sample).
void write_samples_csv(const std::filesystem::path& path, const std::vector<std::uint64_t>& spikes,
                       const std::vector<std::uint32_t>& labels, const std::vector<double>& durations_ms);
// Value of every non-spiking (readout) neuron at t_ms: population,neuron,value.
void write_readout_csv(const std::filesystem::path& path, network& net, double t_ms);
// duration_ms: the simulated time (the rates' denominator).
nlohmann::json run_summary(const simulator& sim, network& net, double duration_ms, double wall_s);
std::string format_summary(const nlohmann::json& summary);

}  // namespace evsnn::cli
