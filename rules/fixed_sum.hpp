#pragma once
// fixed_sum: an array of sums kept in 64-bit fixed point (2^-32 resolution, saturating at about +-1.07e9)
// so that adding the same contributions in any order or grouping gives bit-identical totals.
// Training workers each accumulate their samples' contributions into their own fixed_sum and the
// trainer merges them: the result does not depend on the number of threads or on which thread ran
// which sample. Each contribution is rounded once, to the nearest multiple of 2^-32.
// Invariants: every element is in [-limit, limit]; merge() requires equal sizes.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace evsnn::rules {

class fixed_sum {
 public:
  static constexpr double scale = 4294967296.0;  // 2^32
  static constexpr std::int64_t limit = (INT64_C(1) << 62) - 1;  // two of them add without overflow

  fixed_sum() = default;
  explicit fixed_sum(std::size_t n) : v_(n, 0) {}

  std::size_t size() const { return v_.size(); }
  void resize(std::size_t n) { v_.assign(n, 0); }
  void clear() { std::fill(v_.begin(), v_.end(), 0); }

  static std::int64_t to_fixed(double x) {
    const double s = x * scale;
    if (!(s == s)) return 0;  // NaN contributes nothing (callers check finiteness upstream)
    if (s >= static_cast<double>(limit)) return limit;
    if (s <= -static_cast<double>(limit)) return -limit;
    return std::llround(s);
  }
  void add(std::size_t i, double x) { v_[i] = saturate(v_[i] + to_fixed(x)); }
  double get(std::size_t i) const { return static_cast<double>(v_[i]) / scale; }
  void merge(const fixed_sum& other) {
    for (std::size_t i = 0; i < v_.size(); ++i) v_[i] = saturate(v_[i] + other.v_[i]);
  }
  // All values as doubles.
  void to_double(std::span<double> out) const {
    for (std::size_t i = 0; i < v_.size(); ++i) out[i] = get(i);
  }

 private:
  // Two values within +-limit never overflow int64 when added; clamp the sum back.
  static std::int64_t saturate(std::int64_t x) { return x > limit ? limit : (x < -limit ? -limit : x); }
  std::vector<std::int64_t> v_;
};

// A named set of fixed_sums, one per accumulated quantity, merged element-wise.
struct fixed_sum_set {
  std::vector<fixed_sum> sums;
  void clear() {
    for (fixed_sum& s : sums) s.clear();
  }
  void merge(const fixed_sum_set& other) {
    for (std::size_t k = 0; k < sums.size(); ++k) sums[k].merge(other.sums[k]);
  }
};

}  // namespace evsnn::rules
