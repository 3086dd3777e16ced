#include <doctest/doctest.h>

#include "datasets/aedat_reader.hpp"
#include "datasets/dataset_spec.hpp"
#include "engine/error.hpp"
#include "tests/datasets/format_writers.hpp"

using namespace evsnn;
using evsnn::test::temp_dir;

namespace {
std::string index_error(const std::vector<unsigned char>& b) {
  try {
    data::index_aedat(b, "g.aedat");
  } catch (const input_error& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("aedat: DVS Gesture trials read back event for event inside each labelled window") {
  temp_dir dir;
  std::vector<test::aedat_event> ev;
  for (int k = 0; k < 500; ++k)
    ev.push_back({static_cast<std::uint16_t>(k % 128), static_cast<std::uint16_t>((k * 7) % 128),
                  static_cast<std::uint8_t>(k % 2), 1000000 + 1000 * k, k % 50 != 7});
  test::write_bytes(dir / "DvsGesture/user01_led.aedat", test::aedat_bytes(ev, 64));
  test::write_text(dir / "DvsGesture/user01_led_labels.csv",
                   "class,startTime_usec,endTime_usec\n3,1000000,1100000\n11,1200000,1300500\n");
  test::write_bytes(dir / "DvsGesture/user24_led.aedat", test::aedat_bytes(ev, 500));
  test::write_text(dir / "DvsGesture/user24_led_labels.csv", "class,startTime_usec,endTime_usec\r\n1,1000000,1001000\r\n");
  data::dataset_context ctx;
  ctx.data_dir = dir.path();
  const auto splits = data::open_dataset_splits({{"format", "dvs-gesture"}}, ctx);
  REQUIRE(splits.train->size() == 2);
  REQUIRE(splits.test->size() == 1);
  CHECK(splits.train->channels() == 2 * 128 * 128);
  CHECK(splits.train->label(0) == 2);
  CHECK(splits.train->label(1) == 10);
  const auto s = splits.train->get(1);
  CHECK(s.duration_ms == 100.5);
  std::vector<evsnn::input_event> expect;
  for (const auto& e : ev)
    if (e.valid && e.ts_us >= 1200000 && e.ts_us < 1300500)
      expect.push_back({(e.ts_us - 1200000) * 1e-3, (e.p * 128u + e.y) * 128u + e.x, 1.0f});
  REQUIRE(s.events.size() == expect.size());
  for (std::size_t k = 0; k < expect.size(); ++k) {
    CHECK(s.events[k].time_ms == expect[k].time_ms);
    CHECK(s.events[k].channel == expect[k].channel);
  }
  const auto t = splits.test->get(0);
  CHECK(t.events.size() == 1);
  CHECK(t.label == 0);
}

TEST_CASE("aedat: DVS Gesture label files: errors name the file, line and column") {
  temp_dir dir;
  test::write_bytes(dir / "DvsGesture/user01_led.aedat", test::aedat_bytes({}, 64));
  auto error_for = [&](const std::string& labels) -> std::string {
    test::write_text(dir / "DvsGesture/user01_led_labels.csv", labels);
    data::dataset_context ctx;
    ctx.data_dir = dir.path();
    try {
      data::open_dataset_splits({{"format", "dvs-gesture"}}, ctx);
    } catch (const input_error& e) {
      const std::string msg = e.what();
      const std::string file = (dir / "DvsGesture/user01_led_labels.csv").string() + ": ";
      CHECK(msg.find(file) == 0);
      return msg.substr(file.size());
    }
    return "(no error)";
  };
  CHECK(error_for("class,startTime_usec,endTime_usec\n# comment\r\n\n3,1,2\n") == "(no error)");
  CHECK(error_for("class,startTime_usec,endTime_usec\n3,1\n") == "line 2: expected class,startTime_usec,endTime_usec");
  CHECK(error_for("class,startTime_usec,endTime_usec\n12,1,2\n") == "line 2: column 1: class 12 is out of range [1, 11]");
  CHECK(error_for("3,x,2\n") == "line 1: column 2: startTime_usec \"x\" is not a non-negative integer");
  CHECK(error_for("3,5,5\n") == "line 1: column 3: window [5, 5) us is empty");
}

TEST_CASE("aedat: timestamps past 2^31 us use the packet's overflow counter") {
  std::vector<test::aedat_event> ev{{1, 1, 1, (std::int64_t{1} << 31) + 5}, {2, 2, 0, (std::int64_t{1} << 31) + 9}};
  const auto b = test::aedat_bytes(ev, 10);
  const auto idx = data::index_aedat(b, "o.aedat");
  REQUIRE(idx.packets.size() == 1);
  data::sample s;
  data::read_aedat_window(b, idx, "o.aedat", (std::int64_t{1} << 31), (std::int64_t{1} << 31) + 100, 128, 128, s);
  REQUIRE(s.events.size() == 2);
  CHECK(s.events[1].time_ms == 0.009);
}

TEST_CASE("aedat: corrupt headers and packets are errors with byte offsets") {
  const auto good = test::aedat_bytes({{1, 1, 1, 10}, {2, 2, 0, 20}}, 10);
  CHECK(index_error(good) == "(no error)");
  CHECK(index_error({'h', 'i'}).find("byte 0: not an AEDAT 3.x file") != std::string::npos);
  const std::string no_end = "#!AER-DAT3.1\r\n#Format: RAW\r\n";
  CHECK(index_error(std::vector<unsigned char>(no_end.begin(), no_end.end())).find("no #!END-HEADER") !=
        std::string::npos);
  auto cut = good;
  cut.resize(cut.size() - 3);
  CHECK(index_error(cut).find("truncated: the packet declares 2 events of 8 bytes") != std::string::npos);
  auto short_header = good;
  short_header.resize(short_header.size() - 16 - 20);
  CHECK(index_error(short_header).find("truncated packet header") != std::string::npos);
  // Polarity packet with a wrong event size: the second packet's header starts after the first (28 + 8 bytes).
  const std::size_t header_len = good.size() - (28 + 8) - (28 + 16);
  auto bad_size = good;
  bad_size[header_len + 36 + 4] = 12;
  CHECK(index_error(bad_size).find("polarity packet with eventSize 12") != std::string::npos);
  auto negative = good;
  negative[header_len + 36 + 23] = 0x80;  // eventNumber < 0
  CHECK(index_error(negative).find("corrupt packet header") != std::string::npos);
  // An event outside the sensor.
  const auto wide = test::aedat_bytes({{200, 1, 1, 10}}, 10);
  const auto idx = data::index_aedat(wide, "w.aedat");
  data::sample s;
  try {
    data::read_aedat_window(wide, idx, "w.aedat", 0, 100, 128, 128, s);
    FAIL("expected an error");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()).find("x=200, y=1 is outside the 128x128 sensor") != std::string::npos);
  }
}
