#pragma once
// transform_options / transformed_dataset: event-stream transforms named in a dataset spec's
// "transforms" object, applied in this order to every sample a base dataset loads:
//   time_crop_ms [a, b]:   keep a <= t < b, shift times by -a, duration = min(duration, b) - a.
//   channel_downsample k:  2-D sensors/images pool x and y by k (channel layout kept);
//                          1-D channel lists merge k neighbouring channels (c -> c / k).
//   noise_hz r:            add Poisson background spikes at r Hz on every channel over the
//                          sample's duration (seeded by noise_seed, sample index and draw).
//   time_bin_ms dt:        snap times to bin starts floor(t / dt) * dt (the stepped twin's grid)
//                          and merge events of one channel in one bin into one event whose grade
//                          is the sum of their grades (the spike count when grades are 1).
//   time_bins n, tick_ms:  tonic's ToFrame(n_time_bins = n): per sample, times in whole µs
//                          (trunc(float32(t_ms * 1000)), tonic's SHD timestamps: float16 s * 1e6
//                          in float32, truncated), bin width w = (t_last - t_first) / n µs
//                          (integer division), bins [t_first + b w, t_first + (b + 1) w) for
//                          b < n; later events (always the last one) are dropped, as are all when
//                          w = 0. Each (bin, channel) becomes one event at b * tick_ms whose grade
//                          sums the grades (the count); duration = n * tick_ms. Excludes time_bin_ms.
// Invariant: the output satisfies sample's invariants whenever the input does.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "datasets/dataset.hpp"

namespace evsnn::data {

struct transform_options {
  std::optional<std::pair<double, double>> time_crop_ms;
  std::uint32_t channel_downsample = 1;
  double noise_hz = 0.0;
  std::uint64_t noise_seed = 1;
  double time_bin_ms = 0.0;
  std::uint32_t time_bins = 0;
  double tick_ms = 1.0;  // with time_bins

  bool any() const {
    return time_crop_ms || channel_downsample > 1 || noise_hz > 0.0 || time_bin_ms > 0.0 || time_bins > 0;
  }
  std::string describe() const;
};

transform_options parse_transforms(const nlohmann::json& value, const std::string& file, const std::string& pointer);

class transformed_dataset : public dataset {
 public:
  transformed_dataset(std::shared_ptr<const dataset> base, transform_options options);

  std::size_t size() const override { return base_->size(); }
  std::uint32_t classes() const override { return base_->classes(); }
  std::uint32_t channels() const override { return channels_; }
  std::uint32_t label(std::size_t i) const override { return base_->label(i); }
  void load(std::size_t i, sample& out, std::uint64_t draw) const override;
  std::string description() const override;
  sensor_layout layout() const override { return layout_; }
  std::vector<std::string> class_names() const override { return base_->class_names(); }

 private:
  std::shared_ptr<const dataset> base_;
  transform_options options_;
  sensor_layout base_layout_;
  sensor_layout layout_;
  std::uint32_t channels_;
};

}  // namespace evsnn::data
