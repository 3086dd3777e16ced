// hdf5_array: numeric HDF5 datasets read into doubles — every accepted element type and byte order,
// gzip-chunked data, groups in the path — and the refusals, each one line naming the file and dataset:
// missing file or dataset, not HDF5, a group, rank, strings, 16-bit floats, non-finite values, integers
// beyond 2^53, and shapes beyond the caller's bound (checked before reading, so a small compressed file
// cannot claim a large array).
#include "engine/hdf5_array.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "tests/support/error_of.hpp"
#include "tests/support/hdf5_file.hpp"

using namespace evsnn;
namespace fs = std::filesystem;

namespace {

fs::path fresh(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / "evsnn_test_hdf5_array";
  fs::create_directories(d);
  const fs::path p = d / name;
  fs::remove(p);
  return p;
}

}  // namespace

TEST_CASE("hdf5_array: floats and integers of every width and byte order, chunked and gzip'd, in groups") {
  const std::vector<double> v{0.1, -1.25, 3.0, 4.0, 1e-7, 6.0};
  const fs::path p = fresh("types.h5");
  test::write_hdf5(p, "f64le", {2, 3}, v, H5T_IEEE_F64LE);
  test::write_hdf5(p, "g/sub/f64be", {2, 3}, v, H5T_IEEE_F64BE, true);
  test::write_hdf5(p, "f32be", {6}, v, H5T_IEEE_F32BE);
  const std::vector<double> ints{-3, 0, 7, 100, -128, 127};
  test::write_hdf5(p, "i8", {6}, ints, H5T_STD_I8LE);
  test::write_hdf5(p, "i16be", {3, 2}, ints, H5T_STD_I16BE);
  test::write_hdf5(p, "i64", {6}, ints, H5T_STD_I64LE, true);
  const std::vector<double> uints{0, 1, 65535, 2, 3, 9007199254740992.0};
  test::write_hdf5(p, "u64be", {6}, uints, H5T_STD_U64BE);
  test::write_hdf5(p, "empty", {0}, {}, H5T_IEEE_F64LE);

  npy_array a = read_hdf5_array(p.string(), "f64le", 100);
  CHECK(a.shape == std::vector<std::uint64_t>{2, 3});
  CHECK(a.values == v);
  CHECK(a.dtype == "f8");
  a = read_hdf5_array(p.string(), "/g/sub/f64be", 6);
  CHECK(a.values == v);
  a = read_hdf5_array(p.string(), "f32be", 6);
  REQUIRE(a.values.size() == 6);
  for (std::size_t k = 0; k < 6; ++k) CHECK(a.values[k] == static_cast<double>(static_cast<float>(v[k])));
  CHECK(read_hdf5_array(p.string(), "i8", 6).values == ints);
  a = read_hdf5_array(p.string(), "i16be", 6);
  CHECK(a.shape == std::vector<std::uint64_t>{3, 2});
  CHECK(a.values == ints);
  CHECK(a.dtype == "i2");
  CHECK(read_hdf5_array(p.string(), "i64", 6).values == ints);
  a = read_hdf5_array(p.string(), "u64be", 6);
  CHECK(a.values == uints);
  CHECK(a.dtype == "u8");
  CHECK(read_hdf5_array(p.string(), "empty", 6).values.empty());
}

TEST_CASE("hdf5_array: refusals name the file and the dataset") {
  const fs::path p = fresh("bad.h5");
  const std::string f = p.string();
  test::write_hdf5(p, "w", {2, 3}, {1, 2, 3, 4, 5, 6}, H5T_IEEE_F64LE);
  test::write_hdf5(p, "g/x", {2}, {1, 2}, H5T_IEEE_F64LE);
  test::write_hdf5(p, "cube", {1, 2, 2}, {1, 2, 3, 4}, H5T_IEEE_F64LE);
  test::write_hdf5(p, "nan", {3}, {1, std::numeric_limits<double>::quiet_NaN(), 3}, H5T_IEEE_F64LE);
  test::write_hdf5(p, "inf", {2}, {1, std::numeric_limits<double>::infinity()}, H5T_IEEE_F32LE);
  test::write_hdf5(p, "huge_int", {2}, {1, 18014398509481984.0}, H5T_STD_I64LE);  // 2^54
  test::write_hdf5(p, "big", {1000, 1000}, std::vector<double>(1000000, 0.0), H5T_IEEE_F64LE, true);
  // A 16-bit float and a string dataset.
  {
    const hid_t file = H5Fopen(f.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    const hsize_t n = 2;
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t half = H5Tcopy(H5T_IEEE_F32LE);
    H5Tset_fields(half, 15, 10, 5, 0, 10);
    H5Tset_precision(half, 16);
    H5Tset_offset(half, 0);
    H5Tset_size(half, 2);
    H5Tset_ebias(half, 15);
    H5Dclose(H5Dcreate2(file, "half", half, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 8);
    H5Dclose(H5Dcreate2(file, "text", str, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Tclose(str);
    H5Tclose(half);
    H5Sclose(space);
    H5Fclose(file);
  }
  const auto err = [&](const std::string& ds, std::uint64_t max = 1000) {
    return test::error_of([&] { read_hdf5_array(f, ds, max); });
  };
  CHECK(err("w") == "(no error)");
  CHECK(err("nope") == f + ": nope: no such dataset in the file");
  CHECK(err("missing/group/w") == f + ": missing/group/w: no such dataset in the file");
  CHECK(err("g") == f + ": g: not a dataset (a group?)");
  CHECK(err("cube") == f + ": cube: 3 dimensions, expected a 1-D or 2-D dataset");
  CHECK(err("nan") == f + ": nan: element 1: nan is not a finite number");
  CHECK(err("inf") == f + ": inf: element 1: inf is not a finite number");
  CHECK(err("huge_int") == f + ": huge_int: element 1: 18014398509481984 is beyond 2^53 (not exact as a double)");
  CHECK(err("w", 5) == f + ": w: shape (2, 3) holds 6 values, more than the 5 expected here");
  // A gzip'd million zeros is a small file: refused on its claimed shape.
  CHECK(fs::file_size(p) < 200000);
  CHECK(err("big", 1000).find("big: shape (1000, 1000) holds 1000000 values, more than the 1000 expected here") !=
        std::string::npos);
  CHECK(err("half").find("half: the element type is not a 32/64-bit float or an 8-64 bit integer (2 bytes") !=
        std::string::npos);
  CHECK(err("text").find("text: the element type is not") != std::string::npos);
  CHECK(test::error_of([&] { read_hdf5_array(f + ".missing", "w", 10); }) == f + ".missing: no such file");
  const fs::path junk = fresh("junk.h5");
  std::ofstream(junk) << "not an hdf5 file at all";
  CHECK(test::error_of([&] { read_hdf5_array(junk.string(), "w", 10); }) ==
        junk.string() + ": byte 0: not an HDF5 file (no HDF5 signature)");
}
