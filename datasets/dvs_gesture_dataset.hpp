#pragma once
// dvs_gesture_dataset: the IBM DVS Gesture data set read from its published AEDAT 3.1 files.
// A folder (DvsGesture/) holds userNN_<lighting>.aedat, userNN_<lighting>_labels.csv
// ("class,startTime_usec,endTime_usec", classes 1..11) and trials_to_train.txt /
// trials_to_test.txt. Every labelled window of every trial is one sample (label = class - 1),
// times relative to the window start. Files are memory-mapped and indexed on first use.
// Invariants: channels 2 x 128 x 128 ((p * 128 + y) * 128 + x); label < 11.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "datasets/aedat_reader.hpp"
#include "datasets/dataset.hpp"
#include "datasets/file_bytes.hpp"

namespace evsnn::data {

class dvs_gesture_dataset : public dataset {
 public:
  // trials: the .aedat files of this split (their _labels.csv beside them are read now).
  dvs_gesture_dataset(const std::vector<std::filesystem::path>& trials, double duration_ms, std::string description);

  std::size_t size() const override { return windows_.size(); }
  std::uint32_t classes() const override { return 11; }
  std::uint32_t channels() const override { return 2 * 128 * 128; }
  std::uint32_t label(std::size_t i) const override { return windows_[i].label; }
  void load(std::size_t i, sample& out, std::uint64_t draw) const override;
  std::string description() const override { return description_; }
  sensor_layout layout() const override { return {128, 128, 2}; }
  std::vector<std::string> class_names() const override;

 private:
  struct trial {
    std::filesystem::path path;
    mutable std::once_flag once;
    mutable std::unique_ptr<file_bytes> bytes;
    mutable aedat_index index;
  };
  struct window {
    std::size_t trial;
    std::int64_t start_us;
    std::int64_t end_us;
    std::uint32_t label;
  };
  std::vector<std::unique_ptr<trial>> trials_;
  std::vector<window> windows_;
  double duration_ms_;
  std::string description_;
};

}  // namespace evsnn::data
