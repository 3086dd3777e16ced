#include "datasets/subset_dataset.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "datasets/rng.hpp"

namespace evsnn::data {

subset_dataset::subset_dataset(std::shared_ptr<const dataset> base, std::vector<std::size_t> indices,
                               std::string what)
    : base_(std::move(base)), indices_(std::move(indices)), what_(std::move(what)) {}

std::string subset_dataset::description() const {
  return fmt::format("{} [{}: {} of {}]", base_->description(), what_, indices_.size(), base_->size());
}

holdout_split stratified_holdout(const dataset& base, double fraction, std::uint64_t seed) {
  std::vector<std::vector<std::size_t>> by_class(base.classes());
  for (std::size_t i = 0; i < base.size(); ++i) {
    const auto l = base.label(i);
    if (l >= by_class.size()) by_class.resize(l + 1);
    by_class[l].push_back(i);
  }
  std::vector<char> held(base.size(), 0);
  for (std::size_t c = 0; c < by_class.size(); ++c) {
    auto& v = by_class[c];
    rng r(mix_seed(seed, 0x56414c4944ULL, c));
    r.shuffle(v);
    const auto k = static_cast<std::size_t>(std::llround(fraction * static_cast<double>(v.size())));
    for (std::size_t j = 0; j < k && j < v.size(); ++j) held[v[j]] = 1;
  }
  holdout_split s;
  for (std::size_t i = 0; i < base.size(); ++i) (held[i] ? s.held_out : s.kept).push_back(i);
  return s;
}

}  // namespace evsnn::data
