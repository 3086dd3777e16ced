#include <doctest/doctest.h>

#include <fmt/format.h>

#include "datasets/dataset_spec.hpp"
#include "datasets/idx_reader.hpp"
#include "engine/error.hpp"
#include "tests/datasets/format_writers.hpp"
#include "tests/support/error_of.hpp"

using namespace evsnn;
using evsnn::test::error_of;
using evsnn::test::temp_dir;

namespace {

struct idx_fixture {
  temp_dir dir;
  std::vector<unsigned char> pixels;
  std::vector<unsigned char> labels;
  std::uint32_t n = 7, rows = 3, cols = 4;

  explicit idx_fixture(bool gz) {
    for (std::uint32_t i = 0; i < n * rows * cols; ++i) pixels.push_back(static_cast<unsigned char>((i * 37) % 256));
    for (std::uint32_t i = 0; i < n; ++i) labels.push_back(static_cast<unsigned char>(i % 3));
    auto img = test::idx_bytes(0x08, {n, rows, cols}, pixels);
    auto lab = test::idx_bytes(0x08, {n}, labels);
    const std::string ext = gz ? ".gz" : "";
    test::write_bytes(dir / ("train-images-idx3-ubyte" + ext), gz ? test::gzip_bytes(img) : img);
    test::write_bytes(dir / ("train-labels-idx1-ubyte" + ext), gz ? test::gzip_bytes(lab) : lab);
    test::write_bytes(dir / ("t10k-images-idx3-ubyte" + ext), gz ? test::gzip_bytes(img) : img);
    test::write_bytes(dir / ("t10k-labels-idx1-ubyte" + ext), gz ? test::gzip_bytes(lab) : lab);
  }
};


}  // namespace

TEST_CASE("idx: plain and gzip files read back pixel for pixel, TTFS encoded") {
  for (bool gz : {false, true}) {
    CAPTURE(gz);
    idx_fixture fx(gz);
    data::dataset_context ctx;
    ctx.file = "spec";
    const nlohmann::json spec = {{"format", "idx"}, {"path", fx.dir.path().string()}};
    const auto splits = data::open_dataset_splits(spec, ctx);
    REQUIRE(splits.train->size() == fx.n);
    REQUIRE(splits.test);
    CHECK(splits.test->size() == fx.n);
    CHECK(splits.train->channels() == fx.rows * fx.cols);
    CHECK(splits.train->classes() == 3);
    CHECK(splits.train->layout().width == fx.cols);
    data::sample s;
    for (std::size_t i = 0; i < fx.n; ++i) {
      splits.train->load(i, s, 0);
      CHECK(s.label == fx.labels[i]);
      CHECK(s.channels == fx.rows * fx.cols);
      CHECK(s.duration_ms == 100.0);
      // Every non-zero pixel gives exactly one spike at t = 100 (1 - x).
      std::vector<int> seen(fx.rows * fx.cols, 0);
      for (const auto& e : s.events) {
        const double x = fx.pixels[i * fx.rows * fx.cols + e.channel] / 255.0;
        CHECK(e.time_ms == doctest::Approx(100.0 * (1.0 - x)).epsilon(1e-6));
        ++seen[e.channel];
      }
      for (std::size_t c = 0; c < seen.size(); ++c)
        CHECK(seen[c] == (fx.pixels[i * fx.rows * fx.cols + c] != 0 ? 1 : 0));
      CHECK(std::is_sorted(s.events.begin(), s.events.end(),
                           [](const auto& a, const auto& b) { return a.time_ms < b.time_ms; }));
    }
  }
}

TEST_CASE("idx: corrupt files give one-line errors naming the file and byte offset") {
  temp_dir dir;
  const auto lab = test::idx_bytes(0x08, {2}, {0, 1});
  test::write_bytes(dir / "l", lab);
  auto read = [&](const std::vector<unsigned char>& img, std::uint32_t classes = 0) {
    test::write_bytes(dir / "i", img);
    return error_of([&] { data::read_idx_images(dir / "i", dir / "l", classes, false); });
  };
  std::vector<unsigned char> px(2 * 28 * 28, 9);
  auto good = test::idx_bytes(0x08, {2, 28, 28}, px);
  CHECK(read(good) == "(no error)");
  // Truncated pixels.
  auto trunc = good;
  trunc.resize(16 + 1200);
  CHECK(read(trunc) == fmt::format("{}: byte 16: truncated: expected 1568 bytes of pixels, got 1200", (dir / "i").string()));
  // Wrong magic.
  auto magic = good;
  magic[0] = 0x1f;
  magic[1] = 0x00;
  CHECK(read(magic).find("byte 0: wrong magic number") != std::string::npos);
  // Unknown type, wrong dimension count, trailing bytes, short header, overflowing dims.
  auto type = good;
  type[2] = 0x07;
  CHECK(read(type).find("byte 2: unknown IDX element type 0x07") != std::string::npos);
  CHECK(read(test::idx_bytes(0x08, {2, 784}, px)).find("3 dimensions") != std::string::npos);
  auto extra = good;
  extra.push_back(0);
  CHECK(read(extra).find("byte 1584: 1 unexpected bytes after the pixels") != std::string::npos);
  CHECK(read({0, 0}).find("byte 0: truncated") != std::string::npos);
  CHECK(read(test::idx_bytes(0x08, {0xffffffff, 0xffffffff, 0xffffffff}, {})).find("truncated") != std::string::npos);
  auto header_cut = good;
  header_cut.resize(10);
  CHECK(read(header_cut).find("truncated: the header declares 3 dimensions") != std::string::npos);
  // Count mismatch and label out of range.
  CHECK(read(test::idx_bytes(0x08, {1, 28, 28}, std::vector<unsigned char>(784)))
            .find("2 labels for 1 images") != std::string::npos);
  test::write_bytes(dir / "l", test::idx_bytes(0x08, {2}, {0, 12}));
  CHECK(read(good, 10) == fmt::format("{}: byte 9: label 12 of image 1 is out of range [0, 10)", (dir / "l").string()));
  // Corrupt and truncated gzip.
  auto gz = test::gzip_bytes(good);
  auto gz_cut = gz;
  gz_cut.resize(gz.size() / 2);
  CHECK(read(gz_cut).find("truncated gzip stream") != std::string::npos);
  auto gz_bad = gz;
  for (std::size_t k = 12; k < 40 && k < gz_bad.size(); ++k) gz_bad[k] ^= 0x5a;
  const auto msg = read(gz_bad);
  CHECK(msg.find((dir / "i").string()) == 0);
  CHECK(msg.find("gzip") != std::string::npos);
  // Missing file.
  CHECK(error_of([&] { data::read_idx_images(dir / "nope", dir / "l", 0, false); }).find("cannot open") !=
        std::string::npos);
}

TEST_CASE("idx: EMNIST files are transposed and named with a prefix") {
  temp_dir dir;
  std::vector<unsigned char> px(2 * 2 * 3, 0);
  px[1] = 255;  // image 0 stored column-major: (col 0, row 1) -> channel row 1 * 3 + col 0 = 3
  test::write_bytes(dir / "emnist-letters-train-images-idx3-ubyte.gz", test::gzip_bytes(test::idx_bytes(0x08, {2, 2, 3}, px)));
  test::write_bytes(dir / "emnist-letters-train-labels-idx1-ubyte.gz", test::gzip_bytes(test::idx_bytes(0x08, {2}, {1, 26})));
  data::dataset_context ctx;
  const nlohmann::json spec = {{"format", "emnist"}, {"path", dir.path().string()}, {"prefix", "emnist-letters-"},
                               {"label_offset", -1}};
  const auto d = data::open_dataset(spec, ctx);
  CHECK(d->classes() == 26);
  CHECK(d->label(1) == 25);
  const auto s = d->get(0);
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].channel == 3);
  CHECK(s.events[0].time_ms == 0.0);
}

TEST_CASE("idx: the installed Fashion-MNIST has 60,000 / 10,000 images, 6,000 / 1,000 per class") {
  std::filesystem::path dir = std::filesystem::path(EVSNN_SOURCE_DIR) / "data" / "fashion-mnist";
  if (!std::filesystem::exists(dir / "train-images-idx3-ubyte.gz")) dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir / "train-images-idx3-ubyte.gz")) {
    MESSAGE("Fashion-MNIST not installed (tools/setup_data.sh): skipped");
    return;
  }
  data::dataset_context ctx;
  const auto splits = data::open_dataset_splits({{"format", "fashion-mnist"}, {"path", dir.string()}}, ctx);
  CHECK(splits.train->size() == 60000);
  REQUIRE(splits.test);
  CHECK(splits.test->size() == 10000);
  CHECK(splits.train->channels() == 784);
  for (auto c : splits.train->class_counts()) CHECK(c == 6000);
  for (auto c : splits.test->class_counts()) CHECK(c == 1000);
  CHECK(splits.train->class_names().at(9) == "Ankle boot");
  // Test image 0 is an ankle boot.
  CHECK(splits.test->label(0) == 9);
}

TEST_CASE("idx: a folder with only the t10k files loads the test split; the missing split is the error when asked") {
  idx_fixture fx(true);
  std::filesystem::remove(fx.dir / "train-images-idx3-ubyte.gz");
  std::filesystem::remove(fx.dir / "train-labels-idx1-ubyte.gz");
  data::dataset_context ctx;
  ctx.file = "spec.json";
  const nlohmann::json spec = {{"format", "mnist"}, {"path", fx.dir.path().string()}};
  auto test_spec = spec;
  test_spec["split"] = "test";
  const auto test = data::open_dataset(test_spec, ctx);
  CHECK(test->size() == fx.n);
  CHECK(test->classes() == 10);
  CHECK(test->label(4) == fx.labels[4]);
  const auto splits = data::open_dataset_splits(spec, ctx, false);
  CHECK_FALSE(splits.train);
  REQUIRE(splits.test);
  const std::string want = fmt::format(
      "spec.json: /path: no training split: {} has no train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] "
      "(see docs/datasets.md for where to get it, or run tools/setup_data.sh)",
      fx.dir.path().string());
  CHECK(error_of([&] { data::open_dataset(spec, ctx); }) == want);        // the default split is train
  CHECK(error_of([&] { data::open_dataset_splits(spec, ctx); }) == want);  // what training needs
  auto holdout = spec;
  holdout["validation_fraction"] = 0.5;
  CHECK(error_of([&] { data::open_dataset_splits(holdout, ctx, false); }) == want);
  // A folder missing only the training labels names just that file.
  test::write_bytes(fx.dir / "train-images-idx3-ubyte", test::idx_bytes(0x08, {fx.n, fx.rows, fx.cols}, fx.pixels));
  CHECK(error_of([&] { data::open_dataset(spec, ctx); })
            .find("no training split: " + fx.dir.path().string() + " has no train-labels-idx1-ubyte[.gz] (") !=
        std::string::npos);
}

TEST_CASE("idx: a folder with only the training files loads; asking for test names the folder and files") {
  idx_fixture fx(false);
  std::filesystem::remove(fx.dir / "t10k-images-idx3-ubyte");
  data::dataset_context ctx;
  ctx.file = "spec.json";
  const nlohmann::json spec = {{"format", "fashion-mnist"}, {"path", fx.dir.path().string()}, {"split", "test"}};
  CHECK(error_of([&] { data::open_dataset(spec, ctx); }) ==
        fmt::format("spec.json: /path: no test split: {} has no t10k-images-idx3-ubyte[.gz] (see docs/datasets.md for "
                    "where to get it, or run tools/setup_data.sh)",
                    fx.dir.path().string()));
  auto train_spec = spec;
  train_spec["split"] = "train";
  CHECK(data::open_dataset(train_spec, ctx)->size() == fx.n);
  // Neither split: one error naming both file pairs.
  std::filesystem::remove(fx.dir / "train-images-idx3-ubyte");
  CHECK(error_of([&] { data::open_dataset(train_spec, ctx); }) ==
        fmt::format("spec.json: /path: {} holds neither split: expected train-images-idx3-ubyte[.gz] and "
                    "train-labels-idx1-ubyte[.gz] (training) or t10k-images-idx3-ubyte[.gz] and "
                    "t10k-labels-idx1-ubyte[.gz] (test) (see docs/datasets.md for where to get them, or run "
                    "tools/setup_data.sh)",
                    fx.dir.path().string()));
}

TEST_CASE("idx: train and test share one class count, the largest label of either + 1") {
  idx_fixture fx(false);
  std::vector<unsigned char> test_labels(fx.n, 1);
  test_labels[2] = 6;
  test::write_bytes(fx.dir / "t10k-labels-idx1-ubyte", test::idx_bytes(0x08, {fx.n}, test_labels));
  data::dataset_context ctx;
  const auto splits = data::open_dataset_splits({{"format", "idx"}, {"path", fx.dir.path().string()}}, ctx);
  CHECK(splits.train->classes() == 7);
  CHECK(splits.test->classes() == 7);
  CHECK(splits.test->label(2) == 6);
}
