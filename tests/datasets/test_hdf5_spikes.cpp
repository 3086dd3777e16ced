#include <doctest/doctest.h>

#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <utility>

#include <fmt/format.h>

#include "datasets/dataset_spec.hpp"
#include "datasets/hdf5_spikes_reader.hpp"
#include "engine/error.hpp"
#include "tests/datasets/format_writers.hpp"
#include "tests/support/error_of.hpp"

using namespace evsnn;
using evsnn::test::error_of;
using evsnn::test::temp_dir;

namespace {

struct shd_data {
  std::vector<std::vector<float>> times{{0.001f, 0.0015f, 0.0015f, 0.25f}, {}, {0.5f, 0.75f, 0.99f}};
  std::vector<std::vector<std::uint16_t>> units{{699, 3, 2, 10}, {}, {0, 1, 2}};
  std::vector<std::uint16_t> labels{19, 0, 7};
};
}  // namespace

TEST_CASE("hdf5: SHD layout (vlen times/units, labels) reads back event for event, seconds -> ms") {
  for (bool f16 : {false, true}) {
    CAPTURE(f16);
    temp_dir dir;
    shd_data d;
    if (f16) d.times = {{0.5f, 0.25f * 3, 1.0f}, {}, {0.125f}};  // exact in float16
    if (f16) d.units = {{1, 2, 3}, {}, {4}};
    test::write_shd(dir / "shd_train.h5", d.times, d.units, d.labels, f16);
    test::write_shd(dir / "shd_test.h5", d.times, d.units, d.labels, f16);
    data::dataset_context ctx;
    const auto splits = data::open_dataset_splits({{"format", "shd"}, {"path", dir.path().string()}}, ctx);
    REQUIRE(splits.train->size() == 3);
    REQUIRE(splits.test);
    CHECK(splits.train->channels() == 700);
    CHECK(splits.train->classes() == 20);
    CHECK(splits.train->class_names().at(19) == "neun");
    data::sample s;
    for (std::size_t i = 0; i < 3; ++i) {
      splits.train->load(i, s, 0);
      CHECK(s.label == d.labels[i]);
      REQUIRE(s.events.size() == d.times[i].size());
      // Events come back sorted by (time, channel): equal times are ordered by unit.
      std::vector<std::pair<double, std::uint32_t>> expect;
      for (std::size_t k = 0; k < d.times[i].size(); ++k)
        expect.emplace_back(static_cast<double>(d.times[i][k]) * 1000.0, d.units[i][k]);
      std::sort(expect.begin(), expect.end());
      for (std::size_t k = 0; k < expect.size(); ++k) {
        CHECK(s.events[k].time_ms == expect[k].first);
        CHECK(s.events[k].channel == expect[k].second);
        CHECK(s.events[k].grade == 1.0f);
      }
      CHECK(s.duration_ms == (expect.empty() ? 0.0 : expect.back().first));
    }
  }
}

TEST_CASE("hdf5: a gzipped .h5.gz file opens in memory; duration_ms fixes the window") {
  temp_dir dir;
  shd_data d;
  test::write_shd(dir / "x.h5", d.times, d.units, d.labels);
  std::ifstream in(dir / "x.h5", std::ios::binary);
  std::vector<unsigned char> raw((std::istreambuf_iterator<char>(in)), {});
  test::write_bytes(dir / "ssc_train.h5.gz", test::gzip_bytes(raw));
  data::dataset_context ctx;
  const auto ds = data::open_dataset({{"format", "ssc"}, {"path", dir.path().string()}, {"duration_ms", 600}}, ctx);
  REQUIRE(ds->size() == 3);
  CHECK(ds->classes() == 35);
  const auto s = ds->get(2);
  CHECK(s.duration_ms == 600.0);
  CHECK(s.events.size() == 1);  // 750 ms and 990 ms are past the window
}

TEST_CASE("hdf5: corrupt or inconsistent files give clean errors") {
  temp_dir dir;
  const auto p = dir / "f.h5";
  auto read = [&](std::uint32_t classes = 20) {
    return error_of([&] {
      data::hdf5_spikes_options o;
      o.channels = 700;
      o.classes = classes;
      data::read_hdf5_spikes(p, o);
    });
  };
  shd_data d;
  test::write_shd(p, d.times, d.units, d.labels);
  CHECK(read() == "(no error)");
  CHECK(read(10).find("/labels/0: label 19 is out of range [0, 10)") != std::string::npos);
  auto bad = d;
  bad.times[2] = {0.5f, 0.25f, 0.99f};
  test::write_shd(p, bad.times, bad.units, bad.labels);
  CHECK(read().find("/spikes/times/2: spike 1: time 0.25 s is before the previous spike") != std::string::npos);
  bad = d;
  bad.times[0][1] = -0.5f;
  test::write_shd(p, bad.times, bad.units, bad.labels);
  CHECK(read().find("/spikes/times/0: spike 1: time -0.5 s is negative") != std::string::npos);
  bad = d;
  bad.units[2][1] = 700;
  test::write_shd(p, bad.times, bad.units, bad.labels);
  CHECK(read().find("/spikes/units/2: spike 1: unit 700 is out of range [0, 700)") != std::string::npos);
  bad = d;
  bad.units[0].pop_back();
  test::write_shd(p, bad.times, bad.units, bad.labels);
  CHECK(read().find("sample 0: 4 spike times but 3 units") != std::string::npos);
  test::write_shd(p, d.times, d.units, d.labels, false, false);
  CHECK(read().find("/spikes/units: missing dataset") != std::string::npos);
  // Truncated file, garbage file, missing file.
  test::write_shd(p, d.times, d.units, d.labels);
  std::filesystem::resize_file(p, std::filesystem::file_size(p) / 2);
  const auto trunc = read();
  CHECK(trunc.find(p.string()) == 0);
  CHECK(trunc != "(no error)");
  test::write_text(p, "this is not HDF5 at all");
  CHECK(read().find("byte 0: not an HDF5 file") != std::string::npos);
  std::filesystem::remove(p);
  CHECK(read().find("no such file") != std::string::npos);
}

TEST_CASE("hdf5: a label far above any class count is refused naming the row, before any per-class table") {
  temp_dir dir;
  const auto p = dir / "f.h5";
  shd_data d;
  test::write_shd<std::uint32_t>(p, d.times, d.units, {1, 100000000, 2});
  data::hdf5_spikes_options o;
  CHECK(error_of([&] { data::read_hdf5_spikes(p, o); }) ==
        p.string() + ": /labels/1: label 100000000 is too large: labels are class indices below 65536");
  // The largest accepted label sets classes() (labels are output-neuron indices).
  test::write_shd<std::uint32_t>(p, d.times, d.units, {1, 65535, 2});
  CHECK(data::read_hdf5_spikes(p, o).classes == 65536);
}

TEST_CASE("hdf5: a .h5.gz that inflates past the cap is refused before it is held in memory") {
  temp_dir dir;
  shd_data d;
  test::write_shd(dir / "x.h5", d.times, d.units, d.labels);
  std::ifstream in(dir / "x.h5", std::ios::binary);
  std::vector<unsigned char> raw((std::istreambuf_iterator<char>(in)), {});
  const auto gz = dir / "x.h5.gz";
  test::write_bytes(gz, test::gzip_bytes(raw));
  data::hdf5_spikes_options o;
  o.max_inflated_bytes = raw.size();  // exactly the image: accepted
  CHECK(data::read_hdf5_spikes(gz, o).store->size() == 3);
  o.max_inflated_bytes = raw.size() - 1;
  CHECK(error_of([&] { data::read_hdf5_spikes(gz, o); }) ==
        fmt::format("{}: inflates to more than {} bytes, the limit for a gzip file read into memory (gunzip it and "
                    "name the uncompressed file)",
                    gz.string(), raw.size() - 1));
}

TEST_CASE("hdf5: an SHD folder with only the test file loads it; asking for the training split names the file") {
  temp_dir dir;
  shd_data d;
  test::write_shd(dir / "shd_test.h5", d.times, d.units, d.labels);
  data::dataset_context ctx;
  ctx.file = "spec.json";
  const nlohmann::json spec = {{"format", "shd"}, {"path", dir.path().string()}};
  const auto splits = data::open_dataset_splits(spec, ctx, false);
  CHECK_FALSE(splits.train);
  REQUIRE(splits.test);
  CHECK(splits.test->size() == 3);
  auto test_spec = spec;
  test_spec["split"] = "test";
  CHECK(data::open_dataset(test_spec, ctx)->size() == 3);
  const std::string want =
      fmt::format("spec.json: /path: {}: no shd_train.h5[.gz] (see docs/datasets.md)", dir.path().string());
  CHECK(error_of([&] { data::open_dataset(spec, ctx); }) == want);
  CHECK(error_of([&] { data::open_dataset_splits(spec, ctx); }) == want);
  std::filesystem::remove(dir / "shd_test.h5");
  CHECK(error_of([&] { data::open_dataset_splits(spec, ctx, false); }) ==
        fmt::format("spec.json: /path: {}: no shd_train.h5[.gz] or shd_test.h5[.gz] (see docs/datasets.md)",
                    dir.path().string()));
}

TEST_CASE("hdf5: the splits share one class count, so a test label the training file lacks still fits") {
  temp_dir dir;
  shd_data d;
  test::write_shd(dir / "train.h5", d.times, d.units, std::vector<std::uint16_t>{1, 0, 2});
  test::write_shd(dir / "test.h5", d.times, d.units, std::vector<std::uint16_t>{1, 5, 2});
  data::dataset_context ctx;
  ctx.base_dir = dir.path();
  const auto splits = data::open_dataset_splits(
      {{"format", "hdf5"}, {"train", "train.h5"}, {"test", "test.h5"}, {"channels", 700}}, ctx);
  CHECK(splits.train->classes() == 6);
  CHECK(splits.test->classes() == 6);
  CHECK(splits.test->label(1) == 5);
}

TEST_CASE("hdf5: a file on which libhdf5 crashed (found by fuzz_hdf5) is one input_error naming the file") {
  // The library reads it in a child process (engine/isolated_read); in this process it was a segmentation fault.
  const std::string file = EVSNN_SOURCE_DIR "/tests/fuzz/hdf5_found/shd_segfault.h5";
  const std::string e = error_of([&] { data::read_hdf5_spikes(file, {}); });
  CHECK(e.starts_with(file + ": the HDF5 library "));
  CHECK(e.ends_with(": the file is damaged or not what it claims to be"));
}

TEST_CASE("hdf5: a small file that claims 2^40 samples is refused before anything of that size is allocated") {
  // Chunked datasets whose chunks were never written: the file is a few KB, its dataspaces claim 2^40 rows.
  temp_dir dir;
  const std::string p = (dir / "claim.h5").string();
  {
    const hsize_t rows = hsize_t(1) << 40, chunk = 1024;
    const hid_t file = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t group = H5Gcreate2(file, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t space = H5Screate_simple(1, &rows, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    const hid_t vf = H5Tvlen_create(H5T_IEEE_F32LE), vu = H5Tvlen_create(H5T_STD_U16LE);
    for (const auto& [name, type] : {std::pair{"spikes/times", vf}, std::pair{"spikes/units", vu},
                                     std::pair{"labels", H5T_STD_U16LE}})
      H5Dclose(H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Tclose(vf);
    H5Tclose(vu);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Gclose(group);
    H5Fclose(file);
  }
  CHECK(std::filesystem::file_size(p) < 64 * 1024);
  const std::string e = error_of([&] { data::read_hdf5_spikes(p, {}); });
  CHECK(e.starts_with(p + ": /labels: 1099511627776 samples would need "));
  CHECK(e.ends_with(", more than this process may use"));
}
