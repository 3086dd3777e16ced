#include "engine/array_cache.hpp"

#include <stdexcept>

#include "engine/hdf5_array.hpp"

namespace evsnn {

namespace {

npy_array read_file(array_format format, const std::string& path, const std::string& dataset,
                    std::uint64_t max_values) {
  if (format == array_format::csv) throw std::logic_error("array_cache: CSV weights are read with their reader");
  return format == array_format::npy ? read_npy(path, max_values) : read_hdf5_array(path, dataset, max_values);
}

}  // namespace

npy_array array_cache::read(array_format format, const std::string& path, const std::string& dataset,
                            std::uint64_t max_values) {
  return read(format, path, dataset, max_values, [&] { return read_file(format, path, dataset, max_values); });
}

npy_array array_cache::read(array_format format, const std::string& path, const std::string& dataset,
                            std::uint64_t max_values, const std::function<npy_array()>& reader) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto key = std::make_tuple(format, path, format == array_format::npy ? std::string() : dataset, max_values);
  auto it = arrays_.find(key);
  if (it == arrays_.end()) it = arrays_.emplace(key, reader()).first;
  return it->second;
}

npy_array read_array(array_cache* cache, array_format format, const std::string& path, const std::string& dataset,
                     std::uint64_t max_values) {
  return read_array(cache, format, path, dataset, max_values,
                    [&] { return read_file(format, path, dataset, max_values); });
}

npy_array read_array(array_cache* cache, array_format format, const std::string& path, const std::string& dataset,
                     std::uint64_t max_values, const std::function<npy_array()>& reader) {
  return cache != nullptr ? cache->read(format, path, dataset, max_values, reader) : reader();
}

}  // namespace evsnn
