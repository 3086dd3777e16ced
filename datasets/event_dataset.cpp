#include "datasets/event_dataset.hpp"

namespace evsnn::data {

event_dataset::event_dataset(std::shared_ptr<const event_store> store, std::uint32_t classes,
                             std::uint32_t channels, std::string description, sensor_layout layout,
                             std::vector<std::string> class_names)
    : store_(std::move(store)),
      classes_(classes),
      channels_(channels),
      description_(std::move(description)),
      layout_(layout),
      class_names_(std::move(class_names)) {}

void event_dataset::load(std::size_t i, sample& out, std::uint64_t /*draw*/) const {
  store_->copy_to(i, out);
  out.channels = channels_;
}

}  // namespace evsnn::data
