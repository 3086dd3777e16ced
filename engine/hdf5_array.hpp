#pragma once
// hdf5_array: one numeric dataset of an HDF5 file read into doubles (npy_array's layout: shape and values
// in C order), for weights, connectivity and input spikes next to .npy files. Accepted: 1-D and 2-D
// datasets of IEEE floats (32 or 64 bit) and integers (8-64 bit, signed or not), either byte order, any
// chunking or filter the library can decode (gzip). Refused with one line naming the file and the dataset:
// a missing file or dataset, a file that is not HDF5, other ranks and types (strings, compounds, enums,
// variable length, 16-bit floats), non-finite floats, integers beyond 2^53 (not exact as a double).
// Reading by path runs in a child process (engine/isolated_read): a damaged file that crashes, hangs or
// exhausts the HDF5 library is an input_error too.
// Memory: the claimed shape is checked against the caller's max_values and the memory this process may
// use before anything of its size is allocated — a small compressed file cannot claim a large array.
#include <cstdint>
#include <string>

#include <hdf5.h>

#include "engine/hdf5_handle.hpp"
#include "engine/npy_reader.hpp"

namespace evsnn {

// Opens an existing HDF5 file read-only (and silences HDF5's own error printing). A folder, a missing file, a file
// without the HDF5 signature (named as `kind`, e.g. "an HDF5 file") or one the library cannot open is an
// input_error naming the path.
hdf5_handle open_hdf5_file(const std::string& path, const std::string& kind = "an HDF5 file");

// dataset: the HDF5 path of the dataset in the file ("/weights", "group/w"). Read in a child process.
npy_array read_hdf5_array(const std::string& path, const std::string& dataset, std::uint64_t max_values);
// The same from a file already open, in this process (the caller isolates the whole read): loc is the file or a group, dataset a path relative to it, where names
// the dataset in errors ("net.nir: /node/nodes/lif/tau_mem"). allow_scalar also accepts a scalar dataset
// (shape (), one value).
npy_array read_hdf5_array(hid_t loc, const std::string& where, const std::string& dataset, std::uint64_t max_values,
                          bool allow_scalar);

}  // namespace evsnn
