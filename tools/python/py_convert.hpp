#pragma once
// py_convert: Python values <-> the JSON documents evsnn reads and writes, for the Python module.
// to_json turns a dict (or list, str, int, float, bool, None, tuple, any sequence) into JSON exactly:
// floats stay the same double, ints the same integer (non-negative ones unsigned, as evsnn's parser reads
// them), NumPy arrays become nested lists of their exact values (float32 and float16 widen exactly to
// double, integers stay integers, bools booleans) and NumPy scalars their value. What JSON cannot hold (NaN,
// infinity, a key that is not a string, an integer beyond 64 bits, another type) is an input_error
// "<name>: <JSON pointer>: <problem>", the form of every evsnn message. from_json is the inverse (objects
// to dicts, arrays to lists). Both need the GIL.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

namespace evsnn::py {

namespace pyb = pybind11;

nlohmann::json to_json(pyb::handle value, const std::string& name);
pyb::object from_json(const nlohmann::json& j);

// A str or an os.PathLike (pathlib.Path) as a path string; anything else is a TypeError naming what.
std::string path_arg(pyb::handle value, const char* what);

// A NumPy array that owns v's buffer (no copy), of shape `shape` (default: 1-D).
template <class T>
pyb::array_t<T> to_numpy(std::vector<T>&& v, std::vector<pyb::ssize_t> shape = {}) {
  if (shape.empty()) shape.push_back(static_cast<pyb::ssize_t>(v.size()));
  if (v.empty()) return pyb::array_t<T>(shape);
  auto* heap = new std::vector<T>(std::move(v));
  pyb::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return pyb::array_t<T>(shape, heap->data(), owner);
}

// Where the module finds what the command line finds next to its executable: the energy profiles and the data
// folder, searched (cli::profile_dirs, data::find_data_dir) from the build folder that holds build/evsnn.
std::vector<std::filesystem::path> module_profile_dirs();
std::filesystem::path module_data_dir();

}  // namespace evsnn::py
