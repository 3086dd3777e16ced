#include "engine/hdf5_array.hpp"

#include <cmath>
#include <filesystem>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/error.hpp"
#include "engine/hdf5_handle.hpp"
#include "engine/isolated_read.hpp"
#include "engine/memory_budget.hpp"

namespace evsnn {

hdf5_handle open_hdf5_file(const std::string& path, const std::string& kind) {
  quiet_hdf5_errors();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw input_error(fmt::format("{}: is a folder, not a file", path));
  if (!std::filesystem::is_regular_file(path, ec)) throw input_error(fmt::format("{}: no such file", path));
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw input_error(fmt::format("{}: byte 0: not {} (no HDF5 signature)", path, kind));
  hdf5_handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw input_error(fmt::format("{}: cannot open as HDF5 (corrupt or truncated file)", path));
  return file;
}

npy_array read_hdf5_array(const std::string& path, const std::string& dataset, std::uint64_t max_values) {
  if (dataset.empty()) throw input_error(fmt::format("{}: an empty dataset path", path));
  npy_array out;
  read_isolated(
      path, limits_for_file(path),
      [&](isolated_out& o) {
        const hdf5_handle file = open_hdf5_file(path);
        const npy_array a = read_hdf5_array(file.get(), fmt::format("{}: {}", path, dataset), dataset, max_values, false);
        o.text(a.dtype);
        o.values(a.shape);
        o.values(a.values);
      },
      [&](isolated_in& in) {
        out.dtype = in.text(16);
        in.values(out.shape, 2);
        in.values(out.values, max_values);
      });
  return out;
}

npy_array read_hdf5_array(hid_t loc, const std::string& where, const std::string& dataset, std::uint64_t max_values,
                          bool allow_scalar) {
  // H5Oexists_by_name fails (negative) when an intermediate group is missing: both mean "no such dataset".
  const htri_t exists = H5Lexists(loc, dataset.c_str(), H5P_DEFAULT) > 0
                            ? H5Oexists_by_name(loc, dataset.c_str(), H5P_DEFAULT)
                            : 0;
  if (exists <= 0) throw input_error(fmt::format("{}: no such dataset in the file", where));
  const hdf5_handle ds(H5Dopen2(loc, dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.valid()) throw input_error(fmt::format("{}: not a dataset (a group?)", where));
  const hdf5_handle space(H5Dget_space(ds.get()), H5Sclose);
  const H5S_class_t space_class = space.valid() ? H5Sget_simple_extent_type(space.get()) : H5S_NO_CLASS;
  const int rank = space_class == H5S_SIMPLE ? H5Sget_simple_extent_ndims(space.get())
                   : space_class == H5S_SCALAR ? 0
                                               : -1;
  if (rank < 0 || rank > 2 || (rank == 0 && !allow_scalar))
    throw input_error(fmt::format("{}: {} dimensions, expected a {}1-D or 2-D dataset", where, rank < 0 ? 0 : rank,
                                  allow_scalar ? "scalar, " : ""));
  hsize_t dims[2] = {0, 0};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  npy_array out;
  std::uint64_t count = 1;
  bool overflow = false;
  for (int d = 0; d < rank; ++d) {
    out.shape.push_back(dims[d]);
    overflow = overflow || __builtin_mul_overflow(count, static_cast<std::uint64_t>(dims[d]), &count);
  }
  if (overflow)
    throw input_error(fmt::format("{}: shape ({}) holds more than 2^64 values", where, fmt::join(out.shape, ", ")));
  if (count > max_values)
    throw input_error(fmt::format("{}: shape ({}) holds {} values, more than the {} expected here", where,
                                  fmt::join(out.shape, ", "), count, max_values));
  const double bytes = static_cast<double>(count) * 16.0;  // the values and one conversion buffer
  if (bytes > static_cast<double>(usable_memory_bytes()))
    throw input_error(fmt::format("{}: shape ({}) would need {}, more than this process may use", where,
                                  fmt::join(out.shape, ", "), format_bytes(bytes)));
  const hdf5_handle type(H5Dget_type(ds.get()), H5Tclose);
  const H5T_class_t cls = type.valid() ? H5Tget_class(type.get()) : H5T_NO_CLASS;
  const std::size_t size = type.valid() ? H5Tget_size(type.get()) : 0;
  const bool is_float = cls == H5T_FLOAT && (size == 4 || size == 8);
  const bool is_int = cls == H5T_INTEGER && size >= 1 && size <= 8;
  if (!is_float && !is_int)
    throw input_error(fmt::format("{}: the element type is not a 32/64-bit float or an 8-64 bit integer ({} bytes, "
                                  "HDF5 class {})",
                                  where, size, static_cast<int>(cls)));
  out.dtype = fmt::format("{}{}", is_float ? "f" : H5Tget_sign(type.get()) == H5T_SGN_NONE ? "u" : "i", size);
  out.values.resize(count);
  if (count == 0) return out;
  if (is_float) {
    if (H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()) < 0)
      throw input_error(fmt::format("{}: cannot read the data (corrupt or truncated file)", where));
    for (std::uint64_t k = 0; k < count; ++k)
      if (!std::isfinite(out.values[k]))
        throw input_error(fmt::format("{}: element {}: {} is not a finite number", where, k, out.values[k]));
    return out;
  }
  constexpr std::uint64_t exact = std::uint64_t(1) << 53;
  if (H5Tget_sign(type.get()) == H5T_SGN_NONE) {
    std::vector<std::uint64_t> v(count);
    if (H5Dread(ds.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
      throw input_error(fmt::format("{}: cannot read the data (corrupt or truncated file)", where));
    for (std::uint64_t k = 0; k < count; ++k) {
      if (v[k] > exact)
        throw input_error(fmt::format("{}: element {}: {} is beyond 2^53 (not exact as a double)", where, k, v[k]));
      out.values[k] = static_cast<double>(v[k]);
    }
  } else {
    std::vector<std::int64_t> v(count);
    if (H5Dread(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
      throw input_error(fmt::format("{}: cannot read the data (corrupt or truncated file)", where));
    for (std::uint64_t k = 0; k < count; ++k) {
      if (v[k] > static_cast<std::int64_t>(exact) || v[k] < -static_cast<std::int64_t>(exact))
        throw input_error(fmt::format("{}: element {}: {} is beyond 2^53 (not exact as a double)", where, k, v[k]));
      out.values[k] = static_cast<double>(v[k]);
    }
  }
  return out;
}

}  // namespace evsnn
