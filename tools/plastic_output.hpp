#pragma once
// plastic_output: what `evsnn run --out` writes for a network that learned while it ran — the final
// weights of every plastic projection as CSV in the layout the network JSON reads back (dense: one row
// per presynaptic neuron, as {"csv": FILE}; sparse: pre,post,w rows), a runnable network.json with the
// learned weights in place (relative paths of the source made absolute), and a JSON summary per rule.
// Weights are written exactly (shortest round-trip form of the rule's double weights).
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/network.hpp"
#include "engine/simulator.hpp"
#include "tools/output_folder.hpp"

namespace evsnn::cli {

// File names of the plastic projections' weights, one per rule in network order: weights_<name>.csv,
// characters outside [A-Za-z0-9_.-] replaced by '_'; a name another plastic projection already
// took gets its projection index appended (weights_<name>_<k>.csv).
std::vector<std::string> plastic_weight_files(const network& net);
// Writes weights_<name>.csv of every plastic projection and network.json (doc: the source document,
// base_dir: its folder) into the output folder's set.
void write_plastic_outputs(output_folder& out, const network& net, const nlohmann::json& doc,
                           const std::filesystem::path& base_dir);
// One entry per plastic rule: projection, rule, weight/trace updates and weight statistics.
nlohmann::json plasticity_summary(const simulator& sim, const network& net);
// CSV text of a projection's weights (dense rows or pre,post,w).
std::string weights_csv(const projection& proj);
// The weights of every plastic projection (exact values), to compare before and after a run.
std::vector<std::vector<double>> plastic_weights(const network& net);
// SVG: one histogram panel per plastic projection, weights before (outline) and after (filled), over
// [w_min, w_max] of the rule when bounded, else the range of both.
std::string weight_histogram_svg(const network& net, const std::vector<std::vector<double>>& before,
                                 const std::string& title);

}  // namespace evsnn::cli
