#include "datasets/encoder.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include <fmt/format.h>

#include "datasets/json_fields.hpp"
#include "datasets/rng.hpp"
#include "engine/error.hpp"
#include "engine/registry.hpp"

namespace evsnn::data {

std::string encoder_options::describe() const {
  switch (type) {
    case kind::ttfs: return fmt::format("ttfs t_max_ms={} duration_ms={}", t_max_ms, window_ms());
    case kind::rate: return fmt::format("rate max_rate_hz={} duration_ms={} seed={}", max_rate_hz, window_ms(), seed);
    case kind::latency:
      return fmt::format("latency tau_ms={} threshold={} t_max_ms={} duration_ms={}", tau_ms, threshold, t_max_ms, window_ms());
  }
  return "";
}

namespace {

// Reads an encoder's own keys (its "type" already read) into o.
using encoder_factory = std::function<void(json_fields& f, encoder_options& o)>;

void read_rate(json_fields& f, encoder_options& o) {
  o.type = encoder_options::kind::rate;
  o.max_rate_hz = f.number("max_rate_hz", 100.0, 0.0, 1e7);
  o.duration_ms = f.number("duration_ms", 100.0, 1e-9, 1e12);
  o.seed = f.integer("seed", 1, 0, ~0ULL);
  // Every event of a sample is held in memory: bound the expected count per channel.
  const double per_channel = o.max_rate_hz * 1e-3 * o.duration_ms;
  if (per_channel > max_rate_spikes_per_channel)
    f.fail("max_rate_hz", fmt::format("max_rate_hz {:g} for duration_ms {:g} gives up to {:g} spikes per channel and sample; at most "
                       "{:g} (lower the rate or the duration)",
                       o.max_rate_hz, o.duration_ms, per_channel, max_rate_spikes_per_channel));
}

// One line per encoder name.
registry<encoder_factory> encoder_registry() {
  registry<encoder_factory> r("encoder");
  r.add("ttfs", [](json_fields& f, encoder_options& o) {
    o.type = encoder_options::kind::ttfs;
    o.t_max_ms = f.number("t_max_ms", 100.0, 1e-9, 1e12);
    o.duration_ms = f.number("duration_ms", o.t_max_ms, o.t_max_ms, 1e12);
  });
  r.add("rate", read_rate);
  r.add("poisson", read_rate);  // another name for rate
  r.add("latency", [](json_fields& f, encoder_options& o) {
    o.type = encoder_options::kind::latency;
    o.tau_ms = f.number("tau_ms", 10.0, 1e-9, 1e12);
    o.threshold = f.number("threshold", 0.01, 0.0, 0.999999);
    o.t_max_ms = f.number("t_max_ms", 100.0, 1e-9, 1e12);
    o.duration_ms = f.number("duration_ms", o.t_max_ms, o.t_max_ms, 1e12);
  });
  return r;
}

}  // namespace

encoder_options parse_encoder(const nlohmann::json& value, const std::string& file, const std::string& pointer) {
  encoder_options o;
  nlohmann::json obj = value;
  if (value.is_string()) obj = nlohmann::json{{"type", value}};
  json_fields f(obj, file, pointer);
  const registry<encoder_factory> encoders = encoder_registry();
  const encoder_factory* read = f.has("type") ? &encoders.lookup(f.at("type")) : encoders.find("ttfs");
  (*read)(f, o);
  f.finish();
  return o;
}

namespace {
// A function object rather than a function pointer, so that std::sort inlines the comparison.
struct event_less {
  bool operator()(const input_event& a, const input_event& b) const {
    if (a.time_ms != b.time_ms) return a.time_ms < b.time_ms;
    if (a.channel != b.channel) return a.channel < b.channel;
    return a.grade < b.grade;
  }
};
}  // namespace

namespace {

// The encoders over any pixel getter; coupled: one random stream per channel (rate).
template <class Pixel>
void encode(const encoder_options& o, std::size_t n, Pixel&& pixel, std::uint64_t sample_seed, bool coupled,
            sample& out) {
  out.events.clear();
  out.duration_ms = o.window_ms();
  switch (o.type) {
    case encoder_options::kind::ttfs:
      for (std::size_t c = 0; c < n; ++c) {
        const double x = std::clamp(pixel(c), 0.0, 1.0);
        if (x > 0.0) out.events.push_back({o.t_max_ms * (1.0 - x), static_cast<std::uint32_t>(c), 1.0f});
      }
      break;
    case encoder_options::kind::latency:
      for (std::size_t c = 0; c < n; ++c) {
        const double x = std::clamp(pixel(c), 0.0, 1.0);
        if (x <= o.threshold) continue;
        const double t = o.tau_ms * std::log(x / (x - o.threshold));
        if (t <= o.t_max_ms) out.events.push_back({t, static_cast<std::uint32_t>(c), 1.0f});
      }
      break;
    case encoder_options::kind::rate: {
      rng shared(sample_seed);
      for (std::size_t c = 0; c < n; ++c) {
        const double x = std::clamp(pixel(c), 0.0, 1.0);
        const double rate_per_ms = x * o.max_rate_hz * 1e-3;
        if (!(rate_per_ms > 0.0)) continue;
        rng own(mix_seed(sample_seed, 0xc0091ed, c));
        rng& r = coupled ? own : shared;
        double t = r.exponential() / rate_per_ms;
        while (t < o.window_ms()) {
          out.events.push_back({t, static_cast<std::uint32_t>(c), 1.0f});
          t += r.exponential() / rate_per_ms;
        }
      }
      break;
    }
  }
  std::sort(out.events.begin(), out.events.end(), event_less{});
}

}  // namespace

void encode_image(const encoder_options& o, const image_set& set, std::size_t i, std::uint64_t sample_seed,
                  sample& out) {
  encode(o, set.pixels_per_image(), [&](std::size_t c) { return set.pixel(i, c); }, sample_seed, false, out);
}

void encode_intensities(const encoder_options& o, const std::vector<double>& pixels, std::uint64_t sample_seed,
                        sample& out) {
  encode(o, pixels.size(), [&](std::size_t c) { return pixels[c]; }, sample_seed, true, out);
}

}  // namespace evsnn::data
