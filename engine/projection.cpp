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
  std::stable_sort(synapses.begin(), synapses.end(), [](const synapse_triplet& a, const synapse_triplet& b) {
    return a.pre < b.pre || (a.pre == b.pre && a.post < b.post);
  });
  const std::size_t n = synapses.size();
  row_ptr_.assign(n_pre + 1, 0);
  post_.resize(n);
  own_weights_.resize(n);
  weights_ = own_weights_;
  pre_of_.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    if (synapses[k].pre >= n_pre || synapses[k].post >= n_post)
      throw std::out_of_range("projection: synapse index out of range");
    ++row_ptr_[synapses[k].pre + 1];
    post_[k] = synapses[k].post;
    weights_[k] = stored(synapses[k].weight);
    pre_of_[k] = synapses[k].pre;
  }
  for (std::uint32_t i = 0; i < n_pre; ++i) row_ptr_[i + 1] += row_ptr_[i];

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
