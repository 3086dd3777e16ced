// trace_bank: lazily decayed traces relative to a shared reference time, against direct sums.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/trace_bank.hpp"

using evsnn::trace_bank;

TEST_CASE("trace_bank: add and set against explicit exponentials, across rebases") {
  trace_bank b(3, 5.0);
  b.reset(0.0);
  double direct0 = 0.0, last0 = 0.0;
  double nearest = 0.0;
  for (int k = 0; k < 400; ++k) {
    const double t = 0.7 * k + 0.01 * (k % 7);
    const auto at = b.at(t);
    direct0 = direct0 * std::exp(-(t - last0) / 5.0);
    last0 = t;
    CHECK(b.value(0, at) == doctest::Approx(direct0).epsilon(1e-12));
    b.add(0, at, 1.0);
    direct0 += 1.0;
    b.set(1, at, 1.0);
    nearest = t;
    CHECK(b.value(2, at) == 0.0);
  }
  const auto at = b.at(400.0);  // far past the last bump: rebases
  CHECK(b.value(1, at) == doctest::Approx(std::exp(-(400.0 - nearest) / 5.0)).epsilon(1e-12));
  b.reset(400.0);
  CHECK(b.value(0, b.at(401.0)) == 0.0);
}
