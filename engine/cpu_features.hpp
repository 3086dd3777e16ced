#pragma once
// cpu_features: what the CPU running evsnn offers beyond the build's baseline, asked once where a loop has a
// variant for it (exact_lif's rows, fixed_sum's rows, Randman's sums). Such variants perform the same IEEE
// operations as the baseline loop, so results do not depend on the answer.
// EVSNN_X86_64: x86-64 with GCC or Clang, where functions may be compiled for AVX2 (target("avx2")).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EVSNN_X86_64 1
#endif

namespace evsnn {

// Whether this CPU runs code compiled for AVX2.
inline bool cpu_has_avx2() {
#ifdef EVSNN_X86_64
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

}  // namespace evsnn
