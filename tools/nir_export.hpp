#pragma once
// nir_export: an evsnn network (its JSON document and the network built from it) as a NIR graph
// (tools/nir_file). spike_source -> Input, cuba_lif and lif_alpha -> CubaLIF, lif_delta -> LIF, if_delta -> IF,
// li -> LI
// (delta synapses) or CubaLI; each projection -> a Linear node named after it (weight (n_post, n_pre), the
// sum of its synapses), followed by a Delay node "<name>.delay" when its delay is not 0; each population
// nothing reads from -> an Output node "output_<name>". Gains are chosen so the NIR equations give exactly
// evsnn's weights (r = 1, w_in = tau_syn for CubaLIF/CubaLI; r = tau for LIF/LI; docs/nir.md).
// What NIR cannot express goes into evsnn metadata other readers ignore: model, params (input files as
// absolute paths), plasticity, weight precision, the sparse structure, names and order. Semantics other
// readers would silently change — a subtracting reset, a refractory period, graded projections — are
// refused unless options.evsnn_extensions, naming the population or projection. lif_tick and models
// outside this list are refused.
// Invariant: import_nir(export_nir(net)) rebuilds the same network (tests/tools/test_nir.cpp).
#include <string>

#include <nlohmann/json.hpp>

#include "engine/network.hpp"
#include "tools/nir_file.hpp"

namespace evsnn::cli {

struct nir_export_options {
  std::string time_unit = "s";  // the unit of NIR's time constants and delays: "s" or "ms"
  bool evsnn_extensions = false;
};

// doc: the network file's JSON (file names it in errors and resolves relative paths); net: built from it.
nir_graph export_nir(const nlohmann::json& doc, const std::string& file, const network& net,
                     const nir_export_options& options);

}  // namespace evsnn::cli
