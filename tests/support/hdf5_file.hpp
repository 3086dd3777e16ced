#pragma once
// Test support: writes one numeric dataset into an HDF5 file (created or extended) with the C API, in a
// chosen file type (byte order, width) and optionally chunked with gzip — the files evsnn reads weights,
// connectivity and spikes from.
#include <hdf5.h>

#include <filesystem>
#include <string>
#include <vector>

namespace evsnn::test {

// values (C order) of `shape` written as file_type (e.g. H5T_IEEE_F64BE, H5T_STD_I16LE) from memory doubles;
// dataset may name groups ("g/w": created). gzip: chunked, deflate level 6.
inline void write_hdf5(const std::filesystem::path& path, const std::string& dataset, std::vector<hsize_t> shape,
                       const std::vector<double>& values, hid_t file_type, bool gzip = false) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  hid_t file = std::filesystem::exists(path) ? H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)
                                             : H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (gzip) {
    std::vector<hsize_t> chunk = shape;
    for (hsize_t& c : chunk) c = c > 256 ? 256 : (c == 0 ? 1 : c);
    H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
    H5Pset_deflate(dcpl, 6);
  }
  const hid_t space = H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr);
  const hid_t ds = H5Dcreate2(file, dataset.c_str(), file_type, space, lcpl, dcpl, H5P_DEFAULT);
  if (!values.empty()) H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Dclose(ds);
  H5Sclose(space);
  H5Pclose(dcpl);
  H5Pclose(lcpl);
  H5Fclose(file);
}

}  // namespace evsnn::test
