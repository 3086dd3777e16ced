#include "datasets/transform.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "datasets/json_fields.hpp"
#include "datasets/rng.hpp"
#include "engine/error.hpp"

namespace evsnn::data {

namespace {

// A time in ms as tonic's integer µs on SHD: float16 seconds * 1e6 computed in float32, then
// truncated. The reader's t_ms = t_s * 1000 is exact for float16 t_s, so t_ms * 1000 is the exact
// product and the float rounding is float32's.
std::int64_t tonic_microseconds(double t_ms) {
  return static_cast<std::int64_t>(static_cast<float>(t_ms * 1000.0));
}

// Merges events of one channel at one time into one event whose grade sums theirs (sorts first).
void merge_equal_events(std::vector<input_event>& ev) {
  sort_events(ev);
  std::size_t w = 0;
  for (std::size_t r = 0; r < ev.size(); ++r) {
    if (w > 0 && ev[w - 1].time_ms == ev[r].time_ms && ev[w - 1].channel == ev[r].channel)
      ev[w - 1].grade += ev[r].grade;
    else
      ev[w++] = ev[r];
  }
  ev.resize(w);
}

}  // namespace

std::string transform_options::describe() const {
  std::string s;
  auto add = [&](const std::string& t) { s += (s.empty() ? "" : ", ") + t; };
  if (time_crop_ms) add(fmt::format("time_crop_ms [{}, {}]", time_crop_ms->first, time_crop_ms->second));
  if (channel_downsample > 1) add(fmt::format("channel_downsample {}", channel_downsample));
  if (noise_hz > 0.0) add(fmt::format("noise_hz {} seed {}", noise_hz, noise_seed));
  if (time_bin_ms > 0.0) add(fmt::format("time_bin_ms {}", time_bin_ms));
  if (time_bins > 0) add(fmt::format("time_bins {} tick_ms {}", time_bins, tick_ms));
  return s;
}

transform_options parse_transforms(const nlohmann::json& value, const std::string& file, const std::string& pointer) {
  transform_options o;
  json_fields f(value, file, pointer);
  if (f.has("time_crop_ms")) {
    const auto& v = f.raw("time_crop_ms");
    if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number())
      f.fail("time_crop_ms", "expected [start_ms, end_ms]");
    const double a = v[0].get<double>();
    const double b = v[1].get<double>();
    if (!std::isfinite(a) || !std::isfinite(b) || a < 0.0 || b <= a)
      f.fail("time_crop_ms", fmt::format("[{}, {}] is not a window 0 <= start < end", a, b));
    o.time_crop_ms = std::make_pair(a, b);
  }
  o.channel_downsample = static_cast<std::uint32_t>(f.integer("channel_downsample", 1, 1, 1u << 20));
  o.noise_hz = f.number("noise_hz", 0.0, 0.0, 1e6);
  o.noise_seed = f.integer("noise_seed", 1, 0, ~0ULL);
  o.time_bin_ms = f.number("time_bin_ms", 0.0, 0.0, 1e12);
  o.time_bins = static_cast<std::uint32_t>(f.integer("time_bins", 0, 0, 1u << 24));
  if (o.time_bins > 0 && o.time_bin_ms > 0.0) f.fail("time_bins", "excludes \"time_bin_ms\" (choose one binning)");
  if (o.time_bins == 0 && f.has("tick_ms")) f.fail("tick_ms", "needs \"time_bins\"");
  o.tick_ms = f.number("tick_ms", 1.0, 1e-9, 1e9);
  f.finish();
  return o;
}

transformed_dataset::transformed_dataset(std::shared_ptr<const dataset> base, transform_options options)
    : base_(std::move(base)), options_(options), base_layout_(base_->layout()), layout_(base_layout_) {
  const std::uint32_t k = options_.channel_downsample;
  channels_ = base_->channels();
  if (k > 1) {
    if (base_layout_.width > 0) {
      layout_.width = (base_layout_.width + k - 1) / k;
      layout_.height = (base_layout_.height + k - 1) / k;
      channels_ = layout_.width * layout_.height * std::max(1u, layout_.polarities);
    } else {
      channels_ = (channels_ + k - 1) / k;
    }
  }
}

void transformed_dataset::load(std::size_t i, sample& out, std::uint64_t draw) const {
  base_->load(i, out, draw);
  auto& ev = out.events;
  bool resort = false;
  if (options_.time_crop_ms) {
    const auto [a, b] = *options_.time_crop_ms;
    std::size_t w = 0;
    for (const auto& e : ev)
      if (e.time_ms >= a && e.time_ms < b) ev[w++] = {e.time_ms - a, e.channel, e.grade};
    ev.resize(w);
    out.duration_ms = std::max(0.0, std::min(out.duration_ms, b) - a);
  }
  const std::uint32_t k = options_.channel_downsample;
  if (k > 1) {
    if (base_layout_.width > 0) {
      const std::uint32_t w0 = base_layout_.width;
      const std::uint32_t h0 = base_layout_.height;
      for (auto& e : ev) {
        const std::uint32_t x = e.channel % w0;
        const std::uint32_t y = (e.channel / w0) % h0;
        const std::uint32_t p = e.channel / (w0 * h0);
        e.channel = (p * layout_.height + y / k) * layout_.width + x / k;
      }
    } else {
      for (auto& e : ev) e.channel /= k;
    }
    resort = true;  // pooling can break channel order among equal times
  }
  if (options_.noise_hz > 0.0 && out.duration_ms > 0.0) {
    rng r(mix_seed(options_.noise_seed, i, draw));
    const double rate_per_ms = options_.noise_hz * 1e-3;
    for (std::uint32_t c = 0; c < channels_; ++c) {
      double t = r.exponential() / rate_per_ms;
      while (t < out.duration_ms) {
        ev.push_back({t, c, 1.0f});
        t += r.exponential() / rate_per_ms;
      }
    }
    resort = true;
  }
  if (resort) sort_events(ev);
  if (options_.time_bin_ms > 0.0) {
    const double dt = options_.time_bin_ms;
    for (auto& e : ev) e.time_ms = std::floor(e.time_ms / dt) * dt;
    merge_equal_events(ev);
  }
  if (options_.time_bins > 0) {
    const std::int64_t n = options_.time_bins;
    std::size_t w = 0;
    if (!ev.empty()) {
      const std::int64_t first = tonic_microseconds(ev.front().time_ms);
      const std::int64_t width = (tonic_microseconds(ev.back().time_ms) - first) / n;
      for (const auto& e : ev) {
        if (width == 0) break;
        const std::int64_t bin = (tonic_microseconds(e.time_ms) - first) / width;
        if (bin < n) ev[w++] = {static_cast<double>(bin) * options_.tick_ms, e.channel, e.grade};
      }
    }
    ev.resize(w);
    merge_equal_events(ev);
    out.duration_ms = static_cast<double>(n) * options_.tick_ms;
  }
  out.channels = channels_;
}

std::string transformed_dataset::description() const {
  return fmt::format("{}; transforms: {}", base_->description(), options_.describe());
}

}  // namespace evsnn::data
