#pragma once
// Test support: NIR graph pieces built in memory (tools/nir_file's tree) — a numeric array and a node.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tools/nir_file.hpp"

namespace evsnn::test {

// A float64 array of the values, shape (n,) unless given.
inline npy_array nir_array(std::vector<double> v, std::vector<std::uint64_t> shape = {}) {
  npy_array a;
  a.shape = shape.empty() ? std::vector<std::uint64_t>{v.size()} : shape;
  a.values = std::move(v);
  a.dtype = "f8";
  return a;
}

inline cli::nir_node nir_node(const std::string& name, const std::string& type,
                              std::map<std::string, npy_array> arrays = {}) {
  cli::nir_node n;
  n.name = name;
  n.type = type;
  n.arrays = std::move(arrays);
  n.where = "g.nir: /node/nodes/" + name;
  return n;
}

}  // namespace evsnn::test
