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

namespace {

// One presynaptic neuron's row: its traces e, r and gradient row over the layer's n neurons. Restrict parameters
// (the rows, the traces and the layer's vectors never overlap), so the loop runs in vector lanes.
void step_row(double* __restrict e, double* __restrict r, double* __restrict row, const double* __restrict psi,
              const double* __restrict reset, const double* __restrict g, double lambda, double lambda_next, double x,
              std::uint32_t n) {
  for (std::uint32_t i = 0; i < n; ++i) {
    const double u = lambda * e[i] + x;
    r[i] = lambda_next * r[i] + psi[i] * u;
    e[i] = reset[i] * u;
    row[i] += g[i] * r[i];
  }
}

}  // namespace

std::uint64_t otpe_learner::step(const tick_step& s, std::span<double> grad, std::span<double> factor) {
  const std::uint32_t n = shape_.n;
  const double lambda = shape_.leak, lambda_next = shape_.leak_next;
  gbar_.update(s.psi, s.g, lambda_next, factor);
  for (const tick_input& in : s.x) active_.add(in.pre);
  for (std::uint32_t j : active_.list()) {
    const std::size_t at = std::size_t(j) * n;
    step_row(e_.data() + at, r_.data() + at, grad.data() + at, s.psi.data(), s.reset.data(), s.g.data(), lambda,
             lambda_next, s.x_dense[j], n);
  }
  return 2 * std::uint64_t(active_.list().size()) * n + n;
}

}  // namespace evsnn::rules
