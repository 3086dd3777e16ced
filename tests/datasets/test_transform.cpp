#include <doctest/doctest.h>

#include <memory>
#include <utility>
#include <vector>

#include "datasets/event_dataset.hpp"
#include "datasets/transform.hpp"
#include "tests/support/error_of.hpp"

using namespace evsnn;

namespace {

// One sample of (time_ms, channel) events, 4 channels, label 1, transformed by the given JSON.
data::sample binned(const std::vector<std::pair<double, std::uint32_t>>& events, const nlohmann::json& transforms) {
  auto store = std::make_shared<data::event_store>();
  for (const auto& [t, c] : events) store->push(t, c);
  store->end_sample(1, events.empty() ? 10.0 : events.back().first, true);
  auto base = std::make_shared<data::event_dataset>(store, 2, 4, "events");
  const data::transformed_dataset d(base, data::parse_transforms(transforms, "t.json", "/transforms"));
  return d.get(0);
}

}  // namespace

TEST_CASE("transform time_bins: tonic ToFrame(n_time_bins) over each sample's own span, counts as grades") {
  // First event 2 ms, last 102 ms: 50 bins of 2000 µs from 2 ms; the last event (bin 50) is dropped.
  const auto s = binned({{2.0, 0}, {2.5, 0}, {3.999, 1}, {4.0, 0}, {4.0, 3}, {101.9, 2}, {101.95, 2}, {102.0, 1}},
                        {{"time_bins", 50}, {"tick_ms", 1}});
  CHECK(s.duration_ms == 50.0);
  CHECK(s.label == 1);
  REQUIRE(s.events.size() == 5);
  const std::vector<std::tuple<double, std::uint32_t, float>> want = {
      {0.0, 0, 2.0f}, {0.0, 1, 1.0f}, {1.0, 0, 1.0f}, {1.0, 3, 1.0f}, {49.0, 2, 2.0f}};
  for (std::size_t k = 0; k < want.size(); ++k) {
    CHECK(s.events[k].time_ms == std::get<0>(want[k]));
    CHECK(s.events[k].channel == std::get<1>(want[k]));
    CHECK(s.events[k].grade == std::get<2>(want[k]));
  }
  // Another span gives other bins: 0 .. 10.0049 ms is 10004 µs, width floor(10004 / 50) = 200 µs.
  const auto t = binned({{0.0, 0}, {0.1, 0}, {0.1999, 1}, {0.2, 1}, {9.9999, 2}, {10.0, 3}, {10.0049, 0}},
                        {{"time_bins", 50}, {"tick_ms", 0.5}});
  CHECK(t.duration_ms == 25.0);
  REQUIRE(t.events.size() == 4);
  CHECK(t.events[0].time_ms == 0.0);
  CHECK(t.events[0].grade == 2.0f);  // channels 0 and 1 at bin 0 stay apart
  CHECK(t.events[1].time_ms == 0.0);
  CHECK(t.events[2].time_ms == 0.5);  // 200 µs: bin 1
  CHECK(t.events[3].time_ms == 24.5);  // 9999.9 µs: bin 49; 10000 µs and later: bin 50, dropped
  CHECK(t.events[3].channel == 2);
}

TEST_CASE("transform time_bins: µs as tonic computes them from SHD's float16 seconds (float32 product)") {
  // 1.0537109375 s is a float16; * 1e6 = 1053710.9375, which float32 rounds to 1053711 before tonic
  // truncates. With two bins of width 1053711 µs the event opens bin 1 (naive truncation: bin 0).
  const auto s = binned({{0.0, 0}, {1053.7109375, 1}, {2107.422, 2}}, {{"time_bins", 2}});
  REQUIRE(s.events.size() == 2);
  CHECK(s.events[1].channel == 1);
  CHECK(s.events[1].time_ms == 1.0);
  CHECK(s.duration_ms == 2.0);
}

TEST_CASE("transform time_bins: degenerate samples and spec errors") {
  CHECK(binned({}, {{"time_bins", 5}}).events.empty());
  CHECK(binned({}, {{"time_bins", 5}}).duration_ms == 5.0);
  CHECK(binned({{3.0, 1}, {3.0, 2}}, {{"time_bins", 5}}).events.empty());  // zero span: width 0, as tonic
  const auto err = [](const nlohmann::json& j) {
    return test::error_of([&] { data::parse_transforms(j, "t.json", "/transforms"); });
  };
  CHECK(err({{"time_bins", 5}, {"time_bin_ms", 1}}) == "t.json: /transforms/time_bins: excludes \"time_bin_ms\" (choose one binning)");
  CHECK(err({{"tick_ms", 2}}) == "t.json: /transforms/tick_ms: needs \"time_bins\"");
  CHECK(err({{"time_bins", -1}}).find("/transforms/time_bins") != std::string::npos);
}
