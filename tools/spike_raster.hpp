#pragma once
// spike_raster: the spike raster `evsnn run --svg FILE` draws. It is a spike_sink: spikes are binned as
// the run streams them into a fixed grid per spiking population — time_bins columns over [0, span_ms]
// by rows of neurons: one neuron per row up to max_rows neurons, above that per_row = ceil(size /
// max_rows) consecutive neurons per row (the last row may hold fewer). svg() stacks one panel per
// spiking population on a shared time axis (ms): neuron index up, each occupied cell shaded by its
// spike count (runs of equal shade in a row drawn as one segment), the firing rate of each row (Hz
// per neuron) as a bar to the right, and a heading with name, model, size, spikes and mean rate.
// Populations that do not spike (li readouts) get no panel; the figure lists them.
// Invariants:
//  - memory and the figure's size depend on the grid (spiking populations x rows x time_bins), never
//    on the number of spikes or the length of the run;
//  - every spike is counted once: in row neuron / per_row and bin floor(t / span_ms * time_bins)
//    (t <= 0 in bin 0; t == span_ms, within 1e-9 relative, in the last bin);
//  - a later spike doubles span_ms (bins merged in pairs, exactly) until it fits; span 0 at
//    construction: unknown, it starts at 1 ms with the first spike;
//  - rate of a row = its spikes / (neurons in the row x rate time); cell counts saturate at 2^32 - 1
//    (shading only), row and population counts do not.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engine/network.hpp"
#include "engine/simulator.hpp"

namespace evsnn::cli {

// What the figure says about the run beside the grid.
struct raster_labels {
  std::string title;                 // first line (e.g. the network file)
  std::vector<std::string> notes;    // lines under it (samples, a stop)
  std::string time_label = "time (ms)";
  double end_ms = 0.0;               // the time axis runs 0..end_ms (<= 0: the span)
  double rate_ms = 0.0;              // simulated time, the rates' denominator (<= 0: end_ms)
  double stopped_at_ms = -1.0;       // in [0, end_ms): the run stopped there; the rest is shaded
};

class spike_raster final : public spike_sink {
 public:
  static constexpr std::size_t default_time_bins = 800;  // = the plot's width in pixels
  static constexpr std::uint32_t default_max_rows = 200;

  // span_ms: the time the bins cover (0: unknown, grows from the first spike).
  spike_raster(const network& net, double span_ms, std::size_t time_bins = default_time_bins,
               std::uint32_t max_rows = default_max_rows);

  void on_spike(const spike_record& s) override;
  // Sets the span while no spike has been binned yet (ignored after).
  void set_span(double span_ms);

  double span_ms() const { return span_; }
  std::size_t time_bins() const { return bins_; }
  // The bin of a spike at t_ms under the current span (no growth).
  std::size_t bin_of(double t_ms) const;
  std::uint32_t rows(std::uint32_t pop) const { return pops_[pop].rows; }
  std::uint32_t neurons_per_row(std::uint32_t pop) const { return pops_[pop].per_row; }
  std::uint32_t row_of(std::uint32_t pop, std::uint32_t neuron) const { return neuron / pops_[pop].per_row; }
  // Neurons in row r (per_row, fewer in the last row).
  std::uint32_t neurons_in_row(std::uint32_t pop, std::uint32_t row) const;
  std::uint32_t count(std::uint32_t pop, std::uint32_t row, std::size_t bin) const {
    return pops_[pop].cells[static_cast<std::size_t>(row) * bins_ + bin];
  }
  std::uint64_t row_spikes(std::uint32_t pop, std::uint32_t row) const { return pops_[pop].row_spikes[row]; }
  std::uint64_t spikes(std::uint32_t pop) const { return pops_[pop].spikes; }
  double row_rate_hz(std::uint32_t pop, std::uint32_t row, double rate_ms) const;
  // Bytes held by the grids (what the raster's memory grows to, whatever the run).
  std::size_t grid_bytes() const;

  std::string svg(const raster_labels& labels) const;

 private:
  struct grid {
    std::string name, model;
    std::uint32_t size = 0;
    bool spiking = true;
    std::uint32_t per_row = 1, rows = 0;
    std::vector<std::uint32_t> cells;  // rows x bins_, row-major (empty when not spiking)
    std::vector<std::uint64_t> row_spikes;
    std::uint64_t spikes = 0;
  };
  void grow(double t_ms);

  std::vector<grid> pops_;
  std::size_t bins_;
  double span_;
  double last_ms_ = 0.0;  // the latest spike time binned
  bool binned_ = false;
};

// Before a run: path can take a figure — its folder exists and is writable and path is not a folder, or path
// exists, is not a regular file (/dev/null, a FIFO, a link: written in place) and is writable; else an
// input_error naming option and path.
void check_figure_path(const std::filesystem::path& path, std::string_view option);

}  // namespace evsnn::cli
