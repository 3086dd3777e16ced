#include "rules/fixed_sum.hpp"

#include "engine/cpu_features.hpp"

#ifdef EVSNN_X86_64
#include <immintrin.h>
#endif

namespace evsnn::rules {

namespace {

#ifdef EVSNN_X86_64
// x * v[k] for k < n into sums[k] as fixed_sum::add does (contributions below 2^19 in magnitude, totals within
// +-limit), four at a time; returns how many elements it did (a multiple of four), stopping before the first group
// of four that needs add() itself (a large or NaN contribution, or a total beyond the range). The same IEEE
// operations as to_fixed: the product, times 2^32 (exact), truncated, the fraction s - trunc(s) (exact), then
// rounded half away from zero; the integer (below 2^51) read from the bits of its sum with 1.5 * 2^52.
__attribute__((target("avx2"))) std::size_t add_scaled_avx2(std::int64_t* sums, const double* v, double x,
                                                            std::size_t n) {
  const __m256d xx = _mm256_set1_pd(x);
  const __m256d scale = _mm256_set1_pd(fixed_sum::scale);
  const __m256d big = _mm256_set1_pd(0x1p51);
  const __m256d sign = _mm256_set1_pd(-0.0);
  const __m256d half = _mm256_set1_pd(0.5), minus_half = _mm256_set1_pd(-0.5), one = _mm256_set1_pd(1.0);
  const __m256d magic = _mm256_set1_pd(0x1.8p52);
  const __m256i magic_bits = _mm256_castpd_si256(magic);
  const __m256i hi = _mm256_set1_epi64x(fixed_sum::limit), lo = _mm256_set1_epi64x(-fixed_sum::limit);
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const __m256d s = _mm256_mul_pd(_mm256_mul_pd(xx, _mm256_loadu_pd(v + k)), scale);
    // Every lane finite and below 2^51 (a NaN compares false).
    if (_mm256_movemask_pd(_mm256_cmp_pd(_mm256_andnot_pd(sign, s), big, _CMP_LT_OQ)) != 0xf) break;
    const __m256d t = _mm256_round_pd(s, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256d frac = _mm256_sub_pd(s, t);
    const __m256d up = _mm256_and_pd(_mm256_cmp_pd(frac, half, _CMP_GE_OQ), one);
    const __m256d down = _mm256_and_pd(_mm256_cmp_pd(frac, minus_half, _CMP_LE_OQ), one);
    const __m256d r = _mm256_add_pd(t, _mm256_sub_pd(up, down));
    const __m256i f = _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(r, magic)), magic_bits);
    const __m256i total = _mm256_add_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sums + k)), f);
    const __m256i out = _mm256_or_si256(_mm256_cmpgt_epi64(total, hi), _mm256_cmpgt_epi64(lo, total));
    if (!_mm256_testz_si256(out, out)) break;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(sums + k), total);
  }
  return k;
}
#endif

}  // namespace

void fixed_sum::add_scaled(std::size_t begin, const double* v, double x, std::size_t n) {
  if (n == 0) return;
  const bool wide = cpu_has_avx2();
  std::size_t k = 0;
  while (k < n) {
    std::size_t stop = n;  // without the lanes: every element one by one
#ifdef EVSNN_X86_64
    if (wide) {
      k += add_scaled_avx2(v_.data() + begin + k, v + k, x, n - k);
      stop = k + 4 < n ? k + 4 : n;  // the rest of the row, or the group of four the lanes stopped at
    }
#else
    (void)wide;
#endif
    for (; k < stop; ++k) add(begin + k, x * v[k]);
  }
  for (std::size_t b = begin >> block_shift, last = (begin + n - 1) >> block_shift; b <= last; ++b) dirty_[b] = 1;
}

}  // namespace evsnn::rules
