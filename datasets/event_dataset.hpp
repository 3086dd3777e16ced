#pragma once
// event_dataset: a dataset whose samples are event streams held in memory in an event_store
// (SHD/SSC, CSV, generators). load() copies sample i out.
// Invariants: every stored channel < channels(); every stored label < classes().
#include <memory>
#include <string>
#include <vector>

#include "datasets/dataset.hpp"
#include "datasets/event_store.hpp"

namespace evsnn::data {

class event_dataset : public dataset {
 public:
  event_dataset(std::shared_ptr<const event_store> store, std::uint32_t classes, std::uint32_t channels,
                std::string description, sensor_layout layout = {}, std::vector<std::string> class_names = {});

  std::size_t size() const override { return store_->size(); }
  std::uint32_t classes() const override { return classes_; }
  std::uint32_t channels() const override { return channels_; }
  std::uint32_t label(std::size_t i) const override { return store_->label(i); }
  void load(std::size_t i, sample& out, std::uint64_t draw) const override;
  std::string description() const override { return description_; }
  sensor_layout layout() const override { return layout_; }
  std::vector<std::string> class_names() const override { return class_names_; }

 private:
  std::shared_ptr<const event_store> store_;
  std::uint32_t classes_;
  std::uint32_t channels_;
  std::string description_;
  sensor_layout layout_;
  std::vector<std::string> class_names_;
};

}  // namespace evsnn::data
