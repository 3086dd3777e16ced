#pragma once
// fixed_sum: an array of sums kept in 64-bit fixed point (2^-32 resolution, saturating at about +-1.07e9)
// so that adding the same contributions in any order or grouping gives bit-identical totals.
// Training workers each accumulate their samples' contributions into their own fixed_sum and the
// trainer merges them: the result does not depend on the number of threads or on which thread ran
// which sample. Each contribution is rounded once, to the nearest multiple of 2^-32.
// A contribution or a total beyond the range saturates and sets saturated(): the caller turns that into an
// error (a gradient that large means training has diverged) instead of using a clamped value.
// fixed_scalar is one such sum 2^63 times wider (128 bits), for totals such as an epoch's loss.
// A sample touches a fraction of a layer's synapses, so a worker's sums after a few samples are mostly zero:
// each block of block_elements elements has a dirty mark, set by every write, and merging, moving and clearing
// skip the blocks not marked (a 16-thread batch of Fashion-MNIST SFDFA leaves about half of them zero).
// Invariants: every element is in [-limit, limit]; every block with a nonzero element is marked dirty (a marked
// block may be zero); merge() requires equal sizes.
#include <algorithm>
#include <atomic>
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
  static constexpr unsigned block_shift = 6;
  static constexpr std::size_t block_elements = std::size_t(1) << block_shift;  // 512 bytes per dirty mark

  fixed_sum() = default;
  explicit fixed_sum(std::size_t n) : v_(n, 0), dirty_(blocks(n), 0) {}

  std::size_t size() const { return v_.size(); }
  void resize(std::size_t n) {
    v_.assign(n, 0);
    dirty_.assign(blocks(n), 0);
    saturated_ = false;
  }
  // Every element to zero (the marked blocks' only).
  void clear() {
    for (std::size_t b = 0; b < dirty_.size(); ++b)
      if (dirty_[b]) {
        std::fill(v_.begin() + static_cast<std::ptrdiff_t>(b << block_shift),
                  v_.begin() + static_cast<std::ptrdiff_t>(block_end(b)), 0);
        dirty_[b] = 0;
      }
    saturated_ = false;
  }

  // x in units of 2^-32, rounded half away from zero (as std::llround, without its library call: within the
  // range the truncation is exact, and so is s - trunc(s), by Sterbenz's lemma or because s is an integer).
  static std::int64_t to_fixed(double x) {
    const double s = x * scale;
    if (!(s == s)) return 0;  // NaN contributes nothing (callers check finiteness upstream)
    if (s >= static_cast<double>(limit)) return limit;
    if (s <= -static_cast<double>(limit)) return -limit;
    const auto r = static_cast<std::int64_t>(s);
    const double frac = s - static_cast<double>(r);
    return r + static_cast<std::int64_t>(frac >= 0.5) - static_cast<std::int64_t>(frac <= -0.5);
  }
  void add(std::size_t i, double x) {
    const std::int64_t f = to_fixed(x);
    if (f == limit || f == -limit || x != x) saturated_ = true;
    v_[i] = saturate(v_[i] + f);
    dirty_[i >> block_shift] = 1;
  }
  // Adds x * v[k] to element begin + k for every k < n: the same bits and saturation as add(begin + k, x * v[k])
  // one by one, in four AVX2 lanes where the CPU has it (a group of four with a contribution of 2^19 or more in
  // magnitude, a NaN, or a total beyond the range takes add() itself). Zero contributions add nothing but their
  // blocks are marked, as a dense row's are.
  void add_scaled(std::size_t begin, const double* v, double x, std::size_t n);
  // A hint (no effect on values): fetch elements [begin, end) into the cache for writing, one line at a time.
  void prefetch(std::size_t begin, std::size_t end) const {
    for (std::size_t i = begin; i < end; i += 8) __builtin_prefetch(v_.data() + i, 1);
  }
  bool saturated() const { return saturated_; }
  double get(std::size_t i) const { return static_cast<double>(v_[i]) / scale; }
  void merge(const fixed_sum& other) { saturated_ = merge_range(other, 0, v_.size()) || saturated_; }
  // Adds other's elements [begin, end) into these, saturating, and returns whether other was saturated or a sum
  // saturated. This object's own flag is left alone, so threads may merge disjoint ranges at once; the caller
  // then calls mark_saturated() if any returned true.
  // Only other's marked blocks are read. Threads merging ranges that share a block both mark it (an atomic
  // store of the same value).
  bool merge_range(const fixed_sum& other, std::size_t begin, std::size_t end) {
    return move_range(other, nullptr, begin, end);
  }
  // Moves other's elements [begin, end) into these (added, saturating) and sets them to zero in other (and
  // other's blocks wholly inside the range unmarked). Returns what merge_range returns; neither object's flag
  // changes.
  bool take_range(fixed_sum& other, std::size_t begin, std::size_t end) { return move_range(other, &other, begin, end); }
  void mark_saturated() { saturated_ = true; }
  // For a sum whose every element take_range moved out (all zero now): its flag cleared.
  void reset_saturated() { saturated_ = false; }
  // The fixed-point values themselves (multiples of 2^-32 as integers), to be summed elsewhere (over MPI
  // ranks); then check_range() restores the invariant.
  std::span<std::int64_t> raw() { return v_; }
  // After the raw values were replaced by sums: any beyond +-limit (or saturated_elsewhere) saturates.
  void check_range(bool saturated_elsewhere) {
    saturated_ = saturated_ || saturated_elsewhere;
    for (std::int64_t& x : v_) x = saturate(x);
    std::fill(dirty_.begin(), dirty_.end(), 1);
  }
  // All values as doubles.
  void to_double(std::span<double> out) const {
    for (std::size_t i = 0; i < v_.size(); ++i) out[i] = get(i);
  }

 private:
  static std::size_t blocks(std::size_t n) { return (n + block_elements - 1) >> block_shift; }
  std::size_t block_end(std::size_t b) const { return std::min(v_.size(), (b + 1) << block_shift); }
  // merge_range, and with emptied (= &other) take_range.
  bool move_range(const fixed_sum& other, fixed_sum* emptied, std::size_t begin, std::size_t end) {
    bool saturated = other.saturated_;
    if (begin >= end) return saturated;
    std::int64_t* to = v_.data();
    const std::int64_t* from = other.v_.data();
    for (std::size_t b = begin >> block_shift, last = (end - 1) >> block_shift; b <= last; ++b) {
      if (!other.dirty_[b]) continue;
      const std::size_t lo = std::max(begin, b << block_shift), hi = std::min(end, block_end(b));
      for (std::size_t i = lo; i < hi; ++i) {
        const std::int64_t x = to[i] + from[i];
        saturated = saturated || x > limit || x < -limit;
        to[i] = x > limit ? limit : (x < -limit ? -limit : x);
      }
      std::atomic_ref<std::uint8_t>(dirty_[b]).store(1, std::memory_order_relaxed);
      if (emptied != nullptr) {
        std::fill(emptied->v_.begin() + static_cast<std::ptrdiff_t>(lo),
                  emptied->v_.begin() + static_cast<std::ptrdiff_t>(hi), 0);
        if (lo == b << block_shift && hi == block_end(b)) emptied->dirty_[b] = 0;  // no other range shares it
      }
    }
    return saturated;
  }
  // Two values within +-limit never overflow int64 when added; clamp the sum back.
  std::int64_t saturate(std::int64_t x) {
    if (x > limit || x < -limit) saturated_ = true;
    return x > limit ? limit : (x < -limit ? -limit : x);
  }
  std::vector<std::int64_t> v_;
  std::vector<std::uint8_t> dirty_;  // per block of block_elements: may hold a nonzero element
  bool saturated_ = false;
};

// One order-independent sum in 128-bit fixed point (2^-32 resolution, exact up to about 9.9e27 = 2^93):
// an epoch's loss, whose samples may each be far beyond fixed_sum's range. Saturation and NaN set saturated().
class fixed_scalar {
 public:
  __extension__ typedef __int128 wide;
  static constexpr double scale = fixed_sum::scale;
  static constexpr double max_abs = 0x1p93;  // |total| and |contribution| limit, so two add without overflow

  void add(double x) {
    const double s = x * scale;
    if (!(std::fabs(x) < max_abs)) {
      saturated_ = true;
      return;
    }
    v_ += static_cast<wide>(std::round(s));
    check();
  }
  void merge(const fixed_scalar& other) {
    saturated_ = saturated_ || other.saturated_;
    v_ += other.v_;
    check();
  }
  void clear() { *this = {}; }
  double get() const { return static_cast<double>(v_) / scale; }
  // The exact state, to move between processes: the value in units of 2^-32 and the saturation flag.
  wide raw() const { return v_; }
  static fixed_scalar from_raw(wide v, bool saturated) {
    fixed_scalar s;
    s.v_ = v;
    s.saturated_ = saturated;
    s.check();
    return s;
  }
  bool saturated() const { return saturated_; }

 private:
  void check() {
    const wide lim = static_cast<wide>(max_abs * scale);
    if (v_ > lim || v_ < -lim) {
      saturated_ = true;
      v_ = v_ > 0 ? lim : -lim;
    }
  }
  wide v_ = 0;
  bool saturated_ = false;
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
  bool saturated() const {
    for (const fixed_sum& s : sums)
      if (s.saturated()) return true;
    return false;
  }
};

}  // namespace evsnn::rules
