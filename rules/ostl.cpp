#include "rules/ostl.hpp"

#include <algorithm>

namespace evsnn::rules {

ostl_learner::ostl_learner(const tick_layer_shape& shape)
    : shape_(shape), e_(std::size_t(shape.n_in) * shape.n, 0.0) {
  active_.resize(shape.n_in);
}

void ostl_learner::reset() {
  const std::uint32_t n = shape_.n;
  for (std::uint32_t j : active_.list()) std::fill_n(e_.begin() + std::ptrdiff_t(j) * n, n, 0.0);
  active_.clear();
}

std::uint64_t ostl_learner::step(const tick_step& s, std::span<double> grad, std::span<double> factor) {
  const std::uint32_t n = shape_.n;
  const double lambda = shape_.leak;
  for (std::uint32_t i = 0; i < n; ++i) factor[i] = s.g[i] * s.psi[i];
  for (const tick_input& in : s.x) active_.add(in.pre);
  for (std::uint32_t j : active_.list()) {
    const double x = s.x_dense[j];
    double* e = e_.data() + std::size_t(j) * n;
    double* row = grad.data() + std::size_t(j) * n;
    for (std::uint32_t i = 0; i < n; ++i) {
      const double u = lambda * e[i] + x;  // ∂Ũ_t/∂W_ji
      row[i] += s.g[i] * s.psi[i] * u;
      e[i] = s.reset[i] * u;
    }
  }
  return std::uint64_t(active_.list().size()) * n;
}

}  // namespace evsnn::rules
