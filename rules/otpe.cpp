#include "rules/otpe.hpp"

#include <algorithm>

namespace evsnn::rules {

otpe_learner::otpe_learner(const tick_layer_shape& shape)
    : shape_(shape),
      e_(std::size_t(shape.n_in) * shape.n, 0.0),
      r_(std::size_t(shape.n_in) * shape.n, 0.0) {
  gbar_.resize(shape.n);
  active_.resize(shape.n_in);
}

void otpe_learner::reset() {
  const std::uint32_t n = shape_.n;
  for (std::uint32_t j : active_.list()) {
    std::fill_n(e_.begin() + std::ptrdiff_t(j) * n, n, 0.0);
    std::fill_n(r_.begin() + std::ptrdiff_t(j) * n, n, 0.0);
  }
  active_.clear();
  gbar_.reset();
}

std::uint64_t otpe_learner::step(const tick_step& s, std::span<double> grad, std::span<double> factor) {
  const std::uint32_t n = shape_.n;
  const double lambda = shape_.leak, lambda_next = shape_.leak_next;
  gbar_.update(s.psi, s.g, lambda_next, factor);
  for (const tick_input& in : s.x) active_.add(in.pre);
  for (std::uint32_t j : active_.list()) {
    const double x = s.x_dense[j];
    double* e = e_.data() + std::size_t(j) * n;
    double* r = r_.data() + std::size_t(j) * n;
    double* row = grad.data() + std::size_t(j) * n;
    for (std::uint32_t i = 0; i < n; ++i) {
      const double u = lambda * e[i] + x;
      r[i] = lambda_next * r[i] + s.psi[i] * u;
      e[i] = s.reset[i] * u;
      row[i] += s.g[i] * r[i];
    }
  }
  return 2 * std::uint64_t(active_.list().size()) * n + n;
}

}  // namespace evsnn::rules
