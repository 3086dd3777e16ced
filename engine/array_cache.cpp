#include "engine/array_cache.hpp"

#include "engine/hdf5_array.hpp"

namespace evsnn {

namespace {

npy_array read_file(array_format format, const std::string& path, const std::string& dataset,
                    std::uint64_t max_values) {
  return format == array_format::npy ? read_npy(path, max_values) : read_hdf5_array(path, dataset, max_values);
}

}  // namespace

npy_array array_cache::read(array_format format, const std::string& path, const std::string& dataset,
                            std::uint64_t max_values) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto key = std::make_tuple(format, path, format == array_format::npy ? std::string() : dataset, max_values);
  auto it = arrays_.find(key);
  if (it == arrays_.end()) it = arrays_.emplace(key, read_file(format, path, dataset, max_values)).first;
  return it->second;
}

npy_array read_array(array_cache* cache, array_format format, const std::string& path, const std::string& dataset,
                     std::uint64_t max_values) {
  return cache != nullptr ? cache->read(format, path, dataset, max_values)
                          : read_file(format, path, dataset, max_values);
}

}  // namespace evsnn
