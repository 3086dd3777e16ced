#include "rules/ottt.hpp"

namespace evsnn::rules {

ottt_learner::ottt_learner(const tick_layer_shape& shape) : shape_(shape), a_(shape.n_in, 0.0) {
  active_.resize(shape.n_in);
}

void ottt_learner::reset() {
  for (std::uint32_t j : active_.list()) a_[j] = 0.0;
  active_.clear();
}

std::uint64_t ottt_learner::step(const tick_step& s, std::span<double> grad, std::span<double> factor) {
  const std::uint32_t n = shape_.n;
  for (std::uint32_t i = 0; i < n; ++i) factor[i] = s.g[i] * s.psi[i];
  for (const tick_input& in : s.x) active_.add(in.pre);
  const std::uint32_t bias = shape_.bias_input ? shape_.n_in - 1 : shape_.n_in;
  for (std::uint32_t j : active_.list()) {
    const double a = a_[j] = j == bias ? s.x_dense[j] : shape_.leak * a_[j] + s.x_dense[j];
    double* row = grad.data() + std::size_t(j) * n;
    for (std::uint32_t i = 0; i < n; ++i) row[i] += factor[i] * a;
  }
  return active_.list().size();
}

}  // namespace evsnn::rules
