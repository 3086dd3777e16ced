#include "tools/nir_file.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "engine/hdf5_array.hpp"
#include "engine/hdf5_handle.hpp"
#include "engine/isolated_read.hpp"

namespace evsnn::cli {
namespace {

// The node types whose datasets evsnn reads; others are only named (and refused by the importer).
const std::set<std::string> read_types{"Input", "Output", "Affine", "Linear",    "Scale",   "Delay",
                                       "LIF",   "CubaLIF", "LI",   "CubaLI",    "IF",      "I",
                                       "Threshold", "Flatten", "NIRGraph"};
// At most this many values per dataset (a weight matrix of 2^31 values is 16 GiB as doubles).
constexpr std::uint64_t max_dataset_values = std::uint64_t(1) << 31;

// float32 values as the decimal the user wrote: the shortest decimal that names the float, read as a double
// (0.005f is 0.004999999888 as a double, and 0.005 here), so 0.005 s becomes exactly 5 ms.
npy_array user_numbers(npy_array a) {
  if (a.dtype != "f4") return a;
  for (double& v : a.values) {
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<float>(v));
    std::from_chars(buf, end, v);
  }
  return a;
}

struct reader {
  std::string file;
  std::size_t nodes = 0;

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw input_error(fmt::format("{}: {}: {}", file, where, what));
  }

  bool exists(hid_t loc, const std::string& name) const {
    return H5Lexists(loc, name.c_str(), H5P_DEFAULT) > 0 && H5Oexists_by_name(loc, name.c_str(), H5P_DEFAULT) > 0;
  }

  H5I_type_t kind(hid_t loc, const std::string& name) const {
    const hdf5_handle obj(H5Oopen(loc, name.c_str(), H5P_DEFAULT), H5Oclose);
    return obj.valid() ? H5Iget_type(obj.get()) : H5I_BADID;
  }

  // Names of a group's links: in creation order when the group tracks it (evsnn's files), else by name.
  std::vector<std::string> children(hid_t group, const std::string& where) const {
    unsigned flags = 0;
    const hdf5_handle gcpl(H5Gget_create_plist(group), H5Pclose);
    if (gcpl.valid()) H5Pget_link_creation_order(gcpl.get(), &flags);
    const H5_index_t index = (flags & H5P_CRT_ORDER_TRACKED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
    std::vector<std::string> names;
    auto visit = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
      auto* out = static_cast<std::vector<std::string>*>(data);
      if (out->size() >= max_nir_nodes) return 1;
      out->emplace_back(name);
      return 0;
    };
    if (H5Literate(group, index, H5_ITER_INC, nullptr, visit, &names) < 0)
      fail(where, "cannot list the group (corrupt file)");
    if (names.size() >= max_nir_nodes) fail(where, fmt::format("more than {} entries", max_nir_nodes));
    return names;
  }

  // A scalar string dataset (variable or fixed length).
  std::string text(hid_t loc, const std::string& name, const std::string& where) const {
    const hdf5_handle ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!ds.valid()) fail(where, "not a dataset");
    const hdf5_handle type(H5Dget_type(ds.get()), H5Tclose);
    const hdf5_handle space(H5Dget_space(ds.get()), H5Sclose);
    if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING) fail(where, "not a string");
    if (!space.valid() || H5Sget_simple_extent_npoints(space.get()) != 1) fail(where, "not a single string");
    if (H5Tis_variable_str(type.get()) > 0) {
      const hdf5_handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mem.get(), H5T_VARIABLE);
      H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
      char* value = nullptr;
      if (H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) < 0) fail(where, "cannot read the string");
      std::string out = value != nullptr ? value : "";
      H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, &value);
      return out;
    }
    const std::size_t size = H5Tget_size(type.get());
    if (size > (1u << 20)) fail(where, "a string longer than 1 MiB");
    std::string out(size, '\0');
    if (size > 0 && H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
      fail(where, "cannot read the string");
    while (!out.empty() && (out.back() == '\0' || out.back() == ' ')) out.pop_back();
    return out;
  }

  bool is_string(hid_t loc, const std::string& name) const {
    const hdf5_handle ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose);
    const hdf5_handle type(ds.valid() ? H5Dget_type(ds.get()) : -1, H5Tclose);
    return type.valid() && H5Tget_class(type.get()) == H5T_STRING;
  }

  std::vector<std::array<std::string, 2>> edges(hid_t graph, const std::string& where) const {
    const hdf5_handle ds(H5Dopen2(graph, "edges", H5P_DEFAULT), H5Dclose);
    if (!ds.valid()) fail(where, "not a dataset");
    const hdf5_handle space(H5Dget_space(ds.get()), H5Sclose);
    const hssize_t points = space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
    if (points == 0) return {};  // nir.write stores an empty edge list as a float array of shape (0,)
    const hdf5_handle type(H5Dget_type(ds.get()), H5Tclose);
    hsize_t dims[2] = {0, 0};
    if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_ndims(space.get()) != 2 ||
        (H5Sget_simple_extent_dims(space.get(), dims, nullptr), dims[1] != 2))
      fail(where, "expected an (n, 2) array of node names");
    if (dims[0] > 16 * max_nir_nodes) fail(where, fmt::format("{} edges, more than {}", dims[0], 16 * max_nir_nodes));
    std::vector<std::array<std::string, 2>> out(dims[0]);
    if (H5Tis_variable_str(type.get()) > 0) {
      const hdf5_handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mem.get(), H5T_VARIABLE);
      H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
      std::vector<char*> names(dims[0] * 2, nullptr);
      if (H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, names.data()) < 0)
        fail(where, "cannot read the edges");
      for (std::size_t k = 0; k < names.size(); ++k) out[k / 2][k % 2] = names[k] != nullptr ? names[k] : "";
      H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, names.data());
      return out;
    }
    const std::size_t size = H5Tget_size(type.get());
    if (size > 4096) fail(where, "node names longer than 4096 bytes");
    std::string buf(dims[0] * 2 * size, '\0');
    if (!buf.empty() && H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
      fail(where, "cannot read the edges");
    for (std::size_t k = 0; k < dims[0] * 2; ++k) {
      std::string s = buf.substr(k * size, size);
      while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
      out[k / 2][k % 2] = s;
    }
    return out;
  }

  // metadata/: evsnn (text) and evsnn_* arrays; everything else is other tools' and is ignored.
  void metadata(hid_t parent, const std::string& where, std::string& evsnn, std::map<std::string, npy_array>* arrays) const {
    if (!exists(parent, "metadata") || kind(parent, "metadata") != H5I_GROUP) return;
    const hdf5_handle md(H5Gopen2(parent, "metadata", H5P_DEFAULT), H5Gclose);
    const std::string md_where = where + "/metadata";
    if (exists(md.get(), "evsnn")) evsnn = text(md.get(), "evsnn", md_where + "/evsnn");
    if (arrays == nullptr) return;
    for (const char* key : {"evsnn_pre", "evsnn_post", "evsnn_w"})
      if (exists(md.get(), key))
        (*arrays)[key] = read_hdf5_array(md.get(), fmt::format("{}: {}/{}", file, md_where, key), key, max_dataset_values,
                                         false);
  }

  nir_graph graph(hid_t group, const std::string& where, int depth) {
    if (depth > max_nir_depth) fail(where, fmt::format("graphs nested more than {} deep", max_nir_depth));
    nir_graph g;
    if (!exists(group, "nodes") || kind(group, "nodes") != H5I_GROUP) fail(where, "a graph without a 'nodes' group");
    const hdf5_handle nodes_group(H5Gopen2(group, "nodes", H5P_DEFAULT), H5Gclose);
    for (const std::string& name : children(nodes_group.get(), where + "/nodes")) {
      if (++nodes > max_nir_nodes) fail(where, fmt::format("more than {} nodes", max_nir_nodes));
      const std::string node_where = where + "/nodes/" + name;
      if (kind(nodes_group.get(), name) != H5I_GROUP) fail(node_where, "a node must be a group");
      const hdf5_handle ng(H5Gopen2(nodes_group.get(), name.c_str(), H5P_DEFAULT), H5Gclose);
      g.nodes.push_back(node(ng.get(), name, node_where, depth));
    }
    if (exists(group, "edges")) g.edges = edges(group, where + "/edges");
    metadata(group, where, g.evsnn, nullptr);
    return g;
  }

  nir_node node(hid_t group, const std::string& name, const std::string& where, int depth) {
    nir_node n;
    n.name = name;
    n.where = fmt::format("{}: {}", file, where);
    if (!exists(group, "type") || kind(group, "type") != H5I_DATASET) fail(where, "a node without a 'type' dataset");
    n.type = text(group, "type", where + "/type");
    if (!read_types.contains(n.type)) return n;
    if (n.type == "NIRGraph") {
      n.graph = std::make_unique<nir_graph>(graph(group, where, depth + 1));
      return n;
    }
    for (const std::string& key : children(group, where)) {
      if (key == "type" || key == "metadata") continue;
      const std::string key_where = where + "/" + key;
      if (kind(group, key) != H5I_DATASET) fail(key_where, "expected a dataset");
      if (is_string(group, key))
        n.texts[key] = text(group, key, key_where);
      else
        n.arrays[key] = user_numbers(read_hdf5_array(group, fmt::format("{}: {}", file, key_where), key,
                                                     max_dataset_values, true));
    }
    metadata(group, where, n.evsnn, &n.metadata_arrays);
    return n;
  }
};

// ---- writing ----

struct writer {
  hid_t string_type() const {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
  }

  void check(herr_t status, const std::string& what) const {
    if (status < 0) throw input_error(fmt::format("{}: cannot write {}", file, what));
  }

  hdf5_handle group(hid_t parent, const std::string& name) const {
    const hdf5_handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
    H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    hdf5_handle g(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose);
    if (!g.valid()) throw input_error(fmt::format("{}: cannot create the group '{}'", file, name));
    return g;
  }

  void text(hid_t loc, const std::string& name, const std::string& value) const {
    const hdf5_handle type(string_type(), H5Tclose);
    const hdf5_handle space(H5Screate(H5S_SCALAR), H5Sclose);
    const hdf5_handle ds(H5Dcreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                         H5Dclose);
    const char* p = value.c_str();
    check(ds.valid() ? H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) : -1, name);
  }

  // Integer dtypes ("i8", ...) as int64, everything else as float64; arrays of 4096 values or more are
  // chunked and gzip-compressed, as nir.write does.
  void array(hid_t loc, const std::string& name, const npy_array& a) const {
    std::vector<hsize_t> dims(a.shape.begin(), a.shape.end());
    const hdf5_handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                                         : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                            H5Sclose);
    const hdf5_handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (!dims.empty() && a.values.size() >= 4096 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
      std::vector<hsize_t> chunk = dims;
      // A chunk of at most about 2^20 values: whole rows of a 2-D array.
      if (chunk.size() == 2) chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(chunk[0], (hsize_t(1) << 20) / chunk[1]));
      else chunk[0] = std::min<hsize_t>(chunk[0], hsize_t(1) << 20);
      H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
      H5Pset_deflate(dcpl.get(), 4);
    }
    const bool integer = !a.dtype.empty() && (a.dtype[0] == 'i' || a.dtype[0] == 'u' || a.dtype.find("<i") == 0);
    const hid_t file_type = integer ? H5T_STD_I64LE : H5T_IEEE_F64LE;
    const hdf5_handle ds(H5Dcreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                         H5Dclose);
    if (!ds.valid()) throw input_error(fmt::format("{}: cannot create the dataset '{}'", file, name));
    if (a.values.empty()) return;
    if (integer) {
      std::vector<std::int64_t> v(a.values.begin(), a.values.end());
      check(H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
    } else {
      check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.values.data()), name);
    }
  }

  void metadata(hid_t parent, const std::string& evsnn, const std::map<std::string, npy_array>& arrays) const {
    if (evsnn.empty() && arrays.empty()) return;  // nir.write omits an empty metadata group
    const hdf5_handle md = group(parent, "metadata");
    if (!evsnn.empty()) text(md.get(), "evsnn", evsnn);
    for (const auto& [key, a] : arrays) array(md.get(), key, a);
  }

  void graph(hid_t g, const nir_graph& graph_data) const {
    text(g, "type", "NIRGraph");
    {
      const hdf5_handle nodes = group(g, "nodes");
      for (const nir_node& n : graph_data.nodes) {
        if (n.name.empty() || n.name == "." || n.name.find('/') != std::string::npos)
          throw input_error(fmt::format("{}: '{}' cannot be a NIR node name (empty, '.', or with '/')", file, n.name));
        const hdf5_handle ng = group(nodes.get(), n.name);
        if (n.graph) {
          graph(ng.get(), *n.graph);
          continue;
        }
        text(ng.get(), "type", n.type);
        for (const auto& [key, a] : n.arrays) array(ng.get(), key, a);
        for (const auto& [key, t] : n.texts) text(ng.get(), key, t);
        metadata(ng.get(), n.evsnn, n.metadata_arrays);
      }
    }
    if (graph_data.edges.empty()) {
      npy_array empty;
      empty.shape = {0};
      empty.dtype = "f8";
      array(g, "edges", empty);
    } else {
      const hsize_t dims[2] = {graph_data.edges.size(), 2};
      const hdf5_handle type(string_type(), H5Tclose);
      const hdf5_handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
      const hdf5_handle ds(H5Dcreate2(g, "edges", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                           H5Dclose);
      std::vector<const char*> names;
      for (const auto& e : graph_data.edges) {
        names.push_back(e[0].c_str());
        names.push_back(e[1].c_str());
      }
      check(ds.valid() ? H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, names.data()) : -1, "edges");
    }
    metadata(g, graph_data.evsnn, {});
  }

  std::string file;
};

}  // namespace

double nir_shift_decimal(double value, int power10) {
  if (power10 == 0 || value == 0.0) return value;
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  const std::string text(buf, end);
  const std::size_t e = text.find('e');
  const std::string shifted = fmt::format("{}e{}", text.substr(0, e), std::stoi(text.substr(e + 1)) + power10);
  double out = 0.0;
  std::from_chars(shifted.data(), shifted.data() + shifted.size(), out);
  return out;
}

namespace {

nir_graph read_in_process(const std::string& path) {
  const hdf5_handle file = open_hdf5_file(path, "an HDF5 file, so not a NIR graph");
  reader r{path};
  if (!r.exists(file.get(), "node") || r.kind(file.get(), "node") != H5I_GROUP)
    r.fail("/node", "no such group: not a NIR graph file (nir.write puts the graph in /node)");
  const hdf5_handle root(H5Gopen2(file.get(), "node", H5P_DEFAULT), H5Gclose);
  if (!r.exists(root.get(), "type")) r.fail("/node", "a node without a 'type' dataset");
  const std::string type = r.text(root.get(), "type", "/node/type");
  if (type != "NIRGraph") r.fail("/node/type", fmt::format("'{}', expected the top-level node to be a NIRGraph", type));
  nir_graph g = r.graph(root.get(), "/node", 0);
  if (r.exists(file.get(), "version") && r.kind(file.get(), "version") == H5I_DATASET &&
      r.is_string(file.get(), "version"))
    g.version = r.text(file.get(), "version", "/version");
  return g;
}

}  // namespace

nir_graph read_nir(const std::string& path) {
  // A NIR file is small: a child process reads it first, so that a damaged file that crashes or hangs the HDF5
  // library ends the child (engine/isolated_read); then the same read runs here.
  read_isolated(
      path, limits_for_file(path), [&](isolated_out&) { read_in_process(path); }, [](isolated_in&) {});
  return read_in_process(path);
}

void write_nir(const std::filesystem::path& path, const nir_graph& g) {
  quiet_hdf5_errors();
  const std::filesystem::path tmp = temporary_path(path);
  writer w{path.string()};
  try {
    {
      const hdf5_handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
      if (!file.valid()) throw input_error(fmt::format("{}: cannot create the file", path.string()));
      w.text(file.get(), "version", "1.0.6");
      const hdf5_handle root = w.group(file.get(), "node");
      w.graph(root.get(), g);
      w.check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "the file");
    }
    place_file(tmp, path);  // renamed into place, or copied into /dev/stdout and the like
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
}

}  // namespace evsnn::cli
