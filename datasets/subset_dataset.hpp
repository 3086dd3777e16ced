#pragma once
// subset_dataset: a view of some samples of another dataset, in a given order (a split, a
// held-out validation part, a limit). Sample k of the view is sample indices[k] of the base,
// loaded with the base's index so stochastic encodings agree with the base.
// Invariant: every index < base->size().
#include <memory>
#include <string>
#include <vector>

#include "datasets/dataset.hpp"

namespace evsnn::data {

class subset_dataset : public dataset {
 public:
  subset_dataset(std::shared_ptr<const dataset> base, std::vector<std::size_t> indices, std::string what);

  std::size_t size() const override { return indices_.size(); }
  std::uint32_t classes() const override { return base_->classes(); }
  std::uint32_t channels() const override { return base_->channels(); }
  std::uint32_t label(std::size_t i) const override { return base_->label(indices_[i]); }
  void load(std::size_t i, sample& out, std::uint64_t draw) const override { base_->load(indices_[i], out, draw); }
  std::string description() const override;
  sensor_layout layout() const override { return base_->layout(); }
  std::vector<std::string> class_names() const override { return base_->class_names(); }
  bool has_pixels() const override { return base_->has_pixels(); }
  std::string pixel_code() const override { return base_->pixel_code(); }
  void pixels(std::size_t i, std::vector<double>& out) const override { base_->pixels(indices_[i], out); }
  void encode_pixels(std::size_t i, const std::vector<double>& px, sample& out, std::uint64_t draw) const override {
    base_->encode_pixels(indices_[i], px, out, draw);
  }

  const std::vector<std::size_t>& indices() const { return indices_; }

 private:
  std::shared_ptr<const dataset> base_;
  std::vector<std::size_t> indices_;
  std::string what_;
};

// Splits base into (kept, held out): a stratified, seeded choice of round(fraction * n_c)
// samples of every class c is held out. Both parts keep the base order.
struct holdout_split {
  std::vector<std::size_t> kept;
  std::vector<std::size_t> held_out;
};
holdout_split stratified_holdout(const dataset& base, double fraction, std::uint64_t seed);

}  // namespace evsnn::data
