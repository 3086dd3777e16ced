#include "datasets/concat_dataset.hpp"

#include <algorithm>

#include "engine/error.hpp"

namespace evsnn::data {

concat_dataset::concat_dataset(std::vector<std::shared_ptr<const dataset>> parts) : parts_(std::move(parts)) {
  if (parts_.empty()) throw input_error("concat_dataset: no parts");
  for (const auto& p : parts_) {
    if (p->channels() != parts_.front()->channels())
      throw input_error("data set parts have different channel counts: " + p->description());
    offsets_.push_back(offsets_.back() + p->size());
    classes_ = std::max(classes_, p->classes());
  }
}

std::size_t concat_dataset::part_of(std::size_t i) const {
  return static_cast<std::size_t>(std::upper_bound(offsets_.begin(), offsets_.end(), i) - offsets_.begin()) - 1;
}

std::uint32_t concat_dataset::label(std::size_t i) const {
  const auto p = part_of(i);
  return parts_[p]->label(i - offsets_[p]);
}

void concat_dataset::load(std::size_t i, sample& out, std::uint64_t draw) const {
  const auto p = part_of(i);
  parts_[p]->load(i - offsets_[p], out, draw);
}

std::string concat_dataset::description() const {
  std::string s;
  for (const auto& p : parts_) s += (s.empty() ? "" : " + ") + p->description();
  return s;
}

}  // namespace evsnn::data
