#include "rules/alignment.hpp"

#include <cmath>

#include "rules/train_log.hpp"

namespace evsnn::rules {

double cosine(std::span<const double> a, std::span<const double> b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : not_measured;
}

std::vector<double> effective_output_map(const std::vector<std::vector<double>>& weights, const layer_chain& chain,
                                         std::size_t l) {
  const std::size_t L = weights.size();
  std::vector<double> eff(weights[L - 1].begin(), weights[L - 1].end());  // n_{L-2} x n_out
  for (std::size_t k = L - 1; k-- > l + 1;) {
    const std::size_t rows = chain.layers[k].fan_in, mid = chain.layers[k].size, cols = chain.output().size;
    std::vector<double> next(rows * cols, 0.0);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t q = 0; q < mid; ++q) {
        const double a = weights[k][r * mid + q];
        if (a != 0.0)
          for (std::size_t c = 0; c < cols; ++c) next[r * cols + c] += a * eff[q * cols + c];
      }
    eff = std::move(next);
  }
  return eff;
}

std::vector<double> feedback_cosines(const std::vector<std::span<const float>>& feedback,
                                     const std::vector<std::vector<double>>& weights, const layer_chain& chain) {
  std::vector<double> out;
  if (feedback.empty()) return out;
  for (std::size_t l = 0; l + 1 < weights.size(); ++l) {
    const std::vector<double> b(feedback[l].begin(), feedback[l].end());
    out.push_back(cosine(b, effective_output_map(weights, chain, l)));
  }
  return out;
}

void update_alignment::add(const std::vector<std::vector<double>>& grads,
                           const std::vector<std::vector<double>>& reference) {
  for (std::size_t l = 0; l < sum_.size(); ++l) {
    const double c = cosine(grads[l], reference[l]);
    if (std::isfinite(c)) sum_[l] += c, ++count_[l];
  }
  double dot = 0.0, na = 0.0, nb = 0.0;
  for (std::size_t l = 0; l < sum_.size(); ++l)
    for (std::size_t k = 0; k < grads[l].size(); ++k) {
      dot += grads[l][k] * reference[l][k];
      na += grads[l][k] * grads[l][k];
      nb += reference[l][k] * reference[l][k];
    }
  const double c = dot / std::sqrt(na * nb);
  if (std::isfinite(c)) model_sum_ += c, ++model_count_;
}

std::vector<double> update_alignment::means() const {
  std::vector<double> out(sum_.size());
  for (std::size_t l = 0; l < out.size(); ++l)
    out[l] = count_[l] ? sum_[l] / static_cast<double>(count_[l]) : not_measured;
  return out;
}

double update_alignment::model_mean() const {
  return model_count_ ? model_sum_ / static_cast<double>(model_count_) : not_measured;
}

}  // namespace evsnn::rules
