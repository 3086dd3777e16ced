#include "rules/approx_otpe.hpp"

#include <algorithm>

namespace evsnn::rules {

approx_otpe_learner::approx_otpe_learner(const tick_layer_shape& shape)
    : shape_(shape), a_(shape.n_in, 0.0), z_(shape.n_in, 0.0), gbar_(shape.n, 0.0) {
  active_.resize(shape.n_in);
}

void approx_otpe_learner::reset() {
  for (std::uint32_t j : active_.list()) a_[j] = z_[j] = 0.0;
  active_.clear();
  std::fill(gbar_.begin(), gbar_.end(), 0.0);
  c_ = 0.0;
}

std::uint64_t approx_otpe_learner::step(const tick_step& s, std::span<double> grad, std::span<double> factor) {
  const std::uint32_t n = shape_.n;
  const double carried = shape_.leak_next * c_;
  c_ = carried + 1.0;
  for (std::uint32_t i = 0; i < n; ++i) {
    gbar_[i] = (carried * gbar_[i] + s.psi[i]) / c_;
    factor[i] = s.g[i] * gbar_[i];
  }
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
