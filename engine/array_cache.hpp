#pragma once
// array_cache: the arrays a network file names (.npy files, HDF5 datasets, dense CSV weights), read once for all
// the copies of a network built from one document. The trainer builds a copy per thread (and, for online rules,
// per sample of a batch) and `evsnn serve` one per client, from the same document; without the cache each copy
// reads and parses every file again, and an HDF5 read is a child process of its own (engine/isolated_read, ~6 ms
// here). Entries are keyed by the format, the file's path, the dataset (for CSV weights: the shape the reader
// expects) and the cap on values, so a read with another cap is a read of its own and never yields more than its
// caller allows; errors are the readers' own.
// Invariants: an entry, once read, is never changed or dropped until the cache is; safe to use from several
// threads at once (a mutex around the map; the file is read under it, so each is read once).
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "engine/npy_reader.hpp"

namespace evsnn {

enum class array_format { npy, hdf5, csv };

class array_cache {
 public:
  // The .npy file at path (dataset unused), or the dataset of the HDF5 file at path.
  npy_array read(array_format format, const std::string& path, const std::string& dataset, std::uint64_t max_values);
  // The array reader() makes of the file at path (the format's own reader, given what it needs), kept under the
  // same key: dataset names what distinguishes one reading of the file from another.
  npy_array read(array_format format, const std::string& path, const std::string& dataset, std::uint64_t max_values,
                 const std::function<npy_array()>& reader);

 private:
  std::mutex mutex_;
  std::map<std::tuple<array_format, std::string, std::string, std::uint64_t>, npy_array> arrays_;
};

// Reads through the cache where there is one (cache may be null), as array_cache::read.
npy_array read_array(array_cache* cache, array_format format, const std::string& path, const std::string& dataset,
                     std::uint64_t max_values);
npy_array read_array(array_cache* cache, array_format format, const std::string& path, const std::string& dataset,
                     std::uint64_t max_values, const std::function<npy_array()>& reader);

}  // namespace evsnn
