#pragma once
// dataset: a fixed, indexable collection of labelled samples (one split of a data set, already
// encoded and transformed as its spec says). Every reader, generator and split view implements it.
// Invariants: size() is fixed after construction; label(i) < classes() for every i < size();
// load(i, out, draw) fills out with a sample that satisfies sample's invariants, with
// out.channels == channels() and out.label == label(i); the result depends only on (i, draw)
// (and the spec's seeds), never on call order. load() is const and safe to call from several
// threads at once. `draw` picks the realisation of stochastic encoders and transforms (Poisson
// rate code, noise): pass the epoch number to get fresh spikes every epoch, 0 for the default.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/sample.hpp"

namespace evsnn::data {

// Labels are class indices, the output neuron a network answers with: every reader refuses a
// label >= max_classes (one line naming the file and the row), so tables with one entry per class
// (counts, stratified splits) stay small however large a label a file claims.
inline constexpr std::uint32_t max_classes = 65536;

// Geometry of the channels when they come from a 2-D sensor or image:
// channel = (polarity * height + y) * width + x. width == 0 means a 1-D channel list.
struct sensor_layout {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t polarities = 0;
};

class dataset {
 public:
  virtual ~dataset() = default;

  virtual std::size_t size() const = 0;
  virtual std::uint32_t classes() const = 0;
  virtual std::uint32_t channels() const = 0;
  virtual std::uint32_t label(std::size_t i) const = 0;
  virtual void load(std::size_t i, sample& out, std::uint64_t draw) const = 0;
  // One line saying what this is, e.g. "fashion-mnist train: IDX images, ttfs t_max_ms=100".
  virtual std::string description() const = 0;
  virtual sensor_layout layout() const { return {}; }
  // Names of the classes when the data set has them (empty otherwise).
  virtual std::vector<std::string> class_names() const { return {}; }
  // Static images (attacks perturb pixels): true when samples are encoded images; pixels(i) writes the
  // intensities in [0, 1] of sample i (channels() values), and encode_pixels encodes any intensities as
  // sample i's (label, channels, duration) with a coupled code: each pixel's rate spikes from its own random
  // stream, so a perturbed pixel moves its own spikes only. The base versions refuse (std::logic_error).
  virtual bool has_pixels() const { return false; }
  // The code that turns pixels into spikes ("rate", "ttfs", "latency"); empty without pixels.
  virtual std::string pixel_code() const { return {}; }
  virtual void pixels(std::size_t i, std::vector<double>& out) const;
  virtual void encode_pixels(std::size_t i, const std::vector<double>& pixels, sample& out, std::uint64_t draw) const;

  // Convenience: a fresh sample (allocates; prefer load() with a reused buffer in loops).
  sample get(std::size_t i, std::uint64_t draw = 0) const;
  // 0..size()-1 shuffled by a seeded Fisher-Yates: identical for a seed on every machine.
  std::vector<std::size_t> shuffled_indices(std::uint64_t seed) const;
  // Number of samples of each class (length classes(), at most max_classes).
  std::vector<std::size_t> class_counts() const;
};

}  // namespace evsnn::data
