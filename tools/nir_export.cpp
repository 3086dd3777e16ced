#include "tools/nir_export.hpp"

#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/memory_budget.hpp"
#include "engine/network_loader.hpp"
#include "tools/nir_import.hpp"

namespace evsnn::cli {
namespace {

npy_array values(std::vector<double> v, const char* dtype = "f8") {
  npy_array a;
  a.shape = {v.size()};
  a.values = std::move(v);
  a.dtype = dtype;
  return a;
}

class exporter {
 public:
  exporter(const nlohmann::json& doc, const std::string& file, const network& net, const nir_export_options& o)
      : doc_(doc), file_(file), net_(net), options_(o), power_(-nir_time_power(o.time_unit, "--time-unit")) {}

  nir_graph run() {
    nir_graph g;
    nlohmann::json meta = {{"time_unit", options_.time_unit}};
    for (const char* key : {"seed", "duration_ms", "description", "weight_precision"})
      if (doc_.contains(key)) meta[key] = doc_[key];
    meta["populations"] = nlohmann::json::array();
    meta["projections"] = nlohmann::json::array();
    const nlohmann::json& pops = doc_.at("populations");
    std::vector<bool> has_output(pops.size(), false);
    for (std::size_t k = 0; k < pops.size(); ++k) {
      g.nodes.push_back(population(pops[k], k));
      meta["populations"].push_back(pops[k]["name"]);
    }
    const nlohmann::json projections = doc_.contains("projections") ? doc_["projections"] : nlohmann::json::array();
    for (std::uint32_t k = 0; k < net_.projection_count(); ++k) {
      const projection& proj = net_.proj(k);
      const nlohmann::json& entry = projections.at(k);
      linear(g, entry, proj, k);
      meta["projections"].push_back(proj.name());
      has_output[proj.pre_population()] = true;
    }
    for (std::size_t k = 0; k < pops.size(); ++k) {
      if (has_output[k] || pops[k]["model"] == "spike_source") continue;
      nir_node out;
      out.name = "output_" + pops[k]["name"].get<std::string>();
      out.type = "Output";
      out.arrays["shape"] = values({double(net_.pop(std::uint32_t(k)).size())}, "i8");
      g.edges.push_back({pops[k]["name"].get<std::string>(), out.name});
      g.nodes.push_back(std::move(out));
    }
    std::set<std::string> names;
    for (const nir_node& n : g.nodes)
      if (!names.insert(n.name).second)
        throw input_error(fmt::format("{}: two NIR nodes would be named '{}' (a population and a projection, or "
                                      "'<projection>.delay' / 'output_<population>'); rename one",
                                      file_, n.name));
    g.evsnn = meta.dump();
    return g;
  }

 private:
  [[noreturn]] void refuse(const std::string& path, const std::string& what) const {
    throw input_error(fmt::format("{}: {}: {}", file_, path, what));
  }

  double time(double ms) const { return nir_shift_decimal(ms, power_); }

  nir_node population(const nlohmann::json& p, std::size_t k) const {
    const std::string path = fmt::format("/populations/{}", k);
    const std::string model = p.at("model");
    nlohmann::json params = p.contains("params") ? p["params"] : nlohmann::json::object();
    const auto n = static_cast<std::uint32_t>(net_.pop(std::uint32_t(k)).size());
    nir_node node;
    node.name = p.at("name");
    if (model == "spike_source") {
      node.type = "Input";
      node.arrays["shape"] = values({double(n)}, "i8");
      absolute_paths(params);
      node.evsnn = nlohmann::json{{"model", model}, {"params", params}}.dump();
      return node;
    }
    if (model != "cuba_lif" && model != "lif_alpha" && model != "lif_delta" && model != "if_delta" && model != "li")
      refuse(path + "/model", fmt::format("'{}' has no NIR node (exported: spike_source, cuba_lif, lif_alpha, lif_delta, "
                                          "if_delta, li)", model));
    const double tau_mem = model == "if_delta" ? 0.0 : params.at("tau_mem_ms").get<double>();
    const double tau_syn = model == "lif_alpha" ? tau_mem / 2.0
                           : params.contains("tau_syn_ms") ? params["tau_syn_ms"].get<double>()
                                                           : 0.0;
    const std::vector<double> zeros(n, 0.0);
    if (model == "li") {
      node.type = tau_syn > 0.0 ? "CubaLI" : "LI";
    } else {
      if (params.value("reset", std::string("subtract")) != "zero" && !options_.evsnn_extensions)
        refuse(path + "/params/reset", "'subtract' (the default) has no NIR equivalent: NIR resets v to v_reset. Use "
                                       "\"reset\": \"zero\", or --evsnn-extensions to keep it as evsnn metadata (other "
                                       "tools will reset to v_reset = 0)");
      if (params.value("refractory_ms", 0.0) != 0.0 && !options_.evsnn_extensions)
        refuse(path + "/params/refractory_ms", "NIR neurons have no refractory period; set it to 0, or use "
                                              "--evsnn-extensions to keep it as evsnn metadata");
      node.type = model == "lif_delta" ? "LIF" : model == "if_delta" ? "IF" : "CubaLIF";
      std::vector<double> th(n, 1.0);
      if (params.contains("threshold")) {
        const nlohmann::json& t = params["threshold"];
        for (std::uint32_t i = 0; i < n; ++i) th[i] = t.is_array() ? t[i].get<double>() : t.get<double>();
      }
      node.arrays["v_threshold"] = values(th);
      node.arrays["v_reset"] = values(zeros);
    }
    if (node.type == "IF") {
      node.arrays["r"] = values(std::vector<double>(n, 1.0));
      node.evsnn = nlohmann::json{{"model", model}, {"params", params}}.dump();
      return node;
    }
    node.arrays["v_leak"] = values(zeros);
    if (node.type == "CubaLIF" || node.type == "CubaLI") {
      // r w_in / tau_syn = 1 exactly: the NIR weights are evsnn's.
      node.arrays["tau_mem"] = values(std::vector<double>(n, time(tau_mem)));
      node.arrays["tau_syn"] = values(std::vector<double>(n, time(tau_syn)));
      node.arrays["r"] = values(std::vector<double>(n, 1.0));
      node.arrays["w_in"] = values(std::vector<double>(n, time(tau_syn)));
    } else {
      node.arrays["tau"] = values(std::vector<double>(n, time(tau_mem)));
      node.arrays["r"] = values(std::vector<double>(n, time(tau_mem)));  // r / tau = 1
    }
    node.evsnn = nlohmann::json{{"model", model}, {"params", params}}.dump();
    return node;
  }

  // Input files named relative to the network's folder become absolute, so the imported network finds them.
  void absolute_paths(nlohmann::json& params) const {
    const std::filesystem::path base = network_dir(file_);
    auto fix = [&](nlohmann::json& v) {
      if (v.is_string() && std::filesystem::path(v.get<std::string>()).is_relative())
        v = std::filesystem::absolute(base / v.get<std::string>()).lexically_normal().string();
    };
    for (const char* key : {"spikes_csv", "spikes_npy"})
      if (params.contains(key)) fix(params[key]);
    if (params.contains("spikes_hdf5") && params["spikes_hdf5"].contains("file")) fix(params["spikes_hdf5"]["file"]);
  }

  void linear(nir_graph& g, const nlohmann::json& entry, const projection& proj, std::uint32_t k) const {
    const std::string path = fmt::format("/projections/{}", k);
    const std::uint32_t n_pre = proj.n_pre(), n_post = proj.n_post();
    if (proj.graded() && !options_.evsnn_extensions)
      refuse(path + "/graded", "NIR edges carry no spike grades; use --evsnn-extensions to keep it as evsnn metadata");
    const double bytes = double(n_pre) * n_post * 16.0;
    if (bytes > static_cast<double>(usable_memory_bytes()))
      refuse(path, fmt::format("NIR holds weights as a dense ({}, {}) matrix, which needs {}, more than this process "
                               "may use", n_post, n_pre, format_bytes(bytes)));
    nir_node lin;
    lin.name = proj.name();
    lin.type = "Linear";
    npy_array w;
    w.shape = {n_post, n_pre};
    w.values.assign(std::size_t(n_pre) * n_post, 0.0);
    w.dtype = "f8";
    std::vector<double> pre, post, ws;
    for (std::uint32_t s = 0; s < proj.synapse_count(); ++s) {
      w.values[std::size_t(proj.post_of(s)) * n_pre + proj.pre_of(s)] += proj.weight(s);
      if (!proj.dense()) {
        pre.push_back(proj.pre_of(s));
        post.push_back(proj.post_of(s));
        ws.push_back(proj.weight(s));
      }
    }
    lin.arrays["weight"] = std::move(w);
    nlohmann::json meta = nlohmann::json::object();
    for (const char* key : {"graded", "weight_precision", "plasticity"})
      if (entry.contains(key)) meta[key] = entry[key];
    if (!meta.empty()) lin.evsnn = meta.dump();
    if (!proj.dense()) {
      lin.metadata_arrays["evsnn_pre"] = values(std::move(pre), "i8");
      lin.metadata_arrays["evsnn_post"] = values(std::move(post), "i8");
      lin.metadata_arrays["evsnn_w"] = values(std::move(ws));
    }
    const std::string pre_name = net_.pop(proj.pre_population()).name();
    const std::string post_name = net_.pop(proj.post_population()).name();
    g.edges.push_back({pre_name, lin.name});
    if (proj.delay_ms() > 0.0) {
      nir_node delay;
      delay.name = lin.name + ".delay";
      delay.type = "Delay";
      delay.arrays["delay"] = values(std::vector<double>(n_post, time(proj.delay_ms())));
      g.edges.push_back({lin.name, delay.name});
      g.edges.push_back({delay.name, post_name});
      g.nodes.push_back(std::move(lin));
      g.nodes.push_back(std::move(delay));
      return;
    }
    g.edges.push_back({lin.name, post_name});
    g.nodes.push_back(std::move(lin));
  }

  const nlohmann::json& doc_;
  const std::string& file_;
  const network& net_;
  const nir_export_options& options_;
  int power_;
};

}  // namespace

nir_graph export_nir(const nlohmann::json& doc, const std::string& file, const network& net,
                     const nir_export_options& options) {
  return exporter(doc, file, net, options).run();
}

}  // namespace evsnn::cli
