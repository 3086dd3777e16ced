#pragma once
// Reader for the Spiking Heidelberg Digits (SHD) and Spiking Speech Commands (SSC) HDF5 files
// (Cramer et al. 2020), as published: one file per split (shd_train.h5, shd_test.h5,
// ssc_train.h5, ssc_valid.h5, ssc_test.h5) holding
//   /spikes/times  1-D, variable-length float (seconds; float16 in the published files)
//   /spikes/units  1-D, variable-length unsigned integers (channel 0..699)
//   /labels        1-D integers
// (/extra is ignored). Times are converted to ms here. A ".h5.gz" file (as downloaded) is
// inflated in memory (at most max_inflated_bytes, checked before allocating; see file_bytes) and
// opened as an HDF5 file image. Rows are read in chunks, so the HDF5 variable-length buffers stay
// small. Labels are class indices below max_classes (dataset.hpp); classes() is the largest + 1.
// Errors name the file, the HDF5 path and the sample (row) index. The file is read in a child process
// (engine/isolated_read), which sends the samples 256 at a time: a file that crashes, hangs or exhausts the
// HDF5 library is an input_error naming it.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "datasets/event_store.hpp"
#include "datasets/file_bytes.hpp"

namespace evsnn::data {

struct hdf5_spikes_options {
  std::uint32_t channels = 0;   // 0: max unit + 1; otherwise a unit >= channels is an error
  std::uint32_t classes = 0;    // 0: max label + 1; otherwise a label >= classes is an error
  double duration_ms = 0.0;     // 0: each sample lasts until its last spike; otherwise fixed, later spikes dropped
  bool sort = false;            // false: unsorted times are an error; true: sort them
  std::uint64_t max_inflated_bytes = default_max_inflated_bytes;  // the cap for a .h5.gz file
};

struct hdf5_spikes_file {
  std::shared_ptr<event_store> store;
  std::uint32_t channels = 0;
  std::uint32_t classes = 0;
};

hdf5_spikes_file read_hdf5_spikes(const std::filesystem::path& path, const hdf5_spikes_options& options);

}  // namespace evsnn::data
