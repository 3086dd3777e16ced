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

// The dirty marks only let merging, moving and clearing skip zero blocks: with sparse writes (some blocks
// untouched, some touched at one element on either edge, a last block cut short), ranges that split blocks
// anywhere, and values written as raw sums (MPI), every result must equal a plain element loop's.
TEST_CASE("fixed_sum: sparse sums merge, move and clear as dense ones, whatever the ranges") {
  const std::size_t n = 5 * fixed_sum::block_elements + 13;
  rng r(3);
  for (int round = 0; round < 50; ++round) {
    CAPTURE(round);
    fixed_sum a(n), total(n);
    std::vector<std::int64_t> want_a(n, 0), want_total(n, 0);
    auto add = [&](fixed_sum& s, std::vector<std::int64_t>& want, std::size_t i) {
      const double x = r.uniform(-3.0, 3.0);
      s.add(i, x);
      want[i] += fixed_sum::to_fixed(x);
    };
    for (std::size_t b = 0; b * fixed_sum::block_elements < n; ++b) {
      const std::size_t lo = b * fixed_sum::block_elements, hi = std::min(n, lo + fixed_sum::block_elements);
      switch (r.below(4)) {
        case 0: break;  // untouched
        case 1: add(a, want_a, lo); break;
        case 2: add(a, want_a, hi - 1); break;
        default: add(a, want_a, lo + r.below(hi - lo)); break;
      }
      if (r.below(2) == 0) add(total, want_total, lo + r.below(hi - lo));
    }
    // Move a into total in ranges of random length (splitting blocks), in random order.
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    for (std::size_t begin = 0; begin < n;) {
      const std::size_t end = std::min(n, begin + 1 + r.below(2 * fixed_sum::block_elements));
      ranges.emplace_back(begin, end);
      begin = end;
    }
    for (std::size_t k = ranges.size(); k > 1; --k) std::swap(ranges[k - 1], ranges[r.below(k)]);
    for (const auto& [begin, end] : ranges) CHECK_FALSE(total.take_range(a, begin, end));
    for (std::size_t i = 0; i < n; ++i) {
      REQUIRE(a.raw()[i] == 0);
      REQUIRE(total.raw()[i] == want_a[i] + want_total[i]);
    }
    // a, emptied by take_range, gathers again; total, merged into a copy, still reads the same.
    add(a, want_a, n - 1);
    fixed_sum copy(n);
    copy.merge(total);
    copy.merge(a);
    for (std::size_t i = 0; i + 1 < n; ++i) REQUIRE(copy.raw()[i] == total.raw()[i]);
    CHECK(copy.raw()[n - 1] == total.raw()[n - 1] + a.raw()[n - 1]);
    // Values written as raw sums (summed over MPI ranks) are merged and cleared like added ones.
    fixed_sum ranks(n);
    for (std::size_t i = 0; i < n; i += 1 + r.below(3 * fixed_sum::block_elements)) ranks.raw()[i] = 1 + i;
    ranks.check_range(false);
    fixed_sum from_ranks(n);
    from_ranks.merge(ranks);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(from_ranks.raw()[i] == ranks.raw()[i]);
    for (fixed_sum* s : {&total, &copy, &ranks}) {
      s->clear();
      for (std::size_t i = 0; i < n; ++i) REQUIRE(s->raw()[i] == 0);
    }
  }
}

TEST_CASE("fixed_sum: add_scaled adds a row as add() one by one: halves, signs, zeros, large, NaN, saturation") {
  rng g(77);
  const double u = 1.0 / fixed_sum::scale;  // one unit of 2^-32
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t size = 1 + g.below(300), begin = g.below(size), n = g.below(size - begin + 1);
    CAPTURE(trial);
    CAPTURE(n);
    std::vector<double> v(n);
    const double x = trial % 5 == 0 ? 1.0 : g.uniform(-3.0, 3.0);
    for (double& e : v) {
      const auto kind = g.below(20);
      if (kind == 0) e = 0.0;
      else if (kind == 1) e = -0.0;
      else if (kind == 2) e = (static_cast<double>(g.below(1000)) - 500.0 + 0.5) * u;  // a half (x = 1)
      else if (kind == 3) e = g.uniform(-1.0, 1.0) * 1e6;                                 // beyond 2^19: add()
      else if (kind == 4 && trial % 7 == 0) e = std::nan("");
      else if (kind == 5 && trial % 11 == 0) e = 300.0;  // small enough for the lanes, past the limit from 2^30 - 100
      else e = g.uniform(-1.0, 1.0) * std::pow(10.0, g.uniform(-12.0, 3.0));
    }
    fixed_sum a(size), b(size);
    // Start both from the same totals, some near the limit.
    for (std::size_t i = 0; i < size; ++i) {
      const double start = g.below(10) == 0 ? 0x1p30 - 100.0 : g.uniform(-100.0, 100.0);
      a.add(i, start);
      b.add(i, start);
    }
    for (int round = 0; round < 3; ++round) {
      a.add_scaled(begin, v.data(), x, n);
      for (std::size_t k = 0; k < n; ++k) b.add(begin + k, x * v[k]);
    }
    for (std::size_t i = 0; i < size; ++i) REQUIRE(a.raw()[i] == b.raw()[i]);
    CHECK(a.saturated() == b.saturated());
  }
}
