#include "rules/approx_otpe.hpp"

#include <algorithm>

namespace evsnn::rules {

approx_otpe_learner::approx_otpe_learner(const tick_layer_shape& shape)
    : shape_(shape), a_(shape.n_in, 0.0), z_(shape.n_in, 0.0) {
  gbar_.resize(shape.n);
  active_.resize(shape.n_in);
}

void approx_otpe_learner::reset() {
  for (std::uint32_t j : active_.list()) a_[j] = z_[j] = 0.0;
  active_.clear();
  gbar_.reset();
}

std::uint64_t approx_otpe_learner::step(const tick_step& s, std::span<double> grad, std::span<double> factor) {
  const std::uint32_t n = shape_.n;
  gbar_.update(s.psi, s.g, shape_.leak_next, factor);
  for (const tick_input& in : s.x) active_.add(in.pre);
  for (std::uint32_t j : active_.list()) {
    a_[j] = shape_.leak * a_[j] + s.x_dense[j];
    const double z = z_[j] = shape_.leak_next * z_[j] + a_[j];
    double* row = grad.data() + std::size_t(j) * n;
    for (std::uint32_t i = 0; i < n; ++i) row[i] += factor[i] * z;
  }
  return 2 * std::uint64_t(active_.list().size()) + n;
}

}  // namespace evsnn::rules
