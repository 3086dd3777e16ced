// rng: reproducibility, derived streams, and the distributions' ranges and moments.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "engine/rng.hpp"

using namespace evsnn;

TEST_CASE("rng: same seed gives the same sequence, different seeds differ") {
  rng a(42), b(42), c(43);
  int differ = 0;
  for (int k = 0; k < 1000; ++k) {
    const std::uint64_t x = a.next_u64();
    CHECK(x == b.next_u64());
    differ += x != c.next_u64();
  }
  CHECK(differ > 990);
  // Distributions are reproducible too (the normal's cached spare included).
  rng d(7), e(7);
  for (int k = 0; k < 1001; ++k) {
    CHECK(d.normal() == e.normal());
    CHECK(d.uniform() == e.uniform());
    CHECK(d.below(1000) == e.below(1000));
    CHECK(d.exponential(2.0) == e.exponential(2.0));
  }
  // Seed 0 is a valid seed (splitmix64 seeding never yields the all-zero state).
  rng z(0);
  std::set<std::uint64_t> values;
  for (int k = 0; k < 100; ++k) values.insert(z.next_u64());
  CHECK(values.size() == 100);
}

TEST_CASE("rng: derive() gives distinct, reproducible streams") {
  CHECK(rng::derive(1, 2, 3) == rng::derive(1, 2, 3));
  std::set<std::uint64_t> seeds;
  int n = 0;
  for (std::uint64_t s = 0; s < 4; ++s)
    for (std::uint64_t a = 0; a < 16; ++a)
      for (std::uint64_t b = 0; b < 16; ++b, ++n) seeds.insert(rng::derive(s, a, b));
  CHECK(seeds.size() == static_cast<std::size_t>(n));
  // derive(s, a, b) is not symmetric in a and b, and the default b is 0.
  CHECK(rng::derive(9, 1, 2) != rng::derive(9, 2, 1));
  CHECK(rng::derive(9, 5) == rng::derive(9, 5, 0));
  CHECK(rng::derive(9, 5) != 9);
  // Streams from neighbouring derived seeds are uncorrelated: first outputs all differ, and the
  // fraction of equal bits between two streams is about 1/2.
  rng x(rng::derive(3, 0, 0)), y(rng::derive(3, 0, 1));
  int equal_bits = 0;
  const int draws = 2000;
  for (int k = 0; k < draws; ++k) equal_bits += 64 - std::popcount(x.next_u64() ^ y.next_u64());
  const double frac = static_cast<double>(equal_bits) / (64.0 * draws);
  CHECK(frac == doctest::Approx(0.5).epsilon(0.01));
}

TEST_CASE("rng: uniform in [0, 1), uniform_pos in (0, 1], uniform(low, high) in range") {
  rng r(123);
  double mean = 0, lo = 1, hi = 0;
  const int n = 100000;
  for (int k = 0; k < n; ++k) {
    const double u = r.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    mean += u;
  }
  mean /= n;
  CHECK(std::fabs(mean - 0.5) < 5.0 * std::sqrt(1.0 / 12.0 / n));
  CHECK(lo < 1e-3);
  CHECK(hi > 1.0 - 1e-3);
  for (int k = 0; k < n; ++k) {
    const double u = r.uniform_pos();
    REQUIRE(u > 0.0);
    REQUIRE(u <= 1.0);
    REQUIRE(std::isfinite(std::log(u)));
    const double v = r.uniform(-3.0, 5.0);
    REQUIRE(v >= -3.0);
    REQUIRE(v < 5.0);
  }
}

TEST_CASE("rng: below(n) is in range and roughly uniform (chi-square)") {
  rng r(2024);
  for (std::uint64_t n : {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{7}, std::uint64_t{1} << 40,
                          ~std::uint64_t{0}})
    for (int k = 0; k < 1000; ++k) REQUIRE(r.below(n) < n);
  for (int k = 0; k < 100; ++k) CHECK(r.below(1) == 0);

  for (std::uint64_t bins : {std::uint64_t{10}, std::uint64_t{37}, std::uint64_t{1000}}) {
    std::vector<double> count(bins, 0.0);
    const int draws = 200000;
    for (int k = 0; k < draws; ++k) count[r.below(bins)] += 1.0;
    const double expected = static_cast<double>(draws) / static_cast<double>(bins);
    double chi2 = 0;
    for (double c : count) chi2 += (c - expected) * (c - expected) / expected;
    // chi2 has mean df = bins-1 and sd sqrt(2 df); allow 6 sd.
    const double df = static_cast<double>(bins - 1);
    INFO("bins " << bins << " chi2 " << chi2);
    CHECK(chi2 < df + 6.0 * std::sqrt(2.0 * df));
    CHECK(chi2 > df - 6.0 * std::sqrt(2.0 * df));
  }
  // A range that is not a power of two and close to 2^64: the top half must be hit about half the time
  // (a biased modulo reduction would not).
  const std::uint64_t big = (std::uint64_t{3} << 62);  // 0.75 * 2^64
  int upper = 0;
  const int draws = 100000;
  for (int k = 0; k < draws; ++k) upper += r.below(big) >= big / 2;
  CHECK(std::fabs(upper - draws / 2.0) < 5.0 * std::sqrt(draws * 0.25));
}

TEST_CASE("rng: normal mean and variance within 5 sigma over 1e5 draws") {
  rng r(99);
  const int n = 100000;
  double sum = 0, sum2 = 0, sum4 = 0;
  std::vector<double> xs(n);
  for (int k = 0; k < n; ++k) {
    const double x = r.normal();
    REQUIRE(std::isfinite(x));
    xs[k] = x;
    sum += x;
  }
  const double mean = sum / n;
  for (double x : xs) {
    sum2 += (x - mean) * (x - mean);
    sum4 += std::pow(x - mean, 4);
  }
  const double var = sum2 / (n - 1);
  CHECK(std::fabs(mean) < 5.0 / std::sqrt(n));
  // Var of the sample variance of a standard normal is 2/(n-1).
  CHECK(std::fabs(var - 1.0) < 5.0 * std::sqrt(2.0 / (n - 1)));
  // Kurtosis 3 (a uniform or mis-scaled generator fails this); loose bound.
  CHECK(sum4 / n / (var * var) == doctest::Approx(3.0).epsilon(0.05));
  // The tails exist: about 0.27% beyond 3 sigma.
  int beyond3 = 0;
  for (double x : xs) beyond3 += std::fabs(x) > 3.0;
  CHECK(beyond3 > 150);
  CHECK(beyond3 < 400);

  rng s(5);
  double m2 = 0, v2 = 0;
  for (int k = 0; k < n; ++k) {
    const double x = s.normal(10.0, 0.5);
    m2 += x;
    v2 += (x - 10.0) * (x - 10.0);
  }
  m2 /= n;
  v2 /= n;
  CHECK(std::fabs(m2 - 10.0) < 5.0 * 0.5 / std::sqrt(n));
  CHECK(std::fabs(v2 - 0.25) < 5.0 * 0.25 * std::sqrt(2.0 / n));
}

TEST_CASE("rng: exponential(rate) has mean 1/rate") {
  for (double rate : {0.5, 4.0}) {
    rng r(77);
    const int n = 100000;
    double sum = 0;
    for (int k = 0; k < n; ++k) {
      const double x = r.exponential(rate);
      REQUIRE(x >= 0.0);
      REQUIRE(std::isfinite(x));
      sum += x;
    }
    const double mean = sum / n;
    // sd of an exponential equals its mean.
    INFO("rate " << rate);
    CHECK(std::fabs(mean - 1.0 / rate) < 5.0 / rate / std::sqrt(n));
  }
}
