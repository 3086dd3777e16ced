#pragma once
// alignment: how well a rule's learning signal lines up with exact backpropagation, measured during
// training. update_alignment averages, per layer, the cosine between the rule's update and a reference
// rule's gradient over the batches where both were computed (alignment.every_batches); feedback
// cosines compare each hidden layer's feedback matrix B^l with the effective linear map from that
// layer to the outputs, W^{l+1} ... W^{L-1}.
// Invariants: update_alignment holds one running sum and count per layer; a cosine that is not
// finite (a zero vector) is not counted; a layer without a counted batch reads as not_measured.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rules/layer_chain.hpp"

namespace evsnn::rules {

// cos(a, b) = a.b / (|a| |b|); not_measured when either is zero. a and b have the same size.
double cosine(std::span<const double> a, std::span<const double> b);

// The effective map from hidden layer l's neurons to the outputs, W^{l+1} ... W^{L-1} (n_l x n_out,
// row-major), from the weights of every layer (weights[k]: fan_in x size of chain layer k).
std::vector<double> effective_output_map(const std::vector<std::vector<double>>& weights, const layer_chain& chain,
                                         std::size_t l);

// cos(B^l, effective_output_map(l)) for every hidden layer l that has a feedback matrix.
std::vector<double> feedback_cosines(const std::vector<std::span<const float>>& feedback,
                                     const std::vector<std::vector<double>>& weights, const layer_chain& chain);

class update_alignment {
 public:
  explicit update_alignment(std::size_t layers) : sum_(layers, 0.0), count_(layers, 0) {}
  // Adds one batch: the rule's gradients and the reference's, per layer.
  void add(const std::vector<std::vector<double>>& grads, const std::vector<std::vector<double>>& reference);
  // The mean cosine per layer.
  std::vector<double> means() const;
  // The mean of the model-wide cosine (all layers' updates as one vector).
  double model_mean() const;

 private:
  std::vector<double> sum_;
  std::vector<std::uint64_t> count_;
  double model_sum_ = 0.0;
  std::uint64_t model_count_ = 0;
};

}  // namespace evsnn::rules
