// Network.weights / Network.set_weights: a projection's weights as NumPy arrays, read and written in place
// (projection::set_weight, so a float32 projection rounds every value to the nearest float32 as the engine
// does on load). Dense projections (every presynaptic neuron connected to every postsynaptic one, once, as
// dense rows load) give an (n_pre, n_post) float64 array; others SparseWeights(pre, post, w) in synapse
// order (sorted by pre, then post; multapses in the order they were given).
#include <cmath>

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "engine/error.hpp"
#include "tools/python/py_convert.hpp"
#include "tools/python/py_network.hpp"

namespace evsnn::py {

namespace {

pyb::handle sparse_weights_type;  // evsnn.SparseWeights, made at import (kept for the module's lifetime)

// value as C-ordered doubles (float64 exactly; float32, float16 and integers converted); anything else is
// an input_error.
pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast> doubles(pyb::handle value, const std::string& where) {
  const pyb::array a = pyb::array::ensure(value);
  if (!a) throw pyb::error_already_set();
  const char kind = a.dtype().kind();
  if (!((kind == 'f' && a.dtype().itemsize() <= 8) || kind == 'i' || kind == 'u'))
    throw input_error(fmt::format("{}: expected numbers (float64, float32 or integers), got an array of dtype {}", where,
                                  pyb::str(a.dtype()).cast<std::string>()));
  return pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>::ensure(a);
}

}  // namespace

void init_sparse_weights(pyb::module_& m) {
  pyb::object nt = pyb::module_::import("collections").attr("namedtuple")("SparseWeights", pyb::make_tuple("pre", "post", "w"));
  nt.attr("__module__") = "evsnn";
  nt.attr("__doc__") =
      "SparseWeights(pre, post, w): the synapses of a projection that is not dense, in synapse order (sorted by "
      "pre, then post). pre, post: uint32 arrays of neuron indices; w: float64 array of weights.";
  m.attr("SparseWeights") = nt;
  sparse_weights_type = nt.release();
}

pyb::object get_weights(py_network& n, const std::string& name, bool sparse) {
  py_network::busy_guard busy(n);
  const projection& pr = n.net().proj(n.projection_id(name));
  const std::span<const double> w = pr.weights();
  if (pr.dense() && !sparse)
    return to_numpy(std::vector<double>(w.begin(), w.end()),
                    {static_cast<pyb::ssize_t>(pr.n_pre()), static_cast<pyb::ssize_t>(pr.n_post())});
  const std::size_t count = pr.synapse_count();
  std::vector<std::uint32_t> pre(count), post(count);
  for (std::size_t s = 0; s < count; ++s) {
    pre[s] = pr.pre_of(static_cast<std::uint32_t>(s));
    post[s] = pr.post_of(static_cast<std::uint32_t>(s));
  }
  return sparse_weights_type(to_numpy(std::move(pre)), to_numpy(std::move(post)),
                             to_numpy(std::vector<double>(w.begin(), w.end())));
}

void set_weights(py_network& n, const std::string& name, pyb::handle value) {
  py_network::busy_guard busy(n);
  projection& pr = n.net().proj(n.projection_id(name));
  const std::string where = fmt::format("{}: set_weights('{}')", n.file(), name);
  const std::size_t count = pr.synapse_count();
  pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast> w;
  if (PyTuple_Check(value.ptr())) {
    const auto t = pyb::reinterpret_borrow<pyb::tuple>(value);
    if (t.size() != 3) throw input_error(fmt::format("{}: expected SparseWeights(pre, post, w), a tuple of 3 arrays", where));
    const auto pre = doubles(t[0], where + ": pre"), post = doubles(t[1], where + ": post");
    w = doubles(t[2], where + ": w");
    if (pre.ndim() != 1 || post.ndim() != 1 || w.ndim() != 1 || pre.size() != post.size() || pre.size() != w.size() ||
        static_cast<std::size_t>(w.size()) != count)
      throw input_error(fmt::format("{}: pre, post and w must be 1-D arrays of the projection's {} synapses", where, count));
    const double *p = pre.data(), *q = post.data();
    for (std::size_t s = 0; s < count; ++s) {
      const auto id = static_cast<std::uint32_t>(s);
      if (p[s] != pr.pre_of(id) || q[s] != pr.post_of(id))
        throw input_error(fmt::format("{}: synapse {} is {} -> {} in the projection, not {:g} -> {:g}: set_weights "
                                      "changes weights, not connections (give them in the order weights(..., "
                                      "sparse=True) lists them)",
                                      where, s, pr.pre_of(id), pr.post_of(id), p[s], q[s]));
    }
  } else {
    w = doubles(value, where);
    if (w.ndim() == 2) {
      if (!pr.dense())
        throw input_error(fmt::format("{}: the projection is not dense ({} synapses of {} x {}); give its {} weights as "
                                      "a 1-D array or SparseWeights",
                                      where, count, pr.n_pre(), pr.n_post(), count));
      if (w.shape(0) != pr.n_pre() || w.shape(1) != pr.n_post())
        throw input_error(fmt::format("{}: shape ({}, {}), expected ({}, {}) (n_pre, n_post)", where, w.shape(0), w.shape(1),
                                      pr.n_pre(), pr.n_post()));
    } else if (w.ndim() != 1 || static_cast<std::size_t>(w.size()) != count) {
      throw input_error(fmt::format("{}: expected {} weights ({}), got an array of shape {}", where, count,
                                    pr.dense() ? fmt::format("an ({}, {}) array or 1-D", pr.n_pre(), pr.n_post())
                                               : "1-D, in synapse order",
                                    pyb::str(w.attr("shape")).cast<std::string>()));
    }
  }
  const double* v = w.data();
  for (std::size_t s = 0; s < count; ++s)
    if (!(std::fabs(v[s]) <= 3.0e38))
      throw input_error(fmt::format("{}: element {}: weight {} is beyond the limit of +-3e38", where, s, v[s]));
  for (std::size_t s = 0; s < count; ++s) pr.set_weight(static_cast<std::uint32_t>(s), v[s]);
}

}  // namespace evsnn::py
