#include "datasets/image_dataset.hpp"

#include <fmt/format.h>

#include "datasets/rng.hpp"

namespace evsnn::data {

image_dataset::image_dataset(std::shared_ptr<const image_set> images, encoder_options encoder,
                             std::string description, std::vector<std::string> class_names)
    : images_(std::move(images)),
      encoder_(encoder),
      description_(std::move(description)),
      class_names_(std::move(class_names)) {}

void image_dataset::load(std::size_t i, sample& out, std::uint64_t draw) const {
  encode_image(encoder_, *images_, i, mix_seed(encoder_.seed, i, draw), out);
  out.label = images_->labels[i];
  out.channels = channels();
}

std::string image_dataset::pixel_code() const {
  switch (encoder_.type) {
    case encoder_options::kind::rate: return "rate";
    case encoder_options::kind::ttfs: return "ttfs";
    case encoder_options::kind::latency: return "latency";
  }
  return {};
}

void image_dataset::pixels(std::size_t i, std::vector<double>& out) const {
  out.resize(images_->pixels_per_image());
  for (std::size_t c = 0; c < out.size(); ++c) out[c] = images_->pixel(i, c);
}

void image_dataset::encode_pixels(std::size_t i, const std::vector<double>& px, sample& out, std::uint64_t draw) const {
  encode_intensities(encoder_, px, mix_seed(encoder_.seed, i, draw), out);
  out.label = images_->labels[i];
  out.channels = channels();
}

std::string image_dataset::description() const {
  return fmt::format("{}: {} images {}x{}, {}", description_, images_->count, images_->rows, images_->cols,
                     encoder_.describe());
}

}  // namespace evsnn::data
