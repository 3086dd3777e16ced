// fixed_sum / fixed_scalar: order-independent exact sums, and saturation that is reported, not hidden.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/rng.hpp"
#include "rules/fixed_sum.hpp"

using evsnn::rng;
using evsnn::rules::fixed_scalar;
using evsnn::rules::fixed_sum;

TEST_CASE("fixed_sum: any order or grouping gives the same bits") {
  const std::vector<double> xs = {0.1, 1e-7, -3.25, 12345.678, 1e-12, -0.1, 7.0 / 3.0};
  fixed_sum a(1), b(1), c(1);
  for (double x : xs) a.add(0, x);
  for (auto it = xs.rbegin(); it != xs.rend(); ++it) b.add(0, *it);
  fixed_sum half(1);
  for (std::size_t k = 0; k < xs.size(); ++k) (k % 2 ? half : c).add(0, xs[k]);
  c.merge(half);
  CHECK(a.get(0) == b.get(0));
  CHECK(a.get(0) == c.get(0));
  CHECK_FALSE(a.saturated());
}

TEST_CASE("fixed_sum: leaving the range or adding NaN is flagged, and merge carries the flag") {
  fixed_sum s(2);
  s.add(0, 1e9);
  CHECK_FALSE(s.saturated());
  s.add(0, 1e9);  // 2e9 > 2^30
  CHECK(s.saturated());
  s.clear();
  CHECK_FALSE(s.saturated());
  s.add(1, 5e9);  // one contribution beyond the range
  CHECK(s.saturated());
  fixed_sum t(2), u(2);
  u.add(0, std::nan(""));
  CHECK(u.saturated());
  t.merge(u);
  CHECK(t.saturated());
}

TEST_CASE("fixed_scalar: exact and order-independent up to 2^93, saturation flagged beyond") {
  fixed_scalar a, b;
  const std::vector<double> xs = {1e24, 0.25, -3e20, 1e-9, 7e22};
  for (double x : xs) a.add(x);
  for (auto it = xs.rbegin(); it != xs.rend(); ++it) b.add(*it);
  CHECK(a.get() == b.get());
  CHECK_FALSE(a.saturated());
  CHECK(a.get() == doctest::Approx(1e24 - 3e20 + 7e22).epsilon(1e-15));
  fixed_scalar c;
  for (int k = 0; k < 1000; ++k) c.add(1e10);  // fixed_sum saturates here
  CHECK(c.get() == 1e13);
  fixed_scalar d;
  d.add(1e28);
  CHECK(d.saturated());
  fixed_scalar e;
  e.add(std::numeric_limits<double>::infinity());
  CHECK(e.saturated());
  fixed_scalar f, g;
  f.add(9e27);
  g.add(9e27);
  f.merge(g);
  CHECK(f.saturated());
}

TEST_CASE("fixed_sum: merging disjoint ranges (from several threads) equals one merge, saturation included") {
  fixed_sum a(1000), b(1000), whole(1000), pieces(1000);
  for (std::size_t i = 0; i < 1000; ++i) {
    a.add(i, std::sin(double(i)) * 1e3);
    b.add(i, std::cos(double(i)) * 1e-3);
  }
  whole.merge(a);
  whole.merge(b);
  bool saturated = false;
  for (std::size_t begin : {0, 333, 777}) {
    const std::size_t end = begin == 0 ? 333 : begin == 333 ? 777 : 1000;
    saturated = pieces.merge_range(a, begin, end) || saturated;
    saturated = pieces.merge_range(b, begin, end) || saturated;
  }
  CHECK_FALSE(saturated);
  for (std::size_t i = 0; i < 1000; ++i) CHECK(pieces.get(i) == whole.get(i));
  fixed_sum big(2), big2(2);
  big.add(0, 1e9);
  big2.add(0, 1e9);  // 2e9: beyond the range
  CHECK(big.merge_range(big2, 0, 1));
  CHECK_FALSE(big.saturated());  // the caller marks it
  big.mark_saturated();
  CHECK(big.saturated());
}

TEST_CASE("fixed_sum: contributions round as std::llround does, halves away from zero") {
  rng r(7);
  std::vector<double> xs{0.0, -0.0, 0.5 / fixed_sum::scale, -0.5 / fixed_sum::scale, 1.5 / fixed_sum::scale,
                         -2.5 / fixed_sum::scale, 0x1p-33, -0x1p-33, 0x1p20 + 0.5 / fixed_sum::scale,
                         std::nextafter(0.5, 0.0) / fixed_sum::scale, 0x1p29, -0x1p29 - 0x1p-40};
  for (int k = 0; k < 200000; ++k) {
    const double mag = std::ldexp(1.0, static_cast<int>(r.below(70)) - 40);  // 2^-40 .. 2^29
    xs.push_back(r.uniform(-mag, mag));
    xs.push_back(std::round(xs.back() * fixed_sum::scale * 2.0) / 2.0 / fixed_sum::scale);  // exact halves
  }
  for (const double x : xs) {
    CAPTURE(x);
    REQUIRE(fixed_sum::to_fixed(x) == std::llround(x * fixed_sum::scale));
  }
}
