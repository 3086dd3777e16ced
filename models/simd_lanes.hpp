#pragma once
// simd_lanes: two or four doubles as one SIMD value (GCC/Clang vector extensions), for the neuron models'
// per-input loops, which the compiler does not vectorise on its own (their 0/1 outcomes mix double
// comparisons with integer flags). double2 is SSE2 on any x86-64 and NEON on AArch64; double4 is one AVX
// register, used only in code compiled for AVX2 (a function with target("avx2"), chosen at run time where the
// CPU has it: cpu_has_wide_lanes). Every function that takes or returns lanes is always_inline, in every build
// (-O0 too): a call from AVX2 code to one compiled without AVX would pass a double4 in the wrong place.
// Lane arithmetic is IEEE double arithmetic, the same operations in the same order as the scalar code, so
// results are bit-identical to it whatever the lane count (no contraction: the build passes
// -ffp-contract=off). Comparisons give lanes of -1 (true) or 0 as 64-bit integers.
// Invariants: load_lanes and store_lanes accept any alignment.
#include <cstring>

#include "engine/cpu_features.hpp"

// EVSNN_WIDE_LANES: the four-lane loops are compiled (x86-64, GCC or Clang).
#ifdef EVSNN_X86_64
#define EVSNN_WIDE_LANES 1
#endif

namespace evsnn {

using double2 = double __attribute__((vector_size(16)));
using double4 = double __attribute__((vector_size(32)));

// Inlined, so that in a function compiled for AVX2 a double4's load or store is one instruction.
template <class V>
__attribute__((always_inline)) inline V load_lanes(const double* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class V>
__attribute__((always_inline)) inline void store_lanes(double* p, V v) {
  std::memcpy(p, &v, sizeof v);
}

// Whether this CPU runs the four-lane (AVX2) loops.
inline bool cpu_has_wide_lanes() { return cpu_has_avx2(); }

}  // namespace evsnn
