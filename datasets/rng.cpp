#include "datasets/rng.hpp"

#include <cmath>
#include <numbers>

namespace evsnn::data {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
  std::uint64_t s = a ^ 0x6a09e667f3bcc909ULL;
  const std::uint64_t x = splitmix64(s);
  s = x ^ b;
  return splitmix64(s);
}

std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b, std::uint64_t c) { return mix_seed(mix_seed(a, b), c); }

namespace {
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

rng::rng(std::uint64_t seed) {
  std::uint64_t st = seed;
  for (auto& s : s_) s = splitmix64(st);
}

std::uint64_t rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double rng::uniform_pos() { return (static_cast<double>(next() >> 11) + 1.0) * 0x1.0p-53; }

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
