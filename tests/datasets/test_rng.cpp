#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "datasets/rng.hpp"

using evsnn::data::rng;

TEST_CASE("rng: output is fixed for a seed (xoshiro256** seeded by splitmix64)") {
  // splitmix64 reference: first output for state 0 is 0xe220a8397b1dcdaf.
  std::uint64_t s = 0;
  CHECK(evsnn::data::splitmix64(s) == 0xe220a8397b1dcdafULL);
  rng a(42), b(42), c(43);
  for (int k = 0; k < 100; ++k) {
    const auto x = a.next();
    CHECK(x == b.next());
    CHECK(x != c.next());
  }
}

TEST_CASE("rng: uniform, below, normal, poisson have the right ranges and moments") {
  rng r(7);
  double sum = 0, sum2 = 0, nsum = 0, nsum2 = 0, psum = 0;
  const int n = 200000;
  std::vector<int> hist(6, 0);
  int out_of_range = 0;
  for (int k = 0; k < n; ++k) {
    const double u = r.uniform();
    out_of_range += (u < 0.0 || u >= 1.0) ? 1 : 0;
    sum += u;
    sum2 += u * u;
    const auto b = r.below(6);
    if (b >= 6) {
      ++out_of_range;
      continue;
    }
    ++hist[b];
    const double z = r.normal();
    nsum += z;
    nsum2 += z * z;
    psum += static_cast<double>(r.poisson(3.5));
  }
  CHECK(out_of_range == 0);
  CHECK(sum / n == doctest::Approx(0.5).epsilon(0.01));
  CHECK(sum2 / n - (sum / n) * (sum / n) == doctest::Approx(1.0 / 12).epsilon(0.02));
  for (int h : hist) CHECK(h == doctest::Approx(n / 6.0).epsilon(0.03));
  CHECK(std::abs(nsum / n) < 0.01);
  CHECK(nsum2 / n == doctest::Approx(1.0).epsilon(0.02));
  CHECK(psum / n == doctest::Approx(3.5).epsilon(0.02));
  double big = 0;
  for (int k = 0; k < 2000; ++k) big += static_cast<double>(r.poisson(500.0));
  CHECK(big / 2000 == doctest::Approx(500.0).epsilon(0.01));
  CHECK(r.poisson(0.0) == 0);
}

TEST_CASE("rng: shuffle is a deterministic permutation") {
  std::vector<int> v(100), w;
  std::iota(v.begin(), v.end(), 0);
  w = v;
  rng(5).shuffle(v);
  rng(5).shuffle(w);
  CHECK(v == w);
  CHECK(v != std::vector<int>(w.size()));
  std::sort(w.begin(), w.end());
  for (int k = 0; k < 100; ++k) CHECK(w[static_cast<std::size_t>(k)] == k);
}
