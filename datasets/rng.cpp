#include "datasets/rng.hpp"

#include <cmath>
#include <numbers>

namespace evsnn::data {

std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
  std::uint64_t s = a ^ 0x6a09e667f3bcc909ULL;
  const std::uint64_t x = splitmix64(s);
  s = x ^ b;
  return splitmix64(s);
}

std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b, std::uint64_t c) { return mix_seed(mix_seed(a, b), c); }

std::uint64_t rng::below(std::uint64_t n) {
  // Rejection of the low, over-represented residues (OpenBSD arc4random_uniform): unbiased.
  const std::uint64_t threshold = (0 - n) % n;
  while (true) {
    const std::uint64_t x = next();
    if (x >= threshold) return x % n;
  }
}

double rng::normal() {
  const double u1 = uniform_pos();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double rng::exponential() { return -std::log(uniform_pos()); }

std::uint64_t rng::poisson(double lambda) {
  if (!(lambda > 0.0)) return 0;
  if (lambda < 30.0) {
    // Knuth's multiplication method.
    const double limit = std::exp(-lambda);
    double p = uniform_pos();
    std::uint64_t k = 0;
    while (p > limit) {
      p *= uniform_pos();
      ++k;
    }
    return k;
  }
  // Large mean: split into halves recursively keeps the method exact (sum of Poissons is Poisson).
  const double half = lambda * 0.5;
  return poisson(half) + poisson(lambda - half);
}

}  // namespace evsnn::data
