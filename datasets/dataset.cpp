#include "datasets/dataset.hpp"

#include <stdexcept>

#include <numeric>

#include "datasets/rng.hpp"

namespace evsnn::data {

void dataset::pixels(std::size_t, std::vector<double>&) const {
  throw std::logic_error("dataset::pixels: not an image data set");
}

void dataset::encode_pixels(std::size_t, const std::vector<double>&, sample&, std::uint64_t) const {
  throw std::logic_error("dataset::encode_pixels: not an image data set");
}

sample dataset::get(std::size_t i, std::uint64_t draw) const {
  sample s;
  load(i, s, draw);
  return s;
}

std::vector<std::size_t> dataset::shuffled_indices(std::uint64_t seed) const {
  std::vector<std::size_t> order(size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  rng r(mix_seed(seed, 0x5348554646ULL));
  r.shuffle(order);
  return order;
}

std::vector<std::size_t> dataset::class_counts() const {
  std::vector<std::size_t> counts(classes(), 0);
  for (std::size_t i = 0; i < size(); ++i) {
    const auto l = label(i);
    if (l < counts.size()) ++counts[l];
  }
  return counts;
}

}  // namespace evsnn::data
