#pragma once
// rng: xoshiro256** seeded through splitmix64, with distributions written out here so that the same
// seed gives the same numbers with every compiler and standard library (std::normal_distribution is
// implementation-defined). Streams for sub-objects are derived with derive(seed, a, b), never by
// sharing one generator across objects whose order of use could change.
#include <cmath>
#include <cstdint>

namespace evsnn {

// One step of splitmix64: advances state and returns the next output (also seeds rng).
std::uint64_t splitmix64(std::uint64_t& state);

class rng {
 public:
  explicit rng(std::uint64_t seed);

  std::uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1]: safe to take the logarithm of.
  double uniform_pos() { return static_cast<double>((next_u64() >> 11) + 1) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Uniform integer in [0, n), n > 0 (Lemire's nearly divisionless method, unbiased).
  std::uint64_t below(std::uint64_t n);
  // Standard normal by the Marsaglia polar method.
  double normal();
  double normal(double mean, double std_dev) { return mean + std_dev * normal(); }
  // Exponential with the given rate (events per unit).
  double exponential(double rate) { return -std::log(uniform_pos()) / rate; }

  // A seed for an independent stream identified by (seed, a, b).
  static std::uint64_t derive(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0);

 private:
  std::uint64_t s_[4];
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace evsnn
