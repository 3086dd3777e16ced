#include <doctest/doctest.h>

#include <cmath>

#include "datasets/encoder.hpp"
#include "engine/error.hpp"

using namespace evsnn;

namespace {
data::image_set one_image(std::vector<float> px) {
  data::image_set s;
  s.count = 1;
  s.rows = 1;
  s.cols = static_cast<std::uint32_t>(px.size());
  s.classes = 1;
  s.f32 = std::move(px);
  s.labels = {0};
  return s;
}
}  // namespace

TEST_CASE("encoder: TTFS t = T (1 - x), no spike for x = 0, sorted") {
  const auto img = one_image({0.0f, 1.0f, 0.5f, 0.25f});
  data::encoder_options o;
  o.t_max_ms = 80;
  data::sample s;
  data::encode_image(o, img, 0, 1, s);
  REQUIRE(s.events.size() == 3);
  CHECK(s.events[0].channel == 1);
  CHECK(s.events[0].time_ms == 0.0);
  CHECK(s.events[1].channel == 2);
  CHECK(s.events[1].time_ms == 40.0);
  CHECK(s.events[2].channel == 3);
  CHECK(s.events[2].time_ms == 60.0);
  CHECK(s.duration_ms == 80.0);
  // A longer window (the SFDFA paper: T = 100 ms inside a 200 ms sample) keeps the spike times.
  o.duration_ms = 200;
  data::encode_image(o, img, 0, 1, s);
  CHECK(s.events[1].time_ms == 40.0);
  CHECK(s.duration_ms == 200.0);
}

TEST_CASE("encoder: latency code t = tau ln(x / (x - threshold)), late spikes dropped") {
  const auto img = one_image({1.0f, 0.2f, 0.005f, 0.01005f});
  data::encoder_options o;
  o.type = data::encoder_options::kind::latency;
  o.tau_ms = 10;
  o.threshold = 0.01;
  o.t_max_ms = 50;
  data::sample s;
  data::encode_image(o, img, 0, 1, s);
  REQUIRE(s.events.size() == 2);
  CHECK(s.events[0].time_ms == doctest::Approx(10 * std::log(1.0 / 0.99)));
  CHECK(s.events[1].time_ms == doctest::Approx(10 * std::log(0.2 / (0.2 - 0.01))).epsilon(1e-6));
}

TEST_CASE("encoder: rate code is Poisson with rate x * max_rate, deterministic per seed") {
  const auto img = one_image({1.0f, 0.5f, 0.0f});
  data::encoder_options o;
  o.type = data::encoder_options::kind::rate;
  o.max_rate_hz = 200;
  o.duration_ms = 1000;
  std::size_t c0 = 0, c1 = 0, c2 = 0;
  data::sample s, t;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    data::encode_image(o, img, 0, seed, s);
    data::encode_image(o, img, 0, seed, t);
    REQUIRE(s.events.size() == t.events.size());
    for (const auto& e : s.events) {
      (e.channel == 0 ? c0 : e.channel == 1 ? c1 : c2)++;
      CHECK(e.time_ms < 1000.0);
    }
  }
  CHECK(c0 / 200.0 == doctest::Approx(200.0).epsilon(0.03));
  CHECK(c1 / 200.0 == doctest::Approx(100.0).epsilon(0.03));
  CHECK(c2 == 0);
}

TEST_CASE("encoder: spec parsing") {
  auto o = data::parse_encoder("rate", "f", "/encoder");
  CHECK(o.type == data::encoder_options::kind::rate);
  o = data::parse_encoder({{"type", "ttfs"}, {"t_max_ms", 20}}, "f", "/encoder");
  CHECK(o.t_max_ms == 20.0);
  CHECK_THROWS_WITH_AS(data::parse_encoder({{"type", "burst"}}, "f", "/encoder"),
                       "f: /encoder/type: unknown encoder 'burst' (known: latency, poisson, rate, ttfs)", input_error);
  CHECK_THROWS_WITH_AS(data::parse_encoder({{"type", "ttfs"}, {"t_max_ms", 0}}, "f", "/encoder"),
                       "f: /encoder/t_max_ms: 0 is out of range [1e-09, 1000000000000]", input_error);
}

TEST_CASE("encoder: a rate encoder's spikes per channel and sample are bounded up front") {
  CHECK_NOTHROW(data::parse_encoder({{"type", "rate"}, {"max_rate_hz", 1e3}, {"duration_ms", 1e5}}, "f", "/encoder"));
  CHECK_THROWS_WITH_AS(
      data::parse_encoder({{"type", "rate"}, {"max_rate_hz", 1e7}, {"duration_ms", 1e6}}, "f", "/encoder"),
      doctest::Contains("f: /encoder/max_rate_hz: max_rate_hz 1e+07 for duration_ms 1e+06 gives up to 1e+10 spikes"),
      input_error);
}
