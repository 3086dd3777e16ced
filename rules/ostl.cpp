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

namespace {

// One presynaptic neuron's row: its trace e and gradient row over the layer's n neurons. Restrict parameters (the
// rows, the trace and the layer's vectors never overlap), so the loop runs in vector lanes.
void step_row(double* __restrict e, double* __restrict row, const double* __restrict psi,
              const double* __restrict reset, const double* __restrict g, double lambda, double x, std::uint32_t n) {
  for (std::uint32_t i = 0; i < n; ++i) {
    const double u = lambda * e[i] + x;  // ∂Ũ_t/∂W_ji
    row[i] += g[i] * psi[i] * u;
    e[i] = reset[i] * u;
  }
}

}  // namespace

std::uint64_t ostl_learner::step(const tick_step& s, std::span<double> grad, std::span<double> factor) {
  const std::uint32_t n = shape_.n;
  const double lambda = shape_.leak;
  for (std::uint32_t i = 0; i < n; ++i) factor[i] = s.g[i] * s.psi[i];
  for (const tick_input& in : s.x) active_.add(in.pre);
  for (std::uint32_t j : active_.list()) {
    const std::size_t at = std::size_t(j) * n;
    step_row(e_.data() + at, grad.data() + at, s.psi.data(), s.reset.data(), s.g.data(), lambda, s.x_dense[j], n);
  }
  return std::uint64_t(active_.list().size()) * n;
}

}  // namespace evsnn::rules
