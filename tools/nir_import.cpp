#include "tools/nir_import.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/json_node.hpp"
#include "engine/memory_budget.hpp"

namespace evsnn::cli {

int nir_time_power(const std::string& unit, const std::string& what) {
  if (unit == "s") return 3;
  if (unit == "ms") return 0;
  throw input_error(fmt::format("{}: time unit '{}', expected 's' or 'ms'", what, unit));
}

namespace {

enum class role { population, linear, sink };

struct flat_node {
  std::string name;
  const nir_node* node = nullptr;  // null: the Input/Output of a nested graph (an identity)
  role kind = role::linear;
  std::uint32_t size = 0;          // populations
  std::vector<double> gain;        // populations: per-neuron factor folding NIR's input gain into the weights
  nlohmann::json population;       // populations: the evsnn entry
};

// The linear map of a path so far: out = m in (dense, row-major out x in) or out = d ⊙ in (diagonal).
struct path_map {
  bool diagonal = true;
  std::vector<double> d;
  std::vector<double> m;
  std::uint32_t out = 0;
  double delay = 0.0;
  std::string weight_node;  // the first Affine/Linear on the path (names the projection)
  std::string linear_node;  // the last node on the path that is not an identity (empty: none)
};

class importer {
 public:
  importer(const std::string& file, const nir_import_options& o) : file_(file), options_(o) {}

  nlohmann::json run(const nir_graph& g) {
    std::string unit = options_.time_unit;
    nlohmann::json meta = nlohmann::json::object();
    if (!g.evsnn.empty()) meta = parse_json_text(g.evsnn, file_ + ": /node/metadata/evsnn");
    if (unit.empty()) unit = meta.contains("time_unit") && meta["time_unit"].is_string() ? meta["time_unit"].get<std::string>() : "s";
    power_ = nir_time_power(unit, file_);
    flatten(g, "", true);
    for (auto& n : nodes_) classify(n);
    for (const auto& [name, path] : options_.input_spikes)
      if (!index_.contains(name) || nodes_[index_[name]].node == nullptr || nodes_[index_[name]].node->type != "Input")
        throw input_error(fmt::format("{}: --input-spikes {}: no top-level Input node named '{}'", file_, name, name));
    nlohmann::json doc = {{"format", "evsnn-network/1"}};
    for (const char* key : {"seed", "duration_ms", "description", "weight_precision"})
      if (meta.contains(key)) doc[key] = meta[key];
    if (!doc.contains("description"))
      doc["description"] = fmt::format("imported from {}{}", file_, g.version.empty() ? "" : " (NIR " + g.version + ")");
    std::vector<std::size_t> pops;
    for (std::size_t k = 0; k < nodes_.size(); ++k)
      if (nodes_[k].kind == role::population) pops.push_back(k);
    order(pops, meta, "populations", [&](std::size_t k) { return nodes_[k].name; });
    if (pops.empty()) throw input_error(fmt::format("{}: the graph has no Input or neuron node", file_));
    doc["populations"] = nlohmann::json::array();
    for (std::size_t k : pops) doc["populations"].push_back(nodes_[k].population);
    std::vector<nlohmann::json> projections;
    for (std::size_t k : pops) walk_from(k, projections);
    order(projections, meta, "projections", [](const nlohmann::json& p) { return p["name"].get<std::string>(); });
    doc["projections"] = projections;
    return doc;
  }

 private:
  [[noreturn]] void fail(const flat_node& n, const std::string& what) const {
    throw input_error(fmt::format("{}: node '{}'{}: {}", file_, n.name, n.node ? " (" + n.node->type + ")" : "", what));
  }

  // Inlines nested graphs: their nodes are named "<graph>.<node>", their Input/Output become identities.
  // Returns, for edges that name the graph, its one Input and one Output (empty when it has none).
  std::pair<std::string, std::string> flatten(const nir_graph& g, const std::string& prefix, bool top) {
    std::map<std::string, std::pair<std::string, std::string>> ends;  // local name -> (entry, exit)
    std::vector<std::string> inputs, outputs;
    for (const nir_node& n : g.nodes) {
      const std::string name = prefix + n.name;
      if (n.graph) {
        const auto [in, out] = flatten(*n.graph, name + ".", false);
        ends[n.name] = {in, out};
        continue;
      }
      flat_node f;
      f.name = name;
      const bool boundary = n.type == "Input" || n.type == "Output";
      f.node = top || !boundary ? &n : nullptr;
      if (n.type == "Input") inputs.push_back(name);
      if (n.type == "Output") outputs.push_back(name);
      if (index_.contains(name))
        throw input_error(fmt::format("{}: node '{}' appears twice after inlining nested graphs", file_, name));
      index_[name] = nodes_.size();
      nodes_.push_back(std::move(f));
      ends[n.name] = {name, name};
    }
    for (std::size_t k = 0; k < g.edges.size(); ++k) {
      const auto& [src, dst] = g.edges[k];
      for (const std::string& end : {src, dst})
        if (!ends.contains(end))
          throw input_error(fmt::format("{}: {}edges row {}: no node named '{}'", file_, prefix, k, end));
      const std::string from = ends[src].second, to = ends[dst].first;
      if (from.empty() || to.empty())
        throw input_error(fmt::format("{}: {}edges row {}: the nested graph '{}' needs exactly one Input and one Output",
                                      file_, prefix, k, from.empty() ? src : dst));
      out_edges_[from].push_back(to);
    }
    return {inputs.size() == 1 ? inputs[0] : "", outputs.size() == 1 ? outputs[0] : ""};
  }

  // A parameter of n neurons: shape (), (1,) or (n,); the default when absent (NaN: required).
  std::vector<double> param(const flat_node& f, const std::string& key, std::uint32_t n, double dflt = NAN) const {
    const npy_array* a = f.node->array(key);
    if (a == nullptr) {
      if (std::isnan(dflt)) fail(f, fmt::format("no '{}' dataset", key));
      return std::vector<double>(n, dflt);
    }
    if (a->shape.size() > 1 || (a->values.size() != 1 && a->values.size() != n))
      fail(f, fmt::format("'{}' has {} values, expected {} (one per neuron)", key, a->values.size(), n));
    return a->values.size() == n ? a->values : std::vector<double>(n, a->values[0]);
  }

  // One value for the whole population (evsnn models have one time constant per population), in ms.
  double uniform_ms(const flat_node& f, const std::string& key, std::uint32_t n) const {
    const std::vector<double> v = param(f, key, n);
    for (double x : v)
      if (x != v[0])
        fail(f, fmt::format("'{}' differs between neurons ({} and {}); evsnn needs one value per population", key, v[0], x));
    const double ms = nir_shift_decimal(v[0], power_);
    if (!(ms > 0.0 && std::isfinite(ms))) fail(f, fmt::format("'{}' = {} must be > 0", key, v[0]));
    return ms;
  }

  std::uint32_t neuron_count(const flat_node& f, const std::string& key) const {
    const npy_array* a = f.node->array(key);
    if (a == nullptr) fail(f, fmt::format("no '{}' dataset", key));
    if (a->shape.size() != 1 || a->values.empty() || a->values.size() > (std::size_t(1) << 30))
      fail(f, fmt::format("'{}' must be a 1-D array of 1 to 2^30 values (one per neuron)", key));
    return static_cast<std::uint32_t>(a->values.size());
  }

  // Spiking nodes: threshold above rest, reset to rest (evsnn's "zero"), v measured from v_leak.
  nlohmann::json thresholds(const flat_node& f, std::uint32_t n) const {
    const std::vector<double> th = param(f, "v_threshold", n), leak = param(f, "v_leak", n, 0.0),
                              reset = param(f, "v_reset", n, 0.0);
    std::vector<double> out(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      out[i] = th[i] - leak[i];
      if (!(out[i] > 0.0)) fail(f, fmt::format("neuron {}: v_threshold {} is not above v_leak {}", i, th[i], leak[i]));
      if (reset[i] != leak[i])
        fail(f, fmt::format("neuron {}: v_reset {} differs from v_leak {}; evsnn resets to the resting potential", i,
                            reset[i], leak[i]));
    }
    return std::all_of(out.begin(), out.end(), [&](double x) { return x == out[0]; }) ? nlohmann::json(out[0])
                                                                                      : nlohmann::json(out);
  }

  void classify(flat_node& f) {
    if (f.node == nullptr) return;  // identity
    const std::string& t = f.node->type;
    static const std::set<std::string> linear{"Affine", "Linear", "Scale", "Delay", "Flatten"};
    if (linear.contains(t)) return;
    if (t == "Output") {
      f.kind = role::sink;
      return;
    }
    if (t == "I") fail(f, "evsnn has no non-spiking integrator without leak");
    if (t == "Threshold") fail(f, "a stateless threshold on a continuous signal has no event-driven equivalent");
    if (t == "NIRGraph") fail(f, "nested graph not inlined");
    if (!(t == "Input" || t == "IF" || t == "LIF" || t == "CubaLIF" || t == "LI" || t == "CubaLI"))
      fail(f, "this node type is not supported (supported: Input, Output, Affine, Linear, Scale, Delay, Flatten, IF, LIF, "
              "CubaLIF, LI, CubaLI, nested NIRGraph)");
    f.kind = role::population;
    nlohmann::json params = nlohmann::json::object();
    std::string model;
    if (t == "Input") {
      // Any shape, flattened in C order (as NIR's Flatten and a (C, H, W) camera input are): evsnn's channel k is
      // the k-th element.
      const npy_array* shape = f.node->array("shape");
      double size = shape != nullptr && shape->shape.size() == 1 && !shape->values.empty() ? 1.0 : 0.0;
      if (shape != nullptr)
        for (double d : shape->values) size = d >= 1 && d == std::floor(d) ? size * d : 0.0;
      if (!(size >= 1 && size <= double(1u << 30)))
        fail(f, "'shape' must be a list of sizes >= 1 whose product is at most 2^30");
      f.size = static_cast<std::uint32_t>(size);
      model = "spike_source";
      if (const auto it = options_.input_spikes.find(f.name); it != options_.input_spikes.end())
        params["spikes_csv"] = it->second;
      else
        params["external"] = true;
    } else if (t == "IF") {
      // dv/dt = R I: an input moves v by r W and v stays; rest (and the reset) at 0.
      f.size = neuron_count(f, "v_threshold");
      params["threshold"] = thresholds(f, f.size);
      params["reset"] = "zero";
      model = "if_delta";
      f.gain = param(f, "r", f.size, 1.0);
    } else if (t == "LIF" || t == "CubaLIF") {
      f.size = neuron_count(f, "v_threshold");
      params["threshold"] = thresholds(f, f.size);
      params["reset"] = "zero";
      const bool cuba = t == "CubaLIF";
      const double tau_mem = uniform_ms(f, cuba ? "tau_mem" : "tau", f.size);
      params["tau_mem_ms"] = tau_mem;
      model = cuba ? "cuba_lif" : "lif_delta";
      gain(f, cuba);
      if (cuba) params["tau_syn_ms"] = uniform_ms(f, "tau_syn", f.size);
    } else {
      const bool cuba = t == "CubaLI";
      f.size = neuron_count(f, cuba ? "tau_mem" : "tau");
      for (double v : param(f, "v_leak", f.size, 0.0))
        if (v != 0.0) fail(f, "v_leak must be 0: evsnn's li reports v itself, with rest at 0");
      params["tau_mem_ms"] = uniform_ms(f, cuba ? "tau_mem" : "tau", f.size);
      if (cuba) params["tau_syn_ms"] = uniform_ms(f, "tau_syn", f.size);
      model = "li";
      gain(f, cuba);
    }
    f.population = {{"name", f.name}, {"model", model}, {"size", f.size}, {"params", params}};
    if (!f.node->evsnn.empty()) restore_population(f);
  }

  // NIR's input gain per neuron: an input spike of weight W moves v as an evsnn weight W r w_in / tau_syn
  // (CubaLIF, CubaLI) or W r / tau (LIF, LI) would, with tau in the file's unit (docs/nir.md).
  void gain(flat_node& f, bool cuba) {
    const std::vector<double> r = param(f, "r", f.size, 1.0);
    const std::vector<double> w_in = cuba ? param(f, "w_in", f.size, 1.0) : std::vector<double>(f.size, 1.0);
    const double tau = param(f, cuba ? "tau_syn" : "tau", f.size)[0];
    f.gain.resize(f.size);
    for (std::uint32_t i = 0; i < f.size; ++i) f.gain[i] = r[i] * w_in[i] / tau;
  }

  // evsnn metadata of a population: {"model", "params"}, checked against what the NIR numbers say.
  void restore_population(flat_node& f) {
    const std::string where = f.node->where + "/metadata/evsnn";
    const nlohmann::json meta = parse_json_text(f.node->evsnn, where);
    if (!meta.is_object() || !meta.contains("model") || !meta.contains("params") || !meta["params"].is_object())
      throw input_error(fmt::format("{}: expected {{\"model\": ..., \"params\": {{...}}}}", where));
    const nlohmann::json& derived = f.population["params"];
    const std::string model = meta["model"].is_string() ? meta["model"].get<std::string>() : "";
    const std::string from = f.population["model"];
    const bool same_family = model == from || (model == "lif_alpha" && from == "cuba_lif");
    if (!same_family)
      throw input_error(fmt::format("{}: model '{}' does not match the node type {}", where, model, f.node->type));
    if (model == "spike_source" && options_.input_spikes.contains(f.name)) return;  // the command line wins
    const nlohmann::json& params = meta["params"];
    for (const std::string key : {"tau_mem_ms", "tau_syn_ms", "threshold"}) {
      if (!derived.contains(key)) continue;
      nlohmann::json want = params.contains(key) ? params[key] : nlohmann::json(key == "threshold" ? 1.0 : 0.0);
      if (model == "lif_alpha" && key == "tau_syn_ms" && params.contains("tau_mem_ms") && params["tau_mem_ms"].is_number())
        want = params["tau_mem_ms"].get<double>() / 2.0;
      if (per_neuron(want, f.size) != per_neuron(derived[key], f.size))
        throw input_error(fmt::format("{}: params.{} = {} disagrees with the NIR parameters ({})", where, key,
                                      want.dump(), derived[key].dump()));
    }
    f.population["model"] = model;
    f.population["params"] = meta["params"];
  }

  // A number or one number per neuron as n values (an empty vector when it is neither).
  static std::vector<double> per_neuron(const nlohmann::json& v, std::uint32_t n) {
    if (v.is_number()) return std::vector<double>(n, v.get<double>());
    std::vector<double> out;
    if (v.is_array() && v.size() == n)
      for (const auto& x : v) out.push_back(x.is_number() ? x.get<double>() : NAN);
    return out;
  }

  // Every path from a population through linear nodes to the next population becomes a projection.
  void walk_from(std::size_t k, std::vector<nlohmann::json>& out) {
    path_map start;
    start.d.assign(nodes_[k].size, 1.0);
    start.out = nodes_[k].size;
    std::vector<std::size_t> on_path;
    steps_ = 0;
    walk(k, k, start, on_path, out);
  }

  void walk(std::size_t from, std::size_t at, const path_map& map, std::vector<std::size_t>& on_path,
            std::vector<nlohmann::json>& out) {
    const auto it = out_edges_.find(nodes_[at].name);
    if (it == out_edges_.end()) return;
    for (const std::string& next_name : it->second) {
      if (++steps_ > 1000000)
        throw input_error(fmt::format("{}: more than 10^6 paths from '{}' through linear nodes", file_, nodes_[from].name));
      const std::size_t next = index_.at(next_name);
      flat_node& n = nodes_[next];
      if (n.kind == role::sink) {
        // A population's own output is what evsnn records; a linear map of spikes read out directly has no
        // evsnn equivalent (it is not a population), and dropping it silently would lose part of the graph.
        if (!map.linear_node.empty())
          fail(n, fmt::format("reads the linear node '{}' directly; evsnn reads out populations: put a neuron node "
                              "(LI for a read-out) before the Output",
                              map.linear_node));
        continue;
      }
      if (n.kind == role::population) {
        if (n.node->type == "Input") fail(n, "an edge leads into an Input node");
        project(from, next, map, out);
        continue;
      }
      if (std::find(on_path.begin(), on_path.end(), next) != on_path.end())
        fail(n, "a loop through linear nodes with no neuron on it");
      on_path.push_back(next);
      walk(from, next, apply(n, map), on_path, out);
      on_path.pop_back();
    }
  }

  path_map apply(const flat_node& f, path_map map) const {
    // Identities: the boundary of a nested graph, and Flatten (populations are already flat, in C order).
    if (f.node == nullptr || f.node->type == "Flatten") return map;
    map.linear_node = f.name;
    const std::string& t = f.node->type;
    if (t == "Affine" || t == "Linear") {
      const npy_array* w = f.node->array("weight");
      if (w == nullptr || w->shape.size() != 2) fail(f, "'weight' must be a 2-D array (out, in)");
      const auto rows = static_cast<std::uint32_t>(w->shape[0]), cols = static_cast<std::uint32_t>(w->shape[1]);
      if (cols != map.out) fail(f, fmt::format("'weight' has {} columns, but its input has {} values", cols, map.out));
      if (t == "Affine") {
        const std::vector<double> b = param(f, "bias", rows, 0.0);
        for (std::uint32_t i = 0; i < rows; ++i)
          if (b[i] != 0.0) fail(f, fmt::format("bias[{}] = {}: evsnn's neurons take no constant input", i, b[i]));
      }
      const std::uint32_t n_in = static_cast<std::uint32_t>(map.diagonal ? map.d.size() : map.m.size() / map.out);
      charge(double(rows) * n_in, f);
      std::vector<double> m(std::size_t(rows) * n_in, 0.0);
      for (std::uint32_t o = 0; o < rows; ++o)
        for (std::uint32_t j = 0; j < cols; ++j) {
          const double wj = w->values[std::size_t(o) * cols + j];
          if (map.diagonal) {
            m[std::size_t(o) * n_in + j] = wj * map.d[j];
          } else if (wj != 0.0) {
            for (std::uint32_t i = 0; i < n_in; ++i) m[std::size_t(o) * n_in + i] += wj * map.m[std::size_t(j) * n_in + i];
          }
        }
      map.diagonal = false;
      map.m = std::move(m);
      map.out = rows;
      if (map.weight_node.empty()) map.weight_node = f.name;
      return map;
    }
    const std::vector<double> v = param(f, t == "Scale" ? "scale" : "delay", map.out);
    if (t == "Scale") {
      const std::uint32_t n_in = map.diagonal ? map.out : static_cast<std::uint32_t>(map.m.size() / map.out);
      for (std::uint32_t o = 0; o < map.out; ++o)
        if (map.diagonal)
          map.d[o] *= v[o];
        else
          for (std::uint32_t i = 0; i < n_in; ++i) map.m[std::size_t(o) * n_in + i] *= v[o];
      return map;
    }
    for (double x : v)
      if (x != v[0]) fail(f, fmt::format("delays differ ({} and {}); evsnn has one delay per projection", v[0], x));
    if (!(v[0] >= 0.0 && std::isfinite(v[0]))) fail(f, fmt::format("delay {} must be >= 0", v[0]));
    map.delay += v[0];
    return map;
  }

  void charge(double values, const flat_node& f) const {
    if (values * 8.0 > static_cast<double>(usable_memory_bytes()))
      fail(f, fmt::format("composing its weights needs {}, more than this process may use", format_bytes(values * 8.0)));
  }

  void project(std::size_t from, std::size_t to, const path_map& map, std::vector<nlohmann::json>& out) {
    const flat_node& pre = nodes_[from];
    const flat_node& post = nodes_[to];
    if (map.out != post.size)
      fail(post, fmt::format("receives {} values from '{}', but has {} neurons", map.out, pre.name, post.size));
    nlohmann::json p = {{"pre", pre.name}, {"post", post.name}};
    std::string name = map.weight_node.empty() ? pre.name + "->" + post.name : map.weight_node;
    const double delay_ms = nir_shift_decimal(map.delay, power_);
    if (delay_ms != 0.0) p["delay_ms"] = delay_ms;
    const flat_node* weight = map.weight_node.empty() ? nullptr : &nodes_[index_.at(map.weight_node)];
    if (map.diagonal) {
      std::vector<std::uint32_t> idx(post.size);
      std::vector<double> w(post.size);
      for (std::uint32_t i = 0; i < post.size; ++i) idx[i] = i, w[i] = map.d[i] * post.gain[i];
      p["weights"] = {{"pre", idx}, {"post", idx}, {"w", w}};
    } else {
      const std::uint32_t n_pre = pre.size;
      std::vector<double> dense(std::size_t(n_pre) * post.size);  // rows pre, as evsnn's dense weights
      for (std::uint32_t i = 0; i < n_pre; ++i)
        for (std::uint32_t o = 0; o < post.size; ++o)
          dense[std::size_t(i) * post.size + o] = map.m[std::size_t(o) * n_pre + i] * post.gain[o];
      if (weight == nullptr || !restore_sparse(*weight, dense, n_pre, post.size, p)) {
        nlohmann::json rows = nlohmann::json::array();
        for (std::uint32_t i = 0; i < n_pre; ++i)
          rows.push_back(std::vector<double>(dense.begin() + std::ptrdiff_t(i) * post.size,
                                             dense.begin() + std::ptrdiff_t(i + 1) * post.size));
        p["weights"] = std::move(rows);
      }
    }
    if (weight != nullptr && !weight->node->evsnn.empty()) restore_projection(*weight, p, name);
    std::string unique = name;
    for (int k = 2; used_names_.contains(unique); ++k) unique = fmt::format("{}#{}", name, k);
    used_names_.insert(unique);
    p["name"] = unique;
    out.push_back(std::move(p));
  }

  // evsnn metadata of a projection: name, graded, weight_precision and plasticity.
  void restore_projection(const flat_node& f, nlohmann::json& p, std::string& name) const {
    const std::string where = f.node->where + "/metadata/evsnn";
    const nlohmann::json meta = parse_json_text(f.node->evsnn, where);
    if (!meta.is_object()) throw input_error(fmt::format("{}: expected an object", where));
    for (const auto& [key, value] : meta.items()) {
      if (key == "name" && value.is_string()) name = value.get<std::string>();
      else if (key == "graded" || key == "weight_precision" || key == "plasticity") p[key] = value;
      else throw input_error(fmt::format("{}: unknown key '{}'", where, key));
    }
  }

  // The sparse structure of an exported sparse projection (metadata evsnn_pre/post/w, one value per synapse),
  // which must sum to the dense weights NIR holds; false when the node has none.
  bool restore_sparse(const flat_node& f, const std::vector<double>& dense, std::size_t n_pre, std::size_t n_post,
                      nlohmann::json& p) const {
    const auto& md = f.node->metadata_arrays;
    if (!md.contains("evsnn_pre")) return false;
    const std::string where = f.node->where + "/metadata/evsnn_";
    const std::vector<double>& pre = md.at("evsnn_pre").values;
    if (!md.contains("evsnn_post") || !md.contains("evsnn_w") || md.at("evsnn_post").values.size() != pre.size() ||
        md.at("evsnn_w").values.size() != pre.size())
      throw input_error(fmt::format("{}pre: evsnn_pre, evsnn_post and evsnn_w must have one value per synapse", where));
    const std::vector<double>& post = md.at("evsnn_post").values;
    const std::vector<double>& w = md.at("evsnn_w").values;
    std::vector<double> sum(dense.size(), 0.0);
    for (std::size_t s = 0; s < w.size(); ++s) {
      if (!(pre[s] >= 0 && pre[s] < double(n_pre) && post[s] >= 0 && post[s] < double(n_post)))
        throw input_error(fmt::format("{}pre: synapse {} ({} -> {}) is out of range", where, s, pre[s], post[s]));
      sum[std::size_t(pre[s]) * n_post + std::size_t(post[s])] += w[s];
    }
    for (std::size_t k = 0; k < dense.size(); ++k)
      if (std::fabs(dense[k] - sum[k]) > 1e-12 * std::max(1.0, std::fabs(dense[k])))
        throw input_error(fmt::format("{}w: the synapses from {} to {} sum to {}, but 'weight' holds {}", where,
                                      k / n_post, k % n_post, sum[k], dense[k]));
    p["weights"] = {{"pre", pre}, {"post", post}, {"w", w}};
    return true;
  }

  // Puts items in the order listed in the graph's evsnn metadata (others after, as found).
  template <class T, class Name>
  void order(std::vector<T>& items, const nlohmann::json& meta, const char* key, Name name_of) const {
    if (!meta.contains(key) || !meta[key].is_array()) return;
    std::map<std::string, std::size_t> rank;
    for (std::size_t k = 0; k < meta[key].size(); ++k)
      if (meta[key][k].is_string()) rank.emplace(meta[key][k].get<std::string>(), k);
    std::stable_sort(items.begin(), items.end(), [&](const T& a, const T& b) {
      const auto ra = rank.find(name_of(a)), rb = rank.find(name_of(b));
      return (ra == rank.end() ? rank.size() : ra->second) < (rb == rank.end() ? rank.size() : rb->second);
    });
  }

  std::string file_;
  const nir_import_options& options_;
  int power_ = 3;
  std::vector<flat_node> nodes_;
  std::map<std::string, std::size_t> index_;
  std::map<std::string, std::vector<std::string>> out_edges_;
  std::set<std::string> used_names_;
  std::size_t steps_ = 0;
};

}  // namespace

nlohmann::json import_nir(const nir_graph& g, const std::string& file, const nir_import_options& options) {
  return importer(file, options).run(g);
}

}  // namespace evsnn::cli
