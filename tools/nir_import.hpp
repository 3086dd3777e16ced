#pragma once
// nir_import: a NIR graph (tools/nir_file) lowered onto an evsnn network document (evsnn-network/1).
// Populations: Input -> spike_source, IF -> if_delta, LIF -> lif_delta, CubaLIF -> cuba_lif, LI / CubaLI -> li. Everything
// between two neuron nodes — Affine (zero bias), Linear, Scale, uniform Delay, and the Input/Output nodes of
// nested graphs (inlined, named "<graph>.<node>") — is composed into one projection per path, with NIR's
// per-neuron input gain folded into the weights (docs/nir.md gives the equations). Output nodes mark
// read-outs and create nothing. What evsnn cannot represent (I, Threshold, convolutions, a bias, a
// reset to another potential than rest, per-neuron time constants, unequal delays, a loop of linear nodes)
// is refused with the node's name. The evsnn metadata written by nir_export restores what NIR cannot hold
// (model, reset mode, refractory period, input spikes, plasticity, sparse structure, order), checked
// against the NIR numbers it describes.
// Invariant: the document only names what the graph holds; build_network validates it like any file.
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "tools/nir_file.hpp"

namespace evsnn::cli {

struct nir_import_options {
  std::string time_unit;                            // "s", "ms", or empty: the file's evsnn metadata, else "s"
  std::map<std::string, std::string> input_spikes;  // Input node name -> spikes CSV path (for spikes_csv)
};

// file names the NIR file in errors.
nlohmann::json import_nir(const nir_graph& g, const std::string& file, const nir_import_options& options);

// The power of ten from a time unit to ms: "s" -> 3, "ms" -> 0; anything else is an input_error naming what.
int nir_time_power(const std::string& unit, const std::string& what);

}  // namespace evsnn::cli
