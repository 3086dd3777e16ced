#include "datasets/randman_dataset.hpp"

#include <algorithm>
#include <utility>

namespace evsnn::data {

namespace {
constexpr std::size_t kept_draws = 2;  // besides draw 0
}  // namespace

randman_dataset::randman_dataset(randman_options options, std::string description)
    : options_(options), description_(std::move(description)) {}

randman_dataset::randman_dataset(randman_options options, std::string description, std::uint64_t fixed)
    : options_(options), description_(std::move(description)), fixed_(true), fixed_population_(fixed) {}

std::shared_ptr<randman_dataset::population> randman_dataset::population_of(std::uint64_t draw) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (draw == 0 || fixed_) {
    if (!base_) base_ = std::make_shared<population>(options_.classes);
    return base_;
  }
  const auto it = std::find_if(recent_.begin(), recent_.end(), [&](const auto& e) { return e.first == draw; });
  if (it != recent_.end()) return it->second;
  // Evicted draws stay alive for the threads still reading them (shared ownership).
  if (recent_.size() >= kept_draws) recent_.erase(recent_.begin());
  recent_.emplace_back(draw, std::make_shared<population>(options_.classes));
  return recent_.back().second;
}

void randman_dataset::load(std::size_t i, sample& out, std::uint64_t draw) const {
  const auto pop = population_of(draw);
  const auto c = static_cast<std::uint32_t>(i % options_.classes);
  std::call_once(pop->once[c],
                 [&] { pop->stores[c] = generate_randman_class(options_, c, fixed_ ? fixed_population_ : draw); });
  pop->stores[c]->copy_to(i / options_.classes, out);
  out.channels = options_.neurons;
}

}  // namespace evsnn::data
