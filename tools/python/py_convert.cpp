#include "tools/python/py_convert.hpp"

#include <cmath>
#include <cstdlib>
#include <type_traits>

#include <fmt/format.h>

#include "datasets/dataset_context.hpp"
#include "engine/error.hpp"
#include "tools/energy_report.hpp"

namespace evsnn::py {

namespace {

// A JSON pointer token: '~' as "~0", '/' as "~1".
std::string token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

struct converter {
  const std::string& name;

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw input_error(fmt::format("{}: {}: {}", name, path.empty() ? "/" : path, what));
  }

  nlohmann::json number(double v, const std::string& path) const {
    if (!std::isfinite(v)) fail(path, fmt::format("{} is not a finite number (JSON has no NaN or infinity)", v));
    return v;
  }

  // The elements of a C-ordered array from `at`, dimension d onwards, as nested JSON arrays.
  template <class T>
  nlohmann::json nested(const T* data, const std::vector<pyb::ssize_t>& shape, std::size_t d, std::size_t& at,
                        const std::string& path) const {
    if (d == shape.size()) {
      const T v = data[at++];
      if constexpr (std::is_same_v<T, double>)
        return number(v, path);
      else
        return v;
    }
    nlohmann::json a = nlohmann::json::array();
    a.get_ref<nlohmann::json::array_t&>().reserve(static_cast<std::size_t>(shape[d]));
    for (pyb::ssize_t i = 0; i < shape[d]; ++i) a.push_back(nested(data, shape, d + 1, at, fmt::format("{}/{}", path, i)));
    return a;
  }

  template <class T>
  nlohmann::json array_of(pyb::array a, const std::string& path) const {
    const auto c = pyb::array_t<T, pyb::array::c_style | pyb::array::forcecast>::ensure(a);
    if (!c) throw pyb::error_already_set();
    std::vector<pyb::ssize_t> shape(c.shape(), c.shape() + c.ndim());
    std::size_t at = 0;
    return nested(c.data(), shape, 0, at, path);
  }

  nlohmann::json numpy(pyb::handle value, const std::string& path) const {
    const pyb::array a = pyb::array::ensure(value);
    if (!a) throw pyb::error_already_set();
    const char kind = a.dtype().kind();
    if (kind == 'f' && a.dtype().itemsize() <= 8) return array_of<double>(a, path);  // float16/32 widen exactly
    if (kind == 'i') return array_of<std::int64_t>(a, path);
    if (kind == 'u') return array_of<std::uint64_t>(a, path);
    if (kind == 'b') return array_of<bool>(a, path);
    if (kind == 'U' || kind == 'O') return convert(a.attr("tolist")(), path);  // strings, objects: as lists
    fail(path, fmt::format("a NumPy array of dtype {} cannot be a JSON value (use float64, float32 or integers)",
                           pyb::str(a.dtype()).cast<std::string>()));
  }

  nlohmann::json convert(pyb::handle v, const std::string& path) const {
    if (v.is_none()) return nullptr;
    if (PyBool_Check(v.ptr())) return v.ptr() == Py_True;
    if (PyLong_Check(v.ptr())) {
      int overflow = 0;
      const long long s = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
      if (overflow == 0) {
        if (s == -1 && PyErr_Occurred()) throw pyb::error_already_set();
        if (s >= 0) return static_cast<std::uint64_t>(s);
        return static_cast<std::int64_t>(s);
      }
      if (overflow > 0) {
        const unsigned long long u = PyLong_AsUnsignedLongLong(v.ptr());
        if (!(u == static_cast<unsigned long long>(-1) && PyErr_Occurred())) return static_cast<std::uint64_t>(u);
        PyErr_Clear();
      }
      fail(path, fmt::format("integer {} does not fit 64 bits", pyb::str(v).cast<std::string>()));
    }
    if (PyFloat_Check(v.ptr())) return number(PyFloat_AsDouble(v.ptr()), path);
    if (PyUnicode_Check(v.ptr())) return v.cast<std::string>();
    if (PyDict_Check(v.ptr()) || pyb::isinstance(v, pyb::module_::import("collections.abc").attr("Mapping"))) {
      nlohmann::json o = nlohmann::json::object();
      for (const auto item : pyb::reinterpret_borrow<pyb::object>(v).attr("items")()) {
        const auto kv = item.cast<pyb::tuple>();
        if (!PyUnicode_Check(kv[0].ptr()))
          fail(path, fmt::format("key {} is not a string", pyb::repr(kv[0]).cast<std::string>()));
        const std::string key = kv[0].cast<std::string>();
        o[key] = convert(kv[1], path + "/" + token(key));
      }
      return o;
    }
    if (pyb::hasattr(v, "__array_interface__") || pyb::hasattr(v, "__array__")) return numpy(v, path);
    if (PyList_Check(v.ptr()) || PyTuple_Check(v.ptr()) || pyb::isinstance<pyb::sequence>(v)) {
      if (PyBytes_Check(v.ptr()) || PyByteArray_Check(v.ptr())) fail(path, "bytes cannot be a JSON value");
      nlohmann::json a = nlohmann::json::array();
      std::size_t i = 0;
      for (const auto item : pyb::reinterpret_borrow<pyb::sequence>(v)) a.push_back(convert(item, fmt::format("{}/{}", path, i++)));
      return a;
    }
    fail(path, fmt::format("a {} cannot be a JSON value", pyb::str(pyb::type::of(v).attr("__name__")).cast<std::string>()));
  }
};

}  // namespace

nlohmann::json to_json(pyb::handle value, const std::string& name) { return converter{name}.convert(value, ""); }

pyb::object from_json(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return pyb::none();
    case nlohmann::json::value_t::boolean: return pyb::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return pyb::int_(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: return pyb::int_(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float: return pyb::float_(j.get<double>());
    case nlohmann::json::value_t::string: return pyb::str(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      pyb::list l;
      for (const auto& e : j) l.append(from_json(e));
      return l;
    }
    case nlohmann::json::value_t::object: {
      pyb::dict d;
      for (const auto& [k, e] : j.items()) d[pyb::str(k)] = from_json(e);
      return d;
    }
    default: return pyb::none();  // binary, discarded: never in evsnn's documents
  }
}

std::string path_arg(pyb::handle value, const char* what) {
  if (PyUnicode_Check(value.ptr())) return value.cast<std::string>();
  if (pyb::hasattr(value, "__fspath__")) {
    const pyb::object p = value.attr("__fspath__")();
    if (PyUnicode_Check(p.ptr())) return p.cast<std::string>();
  }
  throw pyb::type_error(fmt::format("{}: expected a path (str or os.PathLike), got {}", what,
                                    pyb::str(pyb::type::of(value).attr("__name__")).cast<std::string>()));
}

#ifndef EVSNN_BINARY_DIR
#define EVSNN_BINARY_DIR "."
#endif

// The command line searches from its executable's folder; the module (loaded by python) from the folder that
// executable is built in, so both find the same profiles and data.
std::vector<std::filesystem::path> module_profile_dirs() { return cli::profile_dirs(EVSNN_BINARY_DIR); }

std::filesystem::path module_data_dir() { return data::find_data_dir(EVSNN_BINARY_DIR); }

}  // namespace evsnn::py
