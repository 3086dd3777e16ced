#pragma once
// data_run: presenting the samples of a data set to a network's external input population through the
// presenter, as `evsnn run --data` does; the Python module's Network.run(data=...) calls the same code.
// Each sample lasts `duration` ms (input events after it are not presented), or with duration 0 its own
// duration and then on until no event is pending (presenter::present_drained; a Poisson source, which
// never falls quiet, is refused then). By default every sample starts at t = 0 from rest; carry streams
// them (state and time carried on, gap_ms between them). Errors are input_error naming the network file
// or the option.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/network.hpp"
#include "engine/simulator.hpp"
#include "tools/run_output.hpp"
#include "tools/spike_raster.hpp"

namespace evsnn::cli {

struct data_run_options {
  std::string net_path;     // the network's file (messages)
  std::string data;         // data set spec: JSON, a file or NAME[:SPLIT][:K=V,...]
  std::string data_dir;     // "" : data::find_data_dir()
  std::string input;        // input population ("" : the only one that accepts_input())
  std::size_t samples = 0;  // present only the first N (0: all)
  bool carry = false;       // stream the samples instead of resetting per sample
  double gap_ms = 0.0;      // pause between streamed samples
};

// What a data set pass produced, per sample.
struct data_pass {
  std::vector<std::uint64_t> spikes;
  std::vector<std::uint32_t> labels;
  std::vector<double> durations_ms;
  double total_ms = 0.0;
};

// The population presented input goes to: the one named (--input), else the only one that accepts input.
std::uint32_t input_population(network& net, const std::string& name, const std::string& file);

// Presents the samples (each for `duration` ms; 0: its own duration, then drained). writer (may be null)
// is told each sample's index before it runs; raster (may be null) gets the stream's span (carry with a
// fixed duration). current is the index of the sample running, count the number to present.
void run_on_data(const data_run_options& o, network& net, simulator& sim, double duration, spike_file_writer* writer,
                 spike_raster* raster, std::size_t& current, std::size_t& count, data_pass& pass);

}  // namespace evsnn::cli
