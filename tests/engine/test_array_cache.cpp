// array_cache: a .npy file or HDF5 dataset is read once and served from memory after (shown by changing the
// file behind the cache's back); another cap, dataset or format is a read of its own with the reader's own
// checks and errors; without a cache every call reads the file; network copies built with one cache share reads,
// CSV weights among them (their expected shape is part of the key).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/array_cache.hpp"
#include "engine/error.hpp"
#include "engine/network_loader.hpp"
#include "models/builtin_models.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/hdf5_file.hpp"
#include "tests/support/npy_bytes.hpp"

using namespace evsnn;
using evsnn::test::error_of;

TEST_CASE("array_cache: each file is read once; the cap, the dataset and the format are part of the key") {
  const test::cli_temp_dir dir;
  const std::string npy = dir.write("w.npy", test::npy_file(test::dict("<f8", "(2, 2)"), test::f8({1, 2, 3, 4}))).string();
  const std::string h5 = (dir.path / "w.h5").string();
  test::write_hdf5(h5, "/a", {3}, {0.5, -1, 2}, H5T_IEEE_F64LE);
  array_cache cache;
  CHECK(cache.read(array_format::npy, npy, "", 4).values == std::vector<double>{1, 2, 3, 4});
  CHECK(cache.read(array_format::hdf5, h5, "/a", 3).values == std::vector<double>{0.5, -1, 2});
  // The files change: the cache keeps what it read, a read without it sees the new contents.
  dir.write("w.npy", test::npy_file(test::dict("<f8", "(1,)"), test::f8({9})));
  std::filesystem::remove(h5);
  test::write_hdf5(h5, "/a", {1}, {7}, H5T_IEEE_F64LE);
  CHECK(cache.read(array_format::npy, npy, "ignored for npy", 4).values == std::vector<double>{1, 2, 3, 4});
  CHECK(cache.read(array_format::hdf5, h5, "/a", 3).values == std::vector<double>{0.5, -1, 2});
  CHECK(read_array(nullptr, array_format::npy, npy, "", 4).values == std::vector<double>{9});
  CHECK(read_array(&cache, array_format::hdf5, h5, "/a", 3).values == std::vector<double>{0.5, -1, 2});
  // Another cap reads again, and the reader's own checks apply to it.
  CHECK(cache.read(array_format::npy, npy, "", 1).values == std::vector<double>{9});
  CHECK(cache.read(array_format::hdf5, h5, "/a", 1).values == std::vector<double>{7});
  CHECK(error_of([&] { cache.read(array_format::hdf5, h5, "/b", 3); }) == h5 + ": /b: no such dataset in the file");
  CHECK(error_of([&] { cache.read(array_format::npy, h5, "", 3); }).starts_with(h5 + ": "));
  // A failed read leaves nothing behind: the same call fails again.
  CHECK(error_of([&] { cache.read(array_format::hdf5, h5, "/b", 3); }) == h5 + ": /b: no such dataset in the file");
}

TEST_CASE("array_cache: copies of a network built with one cache read each array file once") {
  const test::cli_temp_dir dir;
  const std::filesystem::path h5 = dir.path / "w.h5";
  test::write_hdf5(h5, "/w", {2, 3}, {0.5, 0, -0.25, 1, 2, 3}, H5T_IEEE_F64LE);
  dir.write("in.npy", test::npy_file(test::dict("<f8", "(2, 2)"), test::f8({1.0, 0, 2.5, 1})));
  const nlohmann::json doc = nlohmann::json::parse(R"({"format": "evsnn-network/1", "duration_ms": 10,
    "populations": [{"name": "in", "model": "spike_source", "size": 2, "params": {"spikes_npy": "in.npy"}},
                    {"name": "out", "model": "cuba_lif", "size": 3, "params": {"tau_mem_ms": 10, "tau_syn_ms": 5}}],
    "projections": [{"pre": "in", "post": "out", "weights": {"hdf5": "w.h5", "dataset": "/w"}}]})");
  const model_registry models = builtin_model_registry();
  array_cache cache;
  const auto first = build_network(doc, "net.json", dir.path, models, nullptr, nullptr, &cache);
  // Both files gone: the second copy is built from what the cache read.
  std::filesystem::remove(h5);
  std::filesystem::remove(dir.path / "in.npy");
  const auto second = build_network(doc, "net.json", dir.path, models, nullptr, nullptr, &cache);
  CHECK(second->synapse_count() == first->synapse_count());
  const auto w1 = first->proj(0).weights(), w2 = second->proj(0).weights();
  CHECK(std::vector<double>(w1.begin(), w1.end()) == std::vector<double>(w2.begin(), w2.end()));
  // Without the cache the files are needed.
  CHECK(error_of([&] { build_network(doc, "net.json", dir.path, models); }) ==
        (dir.path / "in.npy").string() + ": cannot open file");
}

TEST_CASE("array_cache: CSV weights are parsed once per expected shape; a network copy needs no file after") {
  const test::cli_temp_dir dir;
  const std::filesystem::path csv = dir.write("w.csv", "0.5,0,-0.25\n1,2,3\n");
  int reads = 0;
  const auto reader = [&] {
    ++reads;
    return npy_array{{2, 3}, {0.5, 0, -0.25, 1, 2, 3}, "csv"};
  };
  array_cache cache;
  CHECK(cache.read(array_format::csv, csv.string(), "2x3", 6, reader).values.size() == 6);
  CHECK(cache.read(array_format::csv, csv.string(), "2x3", 6, reader).values.size() == 6);
  CHECK(reads == 1);
  cache.read(array_format::csv, csv.string(), "3x2", 6, reader);  // another expected shape: a read of its own
  CHECK(reads == 2);
  read_array(nullptr, array_format::csv, csv.string(), "2x3", 6, reader);  // no cache: the reader every time
  CHECK(reads == 3);
  CHECK_THROWS_AS(array_cache().read(array_format::csv, csv.string(), "2x3", 6), std::logic_error);

  const nlohmann::json doc = nlohmann::json::parse(R"({"format": "evsnn-network/1", "duration_ms": 10,
    "populations": [{"name": "in", "model": "spike_source", "size": 2, "params": {"spikes": [[1.0, 0], [2.5, 1]]}},
                    {"name": "out", "model": "cuba_lif", "size": 3, "params": {"tau_mem_ms": 10, "tau_syn_ms": 5}}],
    "projections": [{"pre": "in", "post": "out", "weights": {"csv": "w.csv"}}]})");
  const model_registry models = builtin_model_registry();
  const auto first = build_network(doc, "net.json", dir.path, models, nullptr, nullptr, &cache);
  std::filesystem::remove(csv);
  const auto second = build_network(doc, "net.json", dir.path, models, nullptr, nullptr, &cache);
  const auto w1 = first->proj(0).weights(), w2 = second->proj(0).weights();
  CHECK(std::vector<double>(w1.begin(), w1.end()) == std::vector<double>{0.5, 0, -0.25, 1, 2, 3});
  CHECK(std::vector<double>(w1.begin(), w1.end()) == std::vector<double>(w2.begin(), w2.end()));
  CHECK(error_of([&] { build_network(doc, "net.json", dir.path, models); }) ==
        "net.json: /projections/0/weights/csv: cannot open weights file " + csv.string());
}
