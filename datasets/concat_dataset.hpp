#pragma once
// concat_dataset: the samples of several datasets one after the other (the "all" split).
// Invariant: all parts have the same channel count; classes() is the largest part's.
#include <memory>
#include <string>
#include <vector>

#include "datasets/dataset.hpp"

namespace evsnn::data {

class concat_dataset : public dataset {
 public:
  explicit concat_dataset(std::vector<std::shared_ptr<const dataset>> parts);

  std::size_t size() const override { return offsets_.back(); }
  std::uint32_t classes() const override { return classes_; }
  std::uint32_t channels() const override { return parts_.front()->channels(); }
  std::uint32_t label(std::size_t i) const override;
  void load(std::size_t i, sample& out, std::uint64_t draw) const override;
  std::string description() const override;
  sensor_layout layout() const override { return parts_.front()->layout(); }
  std::vector<std::string> class_names() const override { return parts_.front()->class_names(); }

 private:
  std::size_t part_of(std::size_t i) const;
  std::vector<std::shared_ptr<const dataset>> parts_;
  std::vector<std::size_t> offsets_{0};
  std::uint32_t classes_ = 0;
};

}  // namespace evsnn::data
