#pragma once
// run_partitioned: `mpirun -np N evsnn run NET.json` — the network dealt over the ranks
// (engine/partition.hpp: neurons round-robin within populations, or whole populations), run in
// conservative windows (engine/partitioned_run.hpp), with the files one process writes: rank 0 writes
// spikes.csv / spikes.npy (every rank's spikes, in one process's order), counters.json and summary.json
// (the counters summed over the ranks), readout.csv (readouts live on rank 0), the --svg raster, and for
// plastic networks the learned weights (weights_<name>.csv, network.json) gathered from the ranks that
// hold the postsynaptic neurons. The summary adds "partition": the placement, the window, and what the
// swaps cost (windows, spikes and bytes, seconds in them). Refused here with one line: --data, --stepped,
// --max-spikes / --max-events and --weights-svg (one process only).
#include <string>

#include "engine/communicator.hpp"
#include "engine/partition.hpp"

namespace evsnn::cli {

struct partitioned_options {
  std::string net_path;
  double duration_ms = 0.0;  // 0: the network's own
  std::string out_dir;
  bool json = false;
  std::string spikes_format = "csv";
  std::string svg;
  partition_mode mode = partition_mode::neurons;
};

void run_partitioned(const partitioned_options& o, communicator& comm);

}  // namespace evsnn::cli
