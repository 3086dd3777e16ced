#pragma once
// encoder: turns a static image (intensities x in [0, 1], one channel per pixel) into spikes.
//   ttfs:    one spike at t = t_max_ms * (1 - x); no spike for x == 0 (the SFDFA encoding).
//   rate:    a Poisson train of rate x * max_rate_hz over [0, duration_ms) per pixel.
//   latency: one spike at t = tau_ms * ln(x / (x - threshold)) for x > threshold, dropped when
//            later than t_max_ms (the RC-charging latency code of snnTorch / Tonic).
// Invariants: the produced events are sorted by (time_ms, channel) and lie in [0, duration];
// the output depends only on the image, the options and the sample seed.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "datasets/image_set.hpp"
#include "datasets/sample.hpp"

namespace evsnn::data {

class json_fields;

// A rate encoder may give each channel at most this many spikes per sample (expected, at the maximum rate):
// the events of a sample are held in memory, so max_rate_hz x duration_ms is bounded up front.
inline constexpr double max_rate_spikes_per_channel = 1e5;

struct encoder_options {
  enum class kind { ttfs, rate, latency };
  kind type = kind::ttfs;
  double t_max_ms = 100.0;      // ttfs, latency: spike window
  double max_rate_hz = 100.0;   // rate: rate of a pixel of intensity 1
  double duration_ms = 0.0;     // sample duration; 0: t_max_ms (ttfs, latency), 100 (rate)
  std::uint64_t seed = 1;       // rate
  double tau_ms = 10.0;         // latency
  double threshold = 0.01;      // latency

  double window_ms() const {
    if (duration_ms > 0.0) return duration_ms;
    return type == kind::rate ? 100.0 : t_max_ms;
  }
  std::string describe() const;
};

// Reads an "encoder" spec value: a string ("ttfs") or an object {"type": "rate", ...}.
encoder_options parse_encoder(const nlohmann::json& value, const std::string& file, const std::string& pointer);

// Encodes intensities (one per channel, clamped to [0, 1]) with the coupled rate code: channel c's Poisson
// train comes from its own stream (derived from sample_seed and c), so changing one intensity moves only that
// channel's spikes (times scale by 1/x for the same draws). ttfs and latency are as encode_image.
void encode_intensities(const encoder_options& options, const std::vector<double>& pixels, std::uint64_t sample_seed,
                        sample& out);

// Encodes image i of set into out.events and out.duration_ms (label and channels are the caller's).
void encode_image(const encoder_options& options, const image_set& set, std::size_t i, std::uint64_t sample_seed,
                  sample& out);

}  // namespace evsnn::data
