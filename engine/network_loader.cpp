#include "engine/network_loader.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/array_cache.hpp"
#include "engine/csv_reader.hpp"
#include "engine/error.hpp"
#include "engine/event.hpp"
#include "engine/json_node.hpp"
#include "engine/memory_budget.hpp"
#include "engine/npy_reader.hpp"
#include "engine/rng.hpp"
#include "engine/weight_init.hpp"

namespace evsnn {
namespace {

// "weight_precision": "float64" (the default: the user's numbers) or "float32".
bool weight_precision_is_float32(const json_node& n) { return n.as_choice({"float64", "float32"}) == "float32"; }

double checked_weight(const json_node& n) {
  const double v = n.as_double();
  if (std::fabs(v) > 3.0e38) n.fail(fmt::format("weight {} is beyond the limit of +-3e38", v));
  return v;
}

// Element k of a JSON array of weights: read directly when it is a number within the limit (no node, no
// path string per element: large arrays are the loader's hot loop), through checked_weight for the error.
double weight_at(const json_node& array, std::size_t k) {
  const nlohmann::json& v = array.raw()[k];
  if (v.is_number()) {
    const double d = v.get<double>();
    if (std::fabs(d) <= 3.0e38) return d;
  }
  return checked_weight(array[k]);
}

std::vector<synapse_triplet> dense_rows(const json_node& w, std::uint32_t n_pre, std::uint32_t n_post) {
  if (w.size() != n_pre) w.fail(fmt::format("{} rows, expected {} (one per presynaptic neuron)", w.size(), n_pre));
  std::vector<synapse_triplet> out;
  out.reserve(static_cast<std::size_t>(n_pre) * n_post);
  for (std::uint32_t i = 0; i < n_pre; ++i) {
    const json_node row = w[i];
    if (!row.is_array()) row.fail("expected a row (an array of weights)");
    if (row.size() != n_post) row.fail(fmt::format("{} weights, expected {} (the postsynaptic size)", row.size(), n_post));
    for (std::uint32_t j = 0; j < n_post; ++j) out.push_back({i, j, weight_at(row, j)});
  }
  return out;
}

// Dense weights from a CSV file of n_pre rows of n_post values, as an array of shape (n_pre, n_post) in C order.
npy_array csv_matrix(const json_node& where, const std::filesystem::path& path, std::uint32_t n_pre,
                     std::uint32_t n_post) {
  const auto text = csv_reader::read_file(path);
  if (!text) where.fail(fmt::format("cannot open weights file {}", path.string()));
  csv_reader reader(*text, path.string());
  npy_array out;
  out.shape = {n_pre, n_post};
  // The sizes come from the network file; the CSV may hold far fewer values.
  out.values.reserve(reader.capped(static_cast<std::uint64_t>(n_pre) * n_post));
  csv_reader::row r;
  std::uint32_t row = 0;
  while (reader.next(r)) {
    if (row == n_pre) r.fail(fmt::format("more than {} rows (one per presynaptic neuron)", n_pre));
    if (r.size() > n_post) r.fail(n_post, fmt::format("more than {} values (the postsynaptic size)", n_post));
    for (std::uint32_t col = 0; col < r.size(); ++col)
      out.values.push_back(r.as_double(col, "weight", -3.0e38, 3.0e38));
    if (r.size() != n_post) r.fail(fmt::format("{} values, expected {} (the postsynaptic size)", r.size(), n_post));
    ++row;
  }
  if (row != n_pre) reader.fail(fmt::format("{} rows, expected {} (one per presynaptic neuron)", row, n_pre));
  return out;
}

// An array in a file: {"npy": file} or {"hdf5": file, "dataset": path in the file}, the file relative to the
// network's folder; name is what errors call it ("file" or "file: dataset").
struct array_file {
  npy_array array;
  std::string name;
};
array_file read_array_file(const json_node& n, const model_context& ctx, std::uint64_t max_values) {
  const bool hdf5 = n.has("hdf5");
  const json_node f = n.at(hdf5 ? "hdf5" : "npy");
  std::optional<json_node> d;
  if (hdf5) d = n.at("dataset");
  n.finish();
  std::filesystem::path path = f.as_string();
  if (path.is_relative()) path = ctx.base_dir / path;
  if (!hdf5) return {read_array(ctx.arrays, array_format::npy, path.string(), "", max_values), path.string()};
  const std::string dataset = d->as_string();
  return {read_array(ctx.arrays, array_format::hdf5, path.string(), dataset, max_values),
          fmt::format("{}: {}", path.string(), dataset)};
}

// The synapses of dense weights a of shape (n_pre, n_post); name is what errors call the array.
std::vector<synapse_triplet> matrix_rows(const npy_array& a, const std::string& name, std::uint32_t n_pre,
                                         std::uint32_t n_post) {
  if (a.shape != std::vector<std::uint64_t>{n_pre, n_post})
    throw input_error(fmt::format("{}: shape ({}), expected ({}, {}) (presynaptic x postsynaptic)", name,
                                  fmt::join(a.shape, ", "), n_pre, n_post));
  std::vector<synapse_triplet> out;
  out.reserve(a.values.size());
  for (std::size_t k = 0; k < a.values.size(); ++k) {
    if (std::fabs(a.values[k]) > 3.0e38)
      throw input_error(fmt::format("{}: element {}: weight {} is beyond the limit of +-3e38", name, k, a.values[k]));
    out.push_back({static_cast<std::uint32_t>(k / n_post), static_cast<std::uint32_t>(k % n_post), a.values[k]});
  }
  return out;
}

// Dense weights from an array file of shape (n_pre, n_post).
std::vector<synapse_triplet> array_rows(const json_node& w, const model_context& ctx, std::uint32_t n_pre,
                                        std::uint32_t n_post) {
  const array_file f = read_array_file(w, ctx, static_cast<std::uint64_t>(n_pre) * n_post);
  return matrix_rows(f.array, f.name, n_pre, n_post);
}

// Dense weights from a CSV file ({"csv": file}), read through the context's cache: the expected shape is part
// of the key, as the reader's row checks depend on it.
std::vector<synapse_triplet> csv_weight_rows(const json_node& w, const model_context& ctx, std::uint32_t n_pre,
                                             std::uint32_t n_post) {
  const json_node c = w.at("csv");
  w.finish();
  std::filesystem::path path = c.as_string();
  if (path.is_relative()) path = ctx.base_dir / path;
  const npy_array a = read_array(ctx.arrays, array_format::csv, path.string(), fmt::format("{}x{}", n_pre, n_post),
                                 static_cast<std::uint64_t>(n_pre) * n_post,
                                 [&] { return csv_matrix(c, path, n_pre, n_post); });
  return matrix_rows(a, path.string(), n_pre, n_post);
}

// One list of a sparse projection: inline JSON numbers or a 1-D array file (.npy or HDF5); fail(k, what) names
// the entry.
struct sparse_list {
  std::optional<json_node> node;  // inline
  std::string file;               // or the array file (npy or HDF5)
  std::vector<double> values;

  sparse_list(const json_node& n, const model_context& ctx, std::uint64_t max_values) {
    if (n.is_object()) {
      array_file f = read_array_file(n, ctx, max_values);
      file = f.name;
      if (f.array.shape.size() != 1)
        throw input_error(fmt::format("{}: {} dimensions, expected a 1-D array", file, f.array.shape.size()));
      values = std::move(f.array.values);
    } else {
      n.expect_array();
      node = n;
    }
  }
  std::size_t size() const { return node ? node->size() : values.size(); }
  [[noreturn]] void fail(std::size_t k, const std::string& what) const {
    if (node) (*node)[k].fail(what);
    throw input_error(fmt::format("{}: element {}: {}", file, k, what));
  }
  double weight(std::size_t k) const {
    if (node) return weight_at(*node, k);
    if (std::fabs(values[k]) > 3.0e38) fail(k, fmt::format("weight {} is beyond the limit of +-3e38", values[k]));
    return values[k];
  }
  std::uint32_t index(std::size_t k, std::uint32_t n, const char* side) const {
    double v = 0.0;
    if (!node)
      v = values[k];
    else if (const nlohmann::json& e = node->raw()[k]; e.is_number_unsigned())
      v = static_cast<double>(e.get<std::uint64_t>());
    else
      v = static_cast<double>((*node)[k].as_uint());  // fails with the element's path
    if (!(v >= 0.0 && v < n && v == std::floor(v)))
      fail(k, fmt::format("index {} out of range ({} size {})", v, side, n));
    return static_cast<std::uint32_t>(v);
  }
};

std::vector<synapse_triplet> sparse_lists(const json_node& w, const model_context& ctx, std::uint32_t n_pre,
                                          std::uint32_t n_post) {
  const json_node pre_n = w.at("pre"), post_n = w.at("post"), val_n = w.at("w");
  w.finish();
  const std::uint64_t most = std::uint64_t(1) << 32;  // synapse ids are 32-bit
  const sparse_list pre(pre_n, ctx, most), post(post_n, ctx, most), val(val_n, ctx, most);
  if (post.size() != pre.size()) post_n.fail(fmt::format("{} entries, expected {} (as many as 'pre')", post.size(), pre.size()));
  if (val.size() != pre.size()) val_n.fail(fmt::format("{} entries, expected {} (as many as 'pre')", val.size(), pre.size()));
  std::vector<synapse_triplet> out(pre.size());
  for (std::size_t k = 0; k < pre.size(); ++k)
    out[k] = {pre.index(k, n_pre, "presynaptic"), post.index(k, n_post, "postsynaptic"), val.weight(k)};
  return out;
}

// Drawn synapses are charged to the budget at their expected number before any is drawn; the caller
// settles the difference with the number drawn (returned in `charged`).
std::vector<synapse_triplet> random_init(const json_node& w, std::uint32_t n_pre, std::uint32_t n_post, bool recurrent,
                                         std::uint64_t seed, memory_budget& budget, double& charged) {
  const weight_init dist = read_weight_init(w);
  double p_connect = 1.0;
  if (auto pc = w.get("p_connect")) {
    p_connect = pc->as_double();
    if (!(p_connect > 0.0 && p_connect <= 1.0)) pc->fail(fmt::format("must be in (0, 1], got {}", p_connect));
  }
  bool self = true;
  if (auto s = w.get("self_connections")) self = s->as_bool();
  std::uint64_t in_degree = 0;
  if (auto k = w.get("in_degree")) {
    if (w.has("p_connect")) k->fail("give 'p_connect' or 'in_degree', not both");
    in_degree = k->as_uint();
    const std::uint64_t available = n_pre - ((recurrent && !self) ? 1u : 0u);
    if (in_degree < 1 || in_degree > available)
      k->fail(fmt::format("must be in [1, {}] (the presynaptic neurons each neuron can draw from), got {}", available,
                          in_degree));
  }
  if (auto s = w.get("seed")) seed = s->as_uint();
  w.finish();
  if (in_degree > 0) {
    charged = static_cast<double>(n_post) * static_cast<double>(in_degree) * memory_budget::bytes_per_synapse;
    budget.charge(charged, w, fmt::format("{} x {} synapses (in_degree)", n_post, in_degree));
  } else {
    charged = static_cast<double>(n_pre) * n_post * p_connect * memory_budget::bytes_per_synapse;
    budget.charge(charged, w, fmt::format("{} x {} synapses at p_connect {}", n_pre, n_post, p_connect));
  }

  rng r(seed);
  auto draw = [&]() { return dist.draw(r); };
  std::vector<synapse_triplet> out;
  if (in_degree > 0) {
    // Fixed in-degree: each post neuron draws in_degree distinct presynaptic neurons (Floyd's sampling over
    // the candidates; without self-connections neuron j skips itself), then their weights.
    out.reserve(static_cast<std::size_t>(n_post * in_degree));
    const bool skip_self = recurrent && !self;
    const std::uint64_t m = n_pre - (skip_self ? 1u : 0u);
    std::vector<std::uint32_t> chosen;
    std::vector<char> taken(m, 0);
    for (std::uint32_t j = 0; j < n_post; ++j) {
      chosen.clear();
      for (std::uint64_t t = m - in_degree; t < m; ++t) {
        auto c = static_cast<std::uint32_t>(r.below(t + 1));
        if (taken[c]) c = static_cast<std::uint32_t>(t);
        taken[c] = 1;
        chosen.push_back(c);
      }
      for (std::uint32_t c : chosen) taken[c] = 0;
      std::sort(chosen.begin(), chosen.end());
      for (std::uint32_t c : chosen) out.push_back({skip_self && c >= j ? c + 1 : c, j, draw()});
    }
    return out;
  }
  const std::uint64_t total = static_cast<std::uint64_t>(n_pre) * n_post;
  out.reserve(static_cast<std::size_t>(static_cast<double>(total) * p_connect * 1.05) + 16);
  if (p_connect == 1.0) {
    for (std::uint32_t i = 0; i < n_pre; ++i)
      for (std::uint32_t j = 0; j < n_post; ++j) {
        const double v = draw();
        if (recurrent && !self && i == j) continue;
        out.push_back({i, j, v});
      }
    return out;
  }
  // Bernoulli(p) over all pairs in row-major order by geometric skips.
  const double log_q = std::log1p(-p_connect);
  std::uint64_t k = 0;
  while (true) {
    const double skip = std::floor(std::log(r.uniform_pos()) / log_q);
    if (skip >= static_cast<double>(total - k)) break;
    k += static_cast<std::uint64_t>(skip);
    const auto i = static_cast<std::uint32_t>(k / n_post), j = static_cast<std::uint32_t>(k % n_post);
    const double v = draw();
    if (!(recurrent && !self && i == j)) out.push_back({i, j, v});
    if (++k >= total) break;
  }
  return out;
}

// A copy of params with every array of global_size values (a per-neuron parameter) cut to this rank's
// neurons of a dealt population.
nlohmann::json deal_params(const nlohmann::json& params, std::uint32_t p, std::uint32_t global_size,
                           const partition& part) {
  nlohmann::json out = params;
  if (!out.is_object()) return out;
  for (auto& [key, value] : out.items()) {
    if (!value.is_array() || value.size() != global_size) continue;
    nlohmann::json cut = nlohmann::json::array();
    for (std::uint32_t g = 0; g < global_size; ++g)
      if (part.holds(p, g)) cut.push_back(value[g]);
    value = std::move(cut);
  }
  return out;
}

// Plans the partition (engine/partition.hpp) from the populations built whole and the projections' ends and
// delays, and rebuilds each dealt population with this rank's neurons.
void deal_populations(network& net, const json_node& root, const json_node& pops,
                      const std::vector<const population_factory*>& factories, const model_context& ctx,
                      const partition_request& dealing) {
  std::vector<partition::population_outline> outline;
  std::vector<std::uint32_t> sizes;
  for (std::uint32_t p = 0; p < net.population_count(); ++p) {
    const population& pop = net.pop(p);
    outline.push_back({pop.size(), pop.settles() || !pop.takes_synaptic_input(), !pop.spiking()});
    sizes.push_back(pop.size());
  }
  // The projections' ends and delays, read leniently here: the projections' own pass reports what is wrong.
  std::vector<partition::projection_outline> links;
  const nlohmann::json& doc = root.raw();
  if (doc.contains("projections") && doc["projections"].is_array())
    for (const nlohmann::json& pr : doc["projections"]) {
      if (!pr.is_object() || !pr.contains("pre") || !pr.contains("post") || !pr["pre"].is_string() || !pr["post"].is_string())
        continue;
      const auto pre = net.find_population(pr["pre"].get<std::string>());
      const auto post = net.find_population(pr["post"].get<std::string>());
      double delay = 0.0;
      if (pr.contains("delay_ms") && pr["delay_ms"].is_number()) delay = pr["delay_ms"].get<double>();
      if (pre && post) links.push_back({*pre, *post, delay});
    }
  partition part = partition::plan(dealing.rank, dealing.ranks, dealing.mode, outline, links);
  for (std::uint32_t p = 0; p < net.population_count(); ++p) {
    if (!part.dealt(p)) continue;
    const json_node entry = pops[p];
    const nlohmann::json params =
        deal_params(entry.raw().contains("params") ? entry.raw()["params"] : nlohmann::json::object(), p, sizes[p], part);
    const json_node params_node(params, root.file(), entry.path() + "/params");
    net.replace_population(p, (*factories[p])(net.pop(p).name(), part.local_size(p, sizes[p]), params_node, ctx));
  }
  net.set_partition(std::move(part), std::move(sizes));
}

// Keeps the synapses onto this rank's neurons of population post, renumbered to its local indices.
void keep_local_synapses(std::vector<synapse_triplet>& syn, const partition& part, std::uint32_t post) {
  std::size_t kept = 0;
  for (const synapse_triplet& s : syn)
    if (part.holds(post, s.post)) syn[kept++] = {s.pre, part.local_index(post, s.post), s.weight};
  syn.resize(kept);
  syn.shrink_to_fit();
}

}  // namespace

std::unique_ptr<network> build_network(const nlohmann::json& doc, const std::string& file,
                                       const std::filesystem::path& base_dir, const model_registry& models,
                                       const plasticity_registry* rules, const partition_request* dealing,
                                       array_cache* arrays) {
  const json_node root(doc, file);
  root.expect_object();
  const json_node fmt_node = root.at("format");
  if (fmt_node.as_string() != network_format)
    fmt_node.fail(fmt::format("unsupported format '{}', expected '{}'", fmt_node.as_string(), network_format));
  auto net = std::make_unique<network>();
  if (auto s = root.get("seed")) net->seed = s->as_uint();
  const bool float32_default = root.get("weight_precision") && weight_precision_is_float32(*root.get("weight_precision"));
  if (auto d = root.get("duration_ms")) {
    net->duration_ms = d->as_positive();
    if (net->duration_ms > max_time_ms) d->fail(fmt::format("must be <= {:g} ms, got {:g}", max_time_ms, net->duration_ms));
  }
  memory_budget budget;
  if (auto d = root.get("description")) d->as_string();

  const json_node pops = root.at("populations");
  pops.expect_array();
  std::vector<const population_factory*> factories;
  if (pops.size() == 0) pops.fail("a network needs at least one population");
  const model_context ctx{base_dir, arrays};
  for (std::size_t k = 0; k < pops.size(); ++k) {
    const json_node p = pops[k];
    p.expect_object();
    const std::string name = p.at("name").as_string();
    if (name.empty()) p.at("name").fail("must not be empty");
    if (net->find_population(name)) p.at("name").fail(fmt::format("duplicate population name '{}'", name));
    const json_node model = p.at("model");
    const population_factory* factory = &models.lookup(model);
    const json_node size_node = p.at("size");
    const std::uint64_t size = size_node.as_uint();
    if (size == 0 || size > (1u << 30)) size_node.fail(fmt::format("must be in [1, 2^30], got {}", size));
    budget.charge(static_cast<double>(size) * memory_budget::bytes_per_neuron, size_node,
                  fmt::format("{} neurons", size));
    const nlohmann::json empty = nlohmann::json::object();
    auto params = p.get("params");
    p.finish();
    if (params) params->expect_object();
    const json_node params_node = params ? *params : json_node(empty, file, p.path() + "/params");
    net->add_population((*factory)(name, static_cast<std::uint32_t>(size), params_node, ctx));
    factories.push_back(factory);
  }
  if (dealing != nullptr && dealing->ranks > 1) deal_populations(*net, root, pops, factories, ctx, *dealing);
  const partition& part = net->part();

  struct plastic_decl {
    std::uint32_t projection;
    json_node params;
    const plasticity_factory* make;
  };
  std::vector<plastic_decl> plastic;
  if (auto projs = root.get("projections")) {
    projs->expect_array();
    for (std::size_t k = 0; k < projs->size(); ++k) {
      const json_node pr = (*projs)[k];
      pr.expect_object();
      const json_node pre_node = pr.at("pre"), post_node = pr.at("post");
      const auto pre = net->find_population(pre_node.as_string());
      if (!pre) pre_node.fail(fmt::format("unknown population '{}'", pre_node.as_string()));
      const auto post = net->find_population(post_node.as_string());
      if (!post) post_node.fail(fmt::format("unknown population '{}'", post_node.as_string()));
      if (!net->pop(*post).takes_synaptic_input())
        post_node.fail(fmt::format("population '{}' ({}) cannot receive synapses", net->pop(*post).name(), net->pop(*post).model()));
      std::string name = fmt::format("{}->{}", pre_node.as_string(), post_node.as_string());
      if (auto n = pr.get("name")) name = n->as_string();
      double delay = 0.0;
      if (auto d = pr.get("delay_ms")) delay = d->as_nonnegative();
      bool graded = false;
      if (auto g = pr.get("graded")) graded = g->as_bool();
      const json_node w = pr.at("weights");
      bool float32 = float32_default;
      if (auto p = pr.get("weight_precision")) float32 = weight_precision_is_float32(*p);
      const auto plasticity_node = pr.get("plasticity");
      pr.finish();
      if (plasticity_node) {
        plasticity_node->expect_object();
        const json_node rule = plasticity_node->at("rule");
        if (rules == nullptr) rule.fail("plasticity is not available here");
        plastic.push_back({static_cast<std::uint32_t>(k), *plasticity_node, &rules->lookup(rule)});
      }
      const std::uint32_t n_pre = net->global_size(*pre), n_post = net->global_size(*post);
      std::vector<synapse_triplet> syn;
      // Row pointers of the CSR, then the synapses (charged before anything of their size is allocated).
      budget.charge(static_cast<double>(n_pre + 1) * 8.0, pr, fmt::format("the rows of {} presynaptic neurons", n_pre));
      double pre_charged = 0.0;
      if (w.is_array()) {
        pre_charged = static_cast<double>(n_pre) * n_post * memory_budget::bytes_per_synapse;
        budget.charge(pre_charged, w, fmt::format("{} x {} dense weights", n_pre, n_post));
        syn = dense_rows(w, n_pre, n_post);
      } else if (w.is_object() && (w.has("npy") || w.has("hdf5"))) {
        syn = array_rows(w, ctx, n_pre, n_post);
      } else if (w.is_object() && w.has("csv")) {
        syn = csv_weight_rows(w, ctx, n_pre, n_post);
      } else if (w.is_object() && w.has("init")) {
        syn = random_init(w, n_pre, n_post, *pre == *post, rng::derive(net->seed, 0x3e1647, k), budget, pre_charged);
      } else if (w.is_object() && (w.has("pre") || w.has("post") || w.has("w"))) {
        syn = sparse_lists(w, ctx, n_pre, n_post);
      } else {
        w.fail("expected dense rows [[...]], {\"csv\": file}, {\"npy\": file}, {\"hdf5\": file, \"dataset\": path}, "
               "{\"pre\", \"post\", \"w\"} lists or {\"init\": ...}");
      }
      budget.charge(static_cast<double>(syn.size()) * memory_budget::bytes_per_synapse - pre_charged, w,
                    fmt::format("{} synapses", syn.size()));
      if (!part.whole()) keep_local_synapses(syn, part, *post);
      net->add_projection(projection(name, *pre, *post, n_pre, net->pop(*post).size(), delay, graded, std::move(syn),
                                     float32));
    }
  }
  root.finish();
  net->finalize();
  for (const plastic_decl& d : plastic) net->add_plasticity((*d.make)(d.params, *net, d.projection));
  return net;
}

std::unique_ptr<network> load_network(const std::string& path, const model_registry& models,
                                      const plasticity_registry* rules, const partition_request* dealing) {
  return build_network(parse_json_file(path), path, network_dir(path), models, rules, dealing);
}

std::filesystem::path network_dir(const std::string& path) {
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  return base.empty() ? std::filesystem::path(".") : base;
}

}  // namespace evsnn
