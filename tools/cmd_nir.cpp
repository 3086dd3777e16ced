// evsnn nir import FILE.nir --out NET.json [--time-unit s|ms] [--input-spikes NODE=FILE.csv ...]
// evsnn nir export NET.json --out FILE.nir [--time-unit s|ms] [--evsnn-extensions]
// Exchange networks with other SNN tools as NIR graphs (HDF5, as the NIR project's nir.write lays them out;
// tools/nir_file, nir_import, nir_export; docs/nir.md). An imported network is built and checked like any
// network file before it is written; both outputs are written atomically.
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "engine/json_node.hpp"
#include "engine/network_loader.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tools/command.hpp"
#include "tools/nir_export.hpp"
#include "tools/nir_file.hpp"
#include "tools/nir_import.hpp"

namespace evsnn::cli {
namespace {

struct nir_options {
  std::string in;
  std::string out;
  std::string time_unit;
  std::vector<std::string> input_spikes;
  bool extensions = false;
};

// The network document as text: one population or projection per line, so a large matrix does not
// become one number per line.
std::string network_text(const nlohmann::json& doc) {
  std::string out = "{\n";
  bool first = true;
  for (const auto& [key, value] : doc.items()) {
    out += first ? "" : ",\n";
    first = false;
    out += fmt::format("  {}: ", nlohmann::json(key).dump());
    if (value.is_array() && (key == "populations" || key == "projections")) {
      out += "[";
      for (std::size_t k = 0; k < value.size(); ++k) out += (k ? ",\n    " : "\n    ") + value[k].dump();
      out += value.empty() ? "]" : "\n  ]";
    } else {
      out += value.dump();
    }
  }
  return out + "\n}\n";
}

void run_import(const nir_options& o) {
  nir_import_options io;
  io.time_unit = o.time_unit;
  if (!io.time_unit.empty()) nir_time_power(io.time_unit, "--time-unit");
  for (const std::string& spec : o.input_spikes) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      throw input_error(fmt::format("--input-spikes '{}': expected NODE=FILE.csv", spec));
    const std::filesystem::path csv = spec.substr(eq + 1);
    if (!io.input_spikes.emplace(spec.substr(0, eq), std::filesystem::absolute(csv).lexically_normal().string()).second)
      throw input_error(fmt::format("--input-spikes: node '{}' given twice", spec.substr(0, eq)));
  }
  const nir_graph g = read_nir(o.in);
  const nlohmann::json doc = import_nir(g, o.in, io);
  // Checked as any network file would be, before anything is written.
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  const std::string label = fmt::format("{} (imported from {})", o.out, o.in);
  auto net = build_network(doc, label, network_dir(o.out), models, &rules);
  write_file_atomic(o.out, network_text(doc));
  fmt::print("{}: {} populations, {} projections, {} neurons, {} synapses (from {}, {} NIR nodes)\n", o.out,
             net->population_count(), net->projection_count(), net->neuron_count(), net->synapse_count(), o.in,
             g.nodes.size());
}

void run_export(const nir_options& o) {
  nir_export_options eo;
  if (!o.time_unit.empty()) eo.time_unit = o.time_unit;
  nir_time_power(eo.time_unit, "--time-unit");
  eo.evsnn_extensions = o.extensions;
  const nlohmann::json doc = parse_json_file(o.in);
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  auto net = build_network(doc, o.in, network_dir(o.in), models, &rules);
  const nir_graph g = export_nir(doc, o.in, *net, eo);
  write_nir(o.out, g);
  fmt::print("{}: {} NIR nodes, {} edges (from {})\n", o.out, g.nodes.size(), g.edges.size(), o.in);
}

}  // namespace

void add_nir_command(CLI::App& app) {
  auto* nir = app.add_subcommand("nir", "Exchange networks as NIR graphs (import FILE.nir, export NET.json)");
  nir->require_subcommand(1);
  auto o = std::make_shared<nir_options>();
  auto* imp = nir->add_subcommand("import", "Convert a NIR graph (HDF5, as nir.write writes it) into an evsnn network JSON");
  imp->add_option("file", o->in, "NIR file (.nir / .h5)")->required();
  imp->add_option("--out", o->out, "Network JSON to write")->required();
  imp->add_option("--time-unit", o->time_unit,
                  "Unit of the file's time constants and delays: s (default, NIR's common use) or ms; a file written "
                  "by evsnn says which it used");
  imp->add_option("--input-spikes", o->input_spikes,
                  "NODE=FILE.csv: replay these spikes (time_ms,channel[,grade]) into the Input node NODE "
                  "(default: an external input fed by --data)");
  imp->callback([o] { run_import(*o); });
  auto* exp = nir->add_subcommand("export", "Convert an evsnn network JSON into a NIR graph");
  exp->add_option("network", o->in, "Network JSON file (format evsnn-network/1)")->required();
  exp->add_option("--out", o->out, "NIR file to write")->required();
  exp->add_option("--time-unit", o->time_unit, "Unit for NIR's time constants and delays: s (default) or ms");
  exp->add_flag("--evsnn-extensions", o->extensions,
                "Keep what NIR cannot express (subtracting reset, refractory period, graded projections) as evsnn "
                "metadata; other tools will not see it");
  exp->callback([o] { run_export(*o); });
}

}  // namespace evsnn::cli
