#include "engine/projection.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace evsnn {

projection::projection(std::string name, std::uint32_t pre_population, std::uint32_t post_population,
                       std::uint32_t n_pre, std::uint32_t n_post, double delay_ms, bool graded,
                       std::vector<synapse_triplet> synapses, bool float32)
    : name_(std::move(name)),
      pre_population_(pre_population),
      post_population_(post_population),
      n_pre_(n_pre),
      n_post_(n_post),
      delay_ms_(delay_ms),
      graded_(graded),
      float32_(float32) {
  if (synapses.size() >= UINT32_MAX) throw std::length_error("projection: too many synapses");
  const std::size_t n = synapses.size();
  for (const synapse_triplet& s : synapses)
    if (s.pre >= n_pre || s.post >= n_post) throw std::out_of_range("projection: synapse index out of range");
  // Stable sort by (pre, post): a counting sort by pre (stable: input order within a row), then each row
  // stably by post — O(n) plus short sorts, where one stable_sort of all triplets was the loader's cost.
  row_ptr_.assign(static_cast<std::size_t>(n_pre) + 1, 0);
  for (const synapse_triplet& s : synapses) ++row_ptr_[s.pre + 1];
  for (std::uint32_t i = 0; i < n_pre; ++i) row_ptr_[i + 1] += row_ptr_[i];
  const std::vector<std::uint32_t>& start = row_ptr_;
  {
    bool sorted = true;
    for (std::size_t k = 1; sorted && k < n; ++k)
      sorted = synapses[k - 1].pre < synapses[k].pre ||
               (synapses[k - 1].pre == synapses[k].pre && synapses[k - 1].post <= synapses[k].post);
    if (!sorted) {
      std::vector<synapse_triplet> by_pre(n);
      std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
      for (const synapse_triplet& s : synapses) by_pre[fill[s.pre]++] = s;
      for (std::uint32_t i = 0; i < n_pre; ++i)
        std::stable_sort(by_pre.begin() + start[i], by_pre.begin() + start[i + 1],
                         [](const synapse_triplet& a, const synapse_triplet& b) { return a.post < b.post; });
      synapses.swap(by_pre);
    }
  }
  post_.resize(n);
  own_weights_.resize(n);
  weights_ = own_weights_;
  pre_of_.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    post_[k] = synapses[k].post;
    weights_[k] = stored(synapses[k].weight);
    pre_of_[k] = synapses[k].pre;
  }

  dense_ = n == static_cast<std::size_t>(n_pre) * n_post;
  for (std::size_t k = 0; dense_ && k < n; ++k) dense_ = post_[k] == k % n_post;

  in_ptr_.assign(n_post + 1, 0);
  for (std::uint32_t p : post_) ++in_ptr_[p + 1];
  for (std::uint32_t j = 0; j < n_post; ++j) in_ptr_[j + 1] += in_ptr_[j];
  in_synapse_.resize(n);
  std::vector<std::uint32_t> fill(in_ptr_.begin(), in_ptr_.end() - 1);
  for (std::size_t k = 0; k < n; ++k) in_synapse_[fill[post_[k]]++] = static_cast<std::uint32_t>(k);
}

void projection::round_weights() {
  if (float32_)
    for (double& w : weights_) w = stored(w);
}

void projection::share_weights(std::span<double> storage) {
  if (storage.size() != post_.size())
    throw std::logic_error("projection '" + name_ + "': share_weights: " + std::to_string(storage.size()) +
                           " values for " + std::to_string(post_.size()) + " synapses");
  weights_ = storage;
  own_weights_.clear();
  own_weights_.shrink_to_fit();
}

std::size_t projection::add_column(const std::string& name, double initial) {
  for (std::size_t i = 0; i < column_names_.size(); ++i)
    if (column_names_[i] == name) return i;
  column_names_.push_back(name);
  columns_.emplace_back(post_.size(), initial);
  return columns_.size() - 1;
}

}  // namespace evsnn
