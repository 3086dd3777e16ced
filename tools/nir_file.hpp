#pragma once
// nir_file: the NIR graph file (Neuromorphic Intermediate Representation, HDF5) read into and written
// from a plain tree, as the NIR project's `nir.read` / `nir.write` lay it out (docs/nir.md):
//   /version            scalar string
//   /node               the top-level graph: type "NIRGraph", nodes/<name>/..., edges (n, 2) strings,
//                       metadata/ (optional)
//   a node              group with a scalar string dataset `type` ("LIF", "Affine", ...), one dataset per
//                       parameter (numeric arrays, or strings), optional metadata/, and for a nested
//                       "NIRGraph" its own nodes/ and edges.
// evsnn keeps what NIR cannot say in the `metadata` groups other readers ignore: `metadata/evsnn` (a JSON
// text) and, for sparse projections, `metadata/evsnn_pre`, `evsnn_post`, `evsnn_w` (1-D arrays).
// Invariants: reading never trusts the file — every problem is an input_error naming the file and the HDF5
// path; at most max_nir_nodes nodes and max_nir_depth levels of nested graphs; array sizes are checked
// against the memory this process may use before they are read. Writing goes to a temporary file renamed
// into place, so a failed export leaves no partial file.
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/npy_reader.hpp"

namespace evsnn::cli {

inline constexpr std::size_t max_nir_nodes = 100000;
inline constexpr int max_nir_depth = 16;

struct nir_graph;

struct nir_node {
  std::string name;
  std::string type;
  std::map<std::string, npy_array> arrays;    // numeric datasets (scalars have shape ())
  std::map<std::string, std::string> texts;   // string datasets other than `type`
  std::map<std::string, npy_array> metadata_arrays;  // numeric datasets under metadata/ (evsnn_pre, ...)
  std::string evsnn;                          // metadata/evsnn, empty when absent
  std::unique_ptr<nir_graph> graph;           // the nested graph of a "NIRGraph" node
  std::string where;                          // "file.nir: /node/nodes/<name>" for errors

  const npy_array* array(const std::string& key) const {
    const auto it = arrays.find(key);
    return it == arrays.end() ? nullptr : &it->second;
  }
};

struct nir_graph {
  std::vector<nir_node> nodes;                       // in the file's order (by name, or by creation when tracked)
  std::vector<std::array<std::string, 2>> edges;     // (source, target) in the file's row order
  std::string evsnn;                                 // metadata/evsnn of the graph, empty when absent
  std::string version;                               // /version of the file (top level only), may be empty
};

// A time in the file's unit (10^power10 ms: 3 for seconds, 0 for ms) in ms, and back with -power10: the
// decimal point of the shortest decimal form is moved, so 0.02 s is exactly 20 ms (not 0.02 * 1000).
double nir_shift_decimal(double value, int power10);

// Reads a NIR file, first in a child process (engine/isolated_read: a file that crashes or hangs the HDF5
// library is an input_error), then here. Numeric datasets of node types evsnn does not read are not loaded (their type is enough
// to refuse them later with the node's name).
nir_graph read_nir(const std::string& path);
// Writes g as NIR (version "1.0.6" layout: v_reset and w_in present) to path, atomically.
void write_nir(const std::filesystem::path& path, const nir_graph& g);

}  // namespace evsnn::cli
