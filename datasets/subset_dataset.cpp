#include "datasets/subset_dataset.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

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
  // Sample indices grouped by label (ascending, indices ascending within a label): one group per
  // class present, whatever the labels' values.
  std::vector<std::pair<std::uint32_t, std::size_t>> by_label(base.size());
  for (std::size_t i = 0; i < base.size(); ++i) by_label[i] = {base.label(i), i};
  std::sort(by_label.begin(), by_label.end());
  std::vector<char> held(base.size(), 0);
  std::vector<std::size_t> v;
  for (std::size_t begin = 0; begin < by_label.size();) {
    const std::uint32_t c = by_label[begin].first;
    std::size_t end = begin;
    v.clear();
    while (end < by_label.size() && by_label[end].first == c) v.push_back(by_label[end++].second);
    begin = end;
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
