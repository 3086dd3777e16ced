#pragma once
// rng: the data layer's random numbers: the engine's xoshiro256** generator (engine/rng.hpp) with
// the distributions the data sets use (Box-Muller normal, Poisson counts, modulo-rejection below(),
// shuffles). Its output depends only on the seed (no std:: distributions), so shuffles, Poisson
// spikes and Randman manifolds are identical on every platform and compiler.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/rng.hpp"

namespace evsnn::data {

using evsnn::splitmix64;

// Combines seeds into one (e.g. dataset seed, sample index, draw) deterministically.
std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b);
std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b, std::uint64_t c);

class rng {
 public:
  explicit rng(std::uint64_t seed) : core_(seed) {}

  std::uint64_t next() { return core_.next_u64(); }
  // Uniform double in [0, 1) with 53 random bits.
  double uniform() { return core_.uniform(); }
  // Uniform double in (0, 1]: safe for log().
  double uniform_pos() { return core_.uniform_pos(); }
  // Uniform integer in [0, n) without modulo bias; n > 0.
  std::uint64_t below(std::uint64_t n);
  // Standard normal by Box-Muller (our own, bit-reproducible given std::log/std::sqrt/std::cos).
  double normal();
  // Exponential with rate 1.
  double exponential();
  // Poisson count with mean lambda >= 0 (inversion for small lambda, PTRS-free normal split for large).
  std::uint64_t poisson(double lambda);
  // Fisher-Yates shuffle.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(below(i));
      T tmp = v[i - 1];
      v[i - 1] = v[j];
      v[j] = tmp;
    }
  }

 private:
  evsnn::rng core_;
};

}  // namespace evsnn::data
