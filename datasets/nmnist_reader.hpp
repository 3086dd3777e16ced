#pragma once
// Reader for N-MNIST (Orchard et al. 2015) as published: Train/<digit>/<n>.bin and
// Test/<digit>/<n>.bin, each file a sequence of 40-bit big-endian records
//   byte 0: x (0..33), byte 1: y (0..33), byte 2 bit 7: polarity (1 = ON),
//   byte 2 bits 6..0, byte 3, byte 4: 23-bit timestamp in microseconds.
// Channels: (polarity * 34 + y) * 34 + x (2 x 34 x 34 = 2312). Files are read when a sample is
// loaded (60,000 small files; nothing but the file list stays in memory).
// Errors name the file and the byte offset of the bad record.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "datasets/dataset.hpp"

namespace evsnn::data {

struct nmnist_options {
  double duration_ms = 0.0;  // 0: until the last event; otherwise fixed, later events dropped
  bool sort = false;         // false: timestamps going backwards are an error
};

// Parses one N-MNIST file held in memory into out.events (sorted) and out.duration_ms.
void parse_nmnist(std::span<const unsigned char> bytes, const std::string& name, const nmnist_options& options,
                  sample& out);

// A split of N-MNIST: one file per sample, labels from the digit folder.
class nmnist_dataset : public dataset {
 public:
  nmnist_dataset(std::vector<std::filesystem::path> files, std::vector<std::uint32_t> labels, nmnist_options options,
                 std::string description);

  std::size_t size() const override { return files_.size(); }
  std::uint32_t classes() const override { return 10; }
  std::uint32_t channels() const override { return 2 * 34 * 34; }
  std::uint32_t label(std::size_t i) const override { return labels_[i]; }
  void load(std::size_t i, sample& out, std::uint64_t draw) const override;
  std::string description() const override { return description_; }
  sensor_layout layout() const override { return {34, 34, 2}; }
  std::vector<std::string> class_names() const override;

  // Lists <dir>/<digit>/*.bin for digits 0..9, sorted by digit then file name. A missing digit
  // folder is a digit without samples; no digit folder at all is input_error.
  static std::unique_ptr<nmnist_dataset> open_folder(const std::filesystem::path& dir, nmnist_options options,
                                                     std::string description);

 private:
  std::vector<std::filesystem::path> files_;
  std::vector<std::uint32_t> labels_;
  nmnist_options options_;
  std::string description_;
};

}  // namespace evsnn::data
