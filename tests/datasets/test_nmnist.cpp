#include <doctest/doctest.h>

#include <fmt/format.h>

#include "datasets/dataset_spec.hpp"
#include "datasets/nmnist_reader.hpp"
#include "engine/error.hpp"
#include "tests/datasets/format_writers.hpp"

using namespace evsnn;
using evsnn::test::temp_dir;

namespace {
std::string parse_error(const std::vector<unsigned char>& b, bool sort = false) {
  try {
    data::sample s;
    data::nmnist_options o;
    o.sort = sort;
    data::parse_nmnist(b, "f.bin", o, s);
  } catch (const input_error& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("nmnist: 40-bit records read back event for event, 23-bit microsecond timestamps") {
  temp_dir dir;
  const std::vector<test::nmnist_event> ev{{0, 0, 1, 0}, {33, 33, 0, 10}, {5, 7, 1, 10}, {2, 3, 0, 0x7fffff}};
  for (int d = 0; d < 10; ++d) {
    test::write_bytes(dir / ("Train/" + std::to_string(d) + "/00001.bin"), test::nmnist_bytes(ev));
    test::write_bytes(dir / ("Test/" + std::to_string(d) + "/00002.bin"), test::nmnist_bytes({ev[d % 4]}));
  }
  data::dataset_context ctx;
  const auto splits = data::open_dataset_splits({{"format", "nmnist"}, {"path", dir.path().string()}}, ctx);
  REQUIRE(splits.train->size() == 10);
  REQUIRE(splits.test->size() == 10);
  CHECK(splits.train->channels() == 2312);
  CHECK(splits.train->layout().polarities == 2);
  const auto s = splits.train->get(4);
  CHECK(s.label == 4);
  REQUIRE(s.events.size() == 4);
  // Sorted by (time, channel); channel = (p * 34 + y) * 34 + x.
  CHECK(s.events[0].time_ms == 0.0);
  CHECK(s.events[0].channel == (1 * 34 + 0) * 34 + 0);
  CHECK(s.events[1].time_ms == 0.010);
  CHECK(s.events[1].channel == (0 * 34 + 33) * 34 + 33);
  CHECK(s.events[2].channel == (1 * 34 + 7) * 34 + 5);
  CHECK(s.events[3].time_ms == doctest::Approx(8388.607));
  CHECK(s.events[3].channel == 3 * 34 + 2);
  CHECK(s.duration_ms == doctest::Approx(8388.607));
}

TEST_CASE("nmnist: truncated records, out-of-sensor addresses and backwards time are errors") {
  auto good = test::nmnist_bytes({{1, 2, 0, 5}, {3, 4, 1, 9}});
  CHECK(parse_error(good) == "(no error)");
  auto cut = good;
  cut.pop_back();
  CHECK(parse_error(cut) == "f.bin: byte 5: truncated: 9 bytes is not a whole number of 5-byte events");
  CHECK(parse_error(test::nmnist_bytes({{1, 2, 0, 5}, {34, 4, 1, 9}})) ==
        "f.bin: byte 5: event 1 at x=34, y=4 is outside the 34x34 sensor");
  const auto back = test::nmnist_bytes({{1, 2, 0, 50}, {3, 4, 1, 9}});
  CHECK(parse_error(back).find("f.bin: byte 5: event 1 at 9 us is before the previous event (50 us)") == 0);
  CHECK(parse_error(back, true) == "(no error)");
  CHECK(parse_error({}) == "(no error)");
}

TEST_CASE("nmnist: missing digit folders and a missing Train folder load what is there") {
  temp_dir dir;
  const std::vector<test::nmnist_event> ev{{0, 0, 1, 0}};
  for (int d : {2, 7}) test::write_bytes(dir / ("Test/" + std::to_string(d) + "/00001.bin"), test::nmnist_bytes(ev));
  data::dataset_context ctx;
  ctx.file = "spec.json";
  const nlohmann::json spec = {{"format", "nmnist"}, {"path", dir.path().string()}};
  auto test_spec = spec;
  test_spec["split"] = "test";
  const auto test = data::open_dataset(test_spec, ctx);
  REQUIRE(test->size() == 2);
  CHECK(test->classes() == 10);
  CHECK(test->label(0) == 2);
  CHECK(test->label(1) == 7);
  const auto want = fmt::format(
      "spec.json: /path: no training split: {} has no Train folder (expected {}/<digit>/*.bin, see docs/datasets.md)",
      dir.path().string(), (dir / "Train").string());
  try {
    data::open_dataset(spec, ctx);
    FAIL("no error");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()) == want);
  }
  // A split folder without any digit folder is a missing split too.
  std::filesystem::create_directories(dir / "Train");
  CHECK(data::open_dataset(test_spec, ctx)->size() == 2);
  try {
    data::open_dataset(spec, ctx);
    FAIL("no error");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()) ==
          fmt::format("spec.json: /path: no training split: {} has no digit folders (expected {}/<digit>/*.bin, see "
                      "docs/datasets.md)",
                      (dir / "Train").string(), (dir / "Train").string()));
  }
  // No split at all: one error naming the folder.
  std::filesystem::remove_all(dir / "Test");
  try {
    data::open_dataset(test_spec, ctx);
    FAIL("no error");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()).find("no N-MNIST splits") != std::string::npos);
  }
}
