#pragma once
// network_loader: parses and validates an "evsnn-network/1" JSON document and lowers it to a
// runnable network. Every problem is an input_error naming the file and the JSON path, e.g.
//   "net.json: /projections/1/weights: 20 rows, expected 784".
// Format (see README "Network JSON"):
//   { "format": "evsnn-network/1", "seed": 1, "duration_ms": 100, "description": "...",
//     "populations": [ {"name", "model", "size", "params": {...}} ],
//     "projections": [ {"name"?, "pre", "post", "delay_ms"?, "graded"?, "weights": W,
//                       "plasticity"?: {"rule": NAME, ...}} ] }
//   W = [[...], ...] dense rows (one per presynaptic neuron) | {"csv": "file"} same layout
//     | {"npy": "file"} | {"hdf5": "file", "dataset": "/path"}   an (n_pre, n_post) array
//     | {"pre": L, "post": L, "w": L} sparse, each L inline [...] or a 1-D array file as above
//     | {"init": "normal"|"uniform"|"constant", "mean", "std" | "low", "high" | "value",
//        "p_connect"?: (0,1], "self_connections"?: bool, "seed"?: uint}
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/model_registry.hpp"
#include "engine/network.hpp"
#include "engine/plasticity.hpp"

namespace evsnn {

inline constexpr const char* network_format = "evsnn-network/1";

// The folder relative paths in a network file resolve against ("." for a bare file name).
std::filesystem::path network_dir(const std::string& path);
// rules builds the projections' "plasticity" (null: a network that declares plasticity is refused).
// dealing (null or one rank: the whole network) builds one rank's part of a network dealt over several
// (engine/partition.hpp): dealt populations hold this rank's neurons, per-neuron parameters (arrays of the
// population's size) cut to them, and projections keep only the synapses onto them.
std::unique_ptr<network> load_network(const std::string& path, const model_registry& models,
                                      const plasticity_registry* rules = nullptr,
                                      const partition_request* dealing = nullptr);
// arrays (null: none): the array files the document names are read through it, so that several copies built
// from one document read each file once (engine/array_cache).
std::unique_ptr<network> build_network(const nlohmann::json& doc, const std::string& file,
                                       const std::filesystem::path& base_dir, const model_registry& models,
                                       const plasticity_registry* rules = nullptr,
                                       const partition_request* dealing = nullptr, array_cache* arrays = nullptr);

}  // namespace evsnn
